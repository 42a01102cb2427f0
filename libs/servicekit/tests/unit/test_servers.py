"""The testcontainers fallback can be used where a Docker engine answers (none runs here)."""

from servicekit.testing.servers import postgres_container_class, rabbitmq_container_class


def test_both_container_classes_import_with_what_the_testing_extra_installs():
    assert postgres_container_class().__name__ == "PostgresContainer"
    assert rabbitmq_container_class().__name__ == "RabbitMqContainer"
