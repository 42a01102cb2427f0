"""``<service>-manage migrate`` on the in-process broker and with the broker away."""

import socket

import pytest
from click.testing import CliRunner
from ledger import entries, ledger_cli, make_context


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path}/ledger.db"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_migrate_on_the_in_process_broker_builds_the_schema_and_leaves_the_queues_to_the_worker(database_url):
    context = make_context(database_url, "memory://", "mem.migrate", "migrate.")
    try:
        result = CliRunner().invoke(ledger_cli(context), ["migrate"])
        assert result.exit_code == 0, result.output
        assert "ledger: database at head" in result.output
        assert "in-process broker" in result.output
        assert entries(context.database) == []  # the ledger table is there
    finally:
        context.database.dispose()


def test_migrate_with_the_broker_away_fails_and_says_so(database_url):
    context = make_context(database_url, f"amqp://guest:guest@127.0.0.1:{closed_port()}//", "away.events", "away.")
    try:
        result = CliRunner().invoke(ledger_cli(context), ["migrate"])
    finally:
        context.database.dispose()
    assert result.exit_code == 1
    assert "ledger: " in result.output and "Connection refused" in result.output, result.output
