"""A web process under gunicorn with a bad setting stops at once and names the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
WEB_APPS = ("gateway", "cases", "tasks", "notify", "sla")


def start_gunicorn(app: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """gunicorn as production runs it; a bad setting must halt it, not have it boot workers forever."""
    command = [str(BIN / "gunicorn"), "--no-control-socket", "--bind", "127.0.0.1:0", "--workers", "2",
               f"{app}.wsgi:app"]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=15)


def base_environ(app: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
    env.update({"SERVICE_NAME": app, "AMQP_URL": "memory://", "LOG_FORMAT": "text"})
    return env


def assert_named_not_a_traceback(stderr: str) -> None:
    # gunicorn itself may print a HaltServer traceback when two workers fail at once; ours must not appear
    assert "ConfigError" not in stderr, stderr[-3000:]
    assert "App failed to load" in stderr


@pytest.mark.parametrize("app", WEB_APPS)
def test_a_web_process_without_its_database_url_stops_and_names_it(app, tmp_path):
    result = start_gunicorn(app, base_environ(app, tmp_path), tmp_path)
    assert result.returncode != 0
    assert f"{app}: invalid configuration" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert_named_not_a_traceback(result.stderr)


def test_a_web_process_with_an_unreadable_identity_key_stops_and_names_it(tmp_path):
    env = {**base_environ("cases", tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}",
           "IDENTITY_PUBLIC_KEY": "not a key", "DATA_DIR": str(tmp_path / "data")}
    result = start_gunicorn("cases", env, tmp_path)
    assert result.returncode != 0
    assert "IDENTITY_PUBLIC_KEY" in result.stderr
    assert_named_not_a_traceback(result.stderr)


def test_the_gateway_with_an_unreadable_signing_key_stops_and_names_it(tmp_path):
    env = {**base_environ("gateway", tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
           "IDENTITY_PRIVATE_KEY": "not a key", "SECRET_KEY": "s" * 48, "DATA_DIR": str(tmp_path / "data")}
    result = start_gunicorn("gateway", env, tmp_path)
    assert result.returncode != 0
    assert "IDENTITY_PRIVATE_KEY" in result.stderr
    assert_named_not_a_traceback(result.stderr)
