"""The README's one command: the whole system in one process, no servers installed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from system import free_port, wait_for

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded(tmp_path):
    ports = {name: free_port() for name in ("gateway", "cases", "tasks", "notify", "sla")}
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"MAIL_SINK_PORT": str(free_port()), "INBOUND_SMTP_PORT": str(free_port())})
    log = (tmp_path / "embedded.log").open("wb")
    process = subprocess.Popen([str(BIN / "servicedesk-embedded"), "--data-dir", str(tmp_path / "var")],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process, ports, tmp_path
    if process.poll() is None:
        process.kill()
        process.wait()


def ready(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_one_command_starts_every_service_on_sqlite_and_the_in_process_broker(embedded):
    process, ports, tmp_path = embedded
    wait_for(lambda: process.poll() is not None or all(ready(p) for p in ports.values()), timeout=90,
             message="the embedded system to be ready")
    assert process.poll() is None, (tmp_path / "embedded.log").read_text()[-3000:]
    for name in ports:
        assert (tmp_path / "var" / f"{name}.db").exists()
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
