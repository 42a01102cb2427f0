"""The README's one command: the whole system in one process, no servers installed."""

import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from system import free_port, wait_for

from servicedesk_embedded.demo import DEMO_PASSWORD

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded(tmp_path):
    ports = {name: free_port() for name in ("gateway", "cases", "tasks", "notify", "sla")}
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"MAIL_SINK_PORT": str(free_port()), "INBOUND_SMTP_PORT": str(free_port())})
    ports["inbound"] = int(env["INBOUND_SMTP_PORT"])
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
    services = {name: port for name, port in ports.items() if name != "inbound"}
    wait_for(lambda: process.poll() is not None or all(ready(p) for p in services.values()), timeout=90,
             message="the embedded system to be ready")
    assert process.poll() is None, (tmp_path / "embedded.log").read_text()[-3000:]
    for name in services:
        assert (tmp_path / "var" / f"{name}.db").exists()

    wait_for(lambda: (tmp_path / "var" / ".demo-loaded").exists(), timeout=120, message="the demo data")
    gateway = f"http://127.0.0.1:{services['gateway']}"
    token = requests.post(f"{gateway}/api/v1/auth/token", timeout=10,
                          json={"email": "anne.jensen@kommune.example", "password": DEMO_PASSWORD}).json()
    anne = {"Authorization": f"Bearer {token['access_token']}"}
    mine = requests.get(f"{gateway}/api/v1/cases", params={"status": "any"}, headers=anne, timeout=10).json()
    assert mine["total"] >= 2, "the demo requester has demo cases"

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "anne.jensen@kommune.example", "sager@servicedesk.example", "Ny skærm"
    mail.set_content("Min skærm flimrer. Kan I hjælpe?")
    with smtplib.SMTP("127.0.0.1", ports["inbound"], timeout=10) as smtp:
        smtp.send_message(mail)

    def opened_by_mail():
        page = requests.get(f"{gateway}/api/v1/cases", params={"status": "any", "q": "skærm"}, headers=anne,
                            timeout=10).json()
        return [c for c in page["items"] if c["origin"] == "email"]

    wait_for(opened_by_mail, timeout=30, message="a case opened by mail through the in-process broker")
    assert list((tmp_path / "var" / "mail").glob("*.eml")), "the receipt went to the local mail folder"
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
