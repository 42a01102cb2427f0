import pytest
from marshmallow import fields

from servicekit.config import ConfigError, ServiceConfig, load_settings

VALID = {"SERVICE_NAME": "cases", "DATABASE_URL": "sqlite:///x.db", "AMQP_URL": "memory://"}


class ExampleConfig(ServiceConfig):
    auto_close_after = fields.Integer(data_key="AUTO_CLOSE_AFTER", load_default=604800)


def test_valid_environment_gives_typed_settings_with_defaults():
    settings = load_settings(ExampleConfig, {**VALID, "AUTO_CLOSE_AFTER": "60", "RETRY_DELAYS": "1,2.5"})
    assert settings.auto_close_after == 60
    assert settings.retry_delays == [1.0, 2.5]
    assert settings.events_exchange == "servicedesk.events"


def test_every_missing_or_wrong_setting_is_named():
    with pytest.raises(ConfigError) as caught:
        load_settings(ExampleConfig, {"SERVICE_NAME": "cases", "AMQP_URL": "http://broker", "AUTO_CLOSE_AFTER": "soon"})
    message = str(caught.value)
    assert "DATABASE_URL" in message
    assert "AMQP_URL" in message
    assert "AUTO_CLOSE_AFTER" in message


def test_bad_retry_delays_are_refused():
    with pytest.raises(ConfigError, match="RETRY_DELAYS"):
        load_settings(ExampleConfig, {**VALID, "RETRY_DELAYS": "1,-5"})


def test_settings_are_read_only_and_hide_secrets_in_repr():
    settings = load_settings(ExampleConfig, {**VALID, "IDENTITY_PUBLIC_KEY": "secret-pem"})
    with pytest.raises(AttributeError):
        settings.database_url = "other"
    assert "secret-pem" not in repr(settings)


def test_empty_values_count_as_missing():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings(ExampleConfig, {**VALID, "DATABASE_URL": ""})


def test_a_setting_can_come_from_a_file_as_docker_secrets_do(tmp_path):
    secret = tmp_path / "url"
    secret.write_text("sqlite:///from-file.db\n")
    settings = load_settings(ExampleConfig, {**VALID, "DATABASE_URL": "", "DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "sqlite:///from-file.db"


def test_an_unreadable_secret_file_is_named():
    with pytest.raises(ConfigError, match="DATABASE_URL_FILE"):
        load_settings(ExampleConfig, {**VALID, "DATABASE_URL": "", "DATABASE_URL_FILE": "/nonexistent/secret"})
