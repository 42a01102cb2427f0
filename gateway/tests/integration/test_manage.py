"""``gateway-manage create-admin`` on a migrated PostgreSQL database."""

from __future__ import annotations

from click.testing import CliRunner
from gatewaykit import gateway_environ

from gateway.manage import cli


def test_create_admin_makes_an_administrator_who_can_log_in(harness, client, monkeypatch):
    for name, value in harness.environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["create-admin", "--email", "Chef@Example.dk", "--name", "Chefen",
                                      "--password", "a very long password"])
    assert result.exit_code == 0, result.output
    assert "chef@example.dk is an administrator" in result.output
    login = client.post("/api/v1/auth/token", json={"email": "chef@example.dk", "password": "a very long password"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert "admin" in me["roles"] and me["name"] == "Chefen"


def test_create_admin_refuses_a_short_password(harness, monkeypatch):
    for name, value in harness.environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["create-admin", "--email", "kort@example.dk", "--password", "short"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_an_invalid_configuration_stops_with_the_names_of_the_variables(monkeypatch):
    environ = gateway_environ("sqlite:///x.db", "memory://", {}, ("x", "y"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECRET_KEY")
    result = CliRunner().invoke(cli, ["outbox-status"])
    assert result.exit_code == 2 and "SECRET_KEY" in result.output
