"""The pytest plugin's promise: without a server the integration tests skip, except on CI, where they fail."""

import socket

import pytest

from servicekit.testing import servers

INNER_TESTS = """
def test_needs_postgresql(postgres_databases):
    pass


def test_needs_rabbitmq(rabbitmq_url):
    pass
"""


def closed_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def no_servers(pytester, monkeypatch, tmp_path):
    """No URLs, no Docker engine, nothing on the local fallback addresses."""
    for name in ("TEST_DATABASE_URL", "TEST_AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    port = closed_port()
    monkeypatch.setattr(servers, "LOCAL_POSTGRES", f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    monkeypatch.setattr(servers, "LOCAL_AMQP", f"amqp://guest:guest@127.0.0.1:{port}//")
    pytester.makepyfile(INNER_TESTS)
    return pytester


@pytest.mark.parametrize("ci", ["true", "1"])
def test_on_ci_a_missing_server_fails_the_run(no_servers, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    result = no_servers.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*CI=true and no PostgreSQL*", "*CI=true and no RabbitMQ*"], consecutive=False)


def test_elsewhere_a_missing_server_skips_the_tests_that_need_it(no_servers, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = no_servers.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*no PostgreSQL: set TEST_DATABASE_URL*", "*no RabbitMQ: set TEST_AMQP_URL*"],
                                consecutive=False)
