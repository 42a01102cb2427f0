"""The README's one command, `make run`: the whole system in one process, no servers installed."""

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from system import free_port, wait_for

from servicedesk_embedded.demo import DEMO_PASSWORD
from servicedesk_embedded.system import RUN_MARKER

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "cases", "tasks", "notify", "sla")
# the README's command; a test run from another virtual environment points make at that one
MAKE = ["make", "--no-print-directory"]
if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
    MAKE.append(f"VENV={sys.prefix}")


class MakeRun:
    """`make run` from the repository root, its data in a folder of the test."""

    def __init__(self, tmp_path: Path):
        self.var = tmp_path / "var"
        self.log_path = tmp_path / "embedded.log"
        self.ports = {name: free_port() for name in SERVICES}
        self.inbound_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
        env.update({f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        env.update({"MAIL_SINK_PORT": str(free_port()), "INBOUND_SMTP_PORT": str(self.inbound_port),
                    "SERVICEDESK_DATA_DIR": str(self.var)})
        self.env = env
        self.make: subprocess.Popen | None = None

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start(self) -> None:
        up_to_date = subprocess.run([*MAKE, "-q", "install"], cwd=ROOT, env=self.env)
        assert up_to_date.returncode == 0, "make install is not up to date: `make run` would install first"
        with self.log_path.open("ab") as log:
            self.make = subprocess.Popen([*MAKE, "run"], cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_ready(self) -> None:
        wait_for(lambda: self.make.poll() is not None or all(ready(p) for p in self.ports.values()), timeout=90,
                 message="the embedded system to be ready")
        assert self.make.poll() is None, self.log()

    def stop_gracefully(self) -> int:
        """SIGTERM to what make started, as a service manager would; make then exits with its status."""
        return self.signal_the_system(signal.SIGTERM)

    def signal_the_system(self, signum: int) -> int:
        children = Path(f"/proc/{self.make.pid}/task/{self.make.pid}/children").read_text().split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signum)
        return self.make.wait(60)

    def kill(self) -> None:
        if self.make is not None and self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGKILL)
            self.make.wait()

    def log(self) -> str:
        return self.log_path.read_text()[-3000:]


@pytest.fixture
def embedded(tmp_path):
    launcher = MakeRun(tmp_path)
    launcher.start()
    yield launcher
    launcher.kill()


def ready(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def rows(database: Path, query: str) -> set[tuple]:
    with sqlite3.connect(database) as conn:
        return set(conn.execute(query).fetchall())


def test_make_run_starts_every_service_on_sqlite_and_the_in_process_broker(embedded):
    embedded.wait_until_ready()
    for name in SERVICES:
        assert (embedded.var / f"{name}.db").exists()

    wait_for(lambda: (embedded.var / ".demo-loaded").exists(), timeout=120, message="the demo data")
    anne = log_in(embedded, "anne.jensen@kommune.example")
    mine = requests.get(f"{embedded.gateway}/api/v1/cases", params={"status": "any"}, headers=anne, timeout=10)
    assert mine.json()["total"] >= 2, "the demo requester has demo cases"

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "anne.jensen@kommune.example", "sager@servicedesk.example", "Ny skærm"
    mail.set_content("Min skærm flimrer. Kan I hjælpe?")
    with smtplib.SMTP("127.0.0.1", embedded.inbound_port, timeout=10) as smtp:
        smtp.send_message(mail)

    def opened_by_mail():
        page = requests.get(f"{embedded.gateway}/api/v1/cases", params={"status": "any", "q": "skærm"},
                            headers=anne, timeout=10).json()
        return [c for c in page["items"] if c["origin"] == "email"]

    wait_for(opened_by_mail, timeout=30, message="a case opened by mail through the in-process broker")
    assert list((embedded.var / "mail").glob("*.eml")), "the receipt went to the local mail folder"
    assert embedded.stop_gracefully() == 0, embedded.log()


def test_sigterm_in_the_middle_of_work_loses_no_event_of_the_in_process_broker(embedded):
    """The in-process broker keeps nothing: what it holds at the stop must reach its consumers first.
    (An event still in an outbox is not lost: the next start publishes it.)"""
    start_a_burst_of_events(embedded)
    assert embedded.stop_gracefully() == 0, embedded.log()
    assert not (embedded.var / RUN_MARKER).exists(), "the stop drained the in-process broker"

    embedded.start()  # publishes what was left in the outboxes, nothing more
    assert_every_event_arrives(embedded)
    assert "event(s) again" not in embedded.log_path.read_text(), "nothing to publish again after a drained stop"


def test_a_kill_in_the_middle_of_work_loses_no_event_of_the_in_process_broker(embedded):
    """A killed process cannot drain the in-process broker: the next start publishes again what the killed run
    had published, and the consumers' inbox drops what they had already handled."""
    start_a_burst_of_events(embedded)
    assert not replicas_caught_up(embedded), "events were on their way when the process was killed"
    assert embedded.signal_the_system(signal.SIGKILL) != 0

    embedded.start()
    assert_every_event_arrives(embedded)
    assert "event(s) again" in embedded.log_path.read_text(), embedded.log()


def test_a_worker_that_cannot_run_stops_the_whole_system_with_status_1(tmp_path):
    """Its inbound SMTP port is taken: the notify worker's listener dies, and the process must not run on without it."""
    launcher = MakeRun(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", launcher.inbound_port))
        taken.listen()
        launcher.start()
        try:
            status = launcher.make.wait(120)
        finally:
            launcher.kill()
    assert status != 0, launcher.log()
    assert "a worker failed (notify: inbound-smtp loop crashed" in launcher.log_path.read_text(), launcher.log()


def start_a_burst_of_events(embedded: MakeRun) -> None:
    """A few requests, a burst of 200 events: the consumers are still at work (seconds) when this returns."""
    embedded.wait_until_ready()
    wait_for(lambda: (embedded.var / ".demo-loaded").exists(), timeout=120, message="the demo data")
    anne, sofie = log_in(embedded, "anne.jensen@kommune.example"), log_in(embedded, "sofie@servicedesk.example")

    def open_case(n):
        return requests.post(f"{embedded.gateway}/api/v1/cases", headers=anne, timeout=30, json={
            "title": f"Printer {n} virker ikke", "description": "Den blinker rødt."}).json()["id"]

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(open_case, range(40)))
    wait_for(lambda: replicas_caught_up(embedded), timeout=60, message="the replicas of the new cases")
    for category in ("Printere", "Skærme", "Tastaturer", "Netværk", "Telefoni"):
        answer = requests.post(f"{embedded.gateway}/api/v1/cases/bulk", headers=sofie, timeout=60,
                               json={"ids": ids, "changes": {"category": category}})
        assert [r["status"] for r in answer.json()["results"]].count(200) == len(ids), answer.text


def assert_every_event_arrives(embedded: MakeRun) -> None:
    embedded.wait_until_ready()
    deadline = time.monotonic() + 30
    while not replicas_caught_up(embedded) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert replicas_caught_up(embedded), "every case event reached the SLA and tasks services"
    assert embedded.stop_gracefully() == 0, embedded.log()


def replicas_caught_up(embedded: MakeRun) -> bool:
    cases = rows(embedded.var / "cases.db", "SELECT id, version FROM cases")
    return (rows(embedded.var / "sla.db", "SELECT case_id, version FROM case_clocks") == cases
            and rows(embedded.var / "tasks.db", "SELECT id, version FROM case_replicas") == cases)


def log_in(embedded: MakeRun, email: str) -> dict[str, str]:
    token = requests.post(f"{embedded.gateway}/api/v1/auth/token", timeout=10,
                          json={"email": email, "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}
