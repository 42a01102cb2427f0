"""The README's one command, `make run`: the whole system in one process, no servers installed; with
`<SERVICE>_DATABASE_URL` and `AMQP_URL` set, the same command on PostgreSQL and RabbitMQ."""

import email
import email.policy
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
import sqlalchemy
from sqlalchemy.engine import make_url
from system import free_port, wait_for

from servicedesk_embedded.demo import ADMIN_EMAIL, DEMO_PASSWORD
from servicedesk_embedded.system import RUN_MARKER
from servicekit.bus import ConsumerTopology, EventBus
from servicekit.testing.servers import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "cases", "tasks", "notify", "sla")
# the README's command; a test run from another virtual environment points make at that one
MAKE = ["make", "--no-print-directory"]
if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
    MAKE.append(f"VENV={sys.prefix}")


class MakeRun:
    """`make run` from the repository root, its data in a folder of the test."""

    def __init__(self, tmp_path: Path, servers: dict[str, str] | None = None):
        """``servers``: the database and broker settings to run on, instead of SQLite and the in-process broker."""
        self.var = tmp_path / "var"
        self.log_path = tmp_path / "embedded.log"
        self.ports = {name: free_port() for name in SERVICES}
        self.inbound_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
        env.update({f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()})
        env.update({"MAIL_SINK_PORT": str(free_port()), "INBOUND_SMTP_PORT": str(self.inbound_port),
                    "SERVICEDESK_DATA_DIR": str(self.var)})
        env.update(servers or {})
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


CONSUMING = ("cases", "tasks", "notify", "sla")  # each has its queues on the broker; the gateway consumes nothing
# the retry steps the run on RabbitMQ declares its retry queues for (given to it, so that the clean-up knows them)
RETRY_DELAYS = (1.0, 10.0)


@dataclass
class Servers:
    """Fresh PostgreSQL databases, and an exchange and queue prefix on the test RabbitMQ, of one embedded run."""

    database_urls: dict[str, str]
    amqp_url: str
    bus: EventBus

    @property
    def environ(self) -> dict[str, str]:
        """The settings as the README sets them (`postgresql://`, no driver named)."""
        return {**{f"{name.upper()}_DATABASE_URL": as_in_the_readme(url) for name, url in self.database_urls.items()},
                "AMQP_URL": self.amqp_url, "EVENTS_EXCHANGE": self.bus.exchange.name,
                "QUEUE_PREFIX": self.bus.queue_prefix, "QUEUE_EXPIRES": str(self.bus.queue_expires_ms),
                "RETRY_DELAYS": ",".join(str(delay) for delay in RETRY_DELAYS)}

    def topologies(self) -> list[ConsumerTopology]:
        return [ConsumerTopology(self.bus, name, (), retry_delays=RETRY_DELAYS) for name in CONSUMING]

    def queues_on_the_broker(self) -> dict[str, int]:
        """Each queue of the run by name, with its number of consumers; a queue the broker lacks fails."""
        found = {}
        with self.bus.connect() as conn:
            for queue in (q for topology in self.topologies() for q in topology.all_queues()):
                channel = conn.channel()
                found[queue.name] = channel.queue_declare(queue=queue.name, passive=True).consumer_count
                channel.close()
        return found

    def remove_queues_and_exchange(self) -> None:
        with self.bus.connect() as conn:
            channel = conn.channel()
            for topology in self.topologies():
                topology.delete(channel)
            self.bus.exchange(channel).delete()


def as_in_the_readme(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def servers(postgres_databases, rabbitmq_url, bus_namespace, test_run_id):
    """An exchange of its own too: the session's other systems publish on the run's exchange."""
    databases = DatabaseFactory(postgres_databases.server_url, test_run_id)
    bus = EventBus(rabbitmq_url, exchange=f"{bus_namespace['EVENTS_EXCHANGE']}.embedded",
                   queue_prefix=f"{bus_namespace['QUEUE_PREFIX']}embedded.",
                   queue_expires_ms=int(bus_namespace["QUEUE_EXPIRES"]))
    servers = Servers({name: databases.create(f"embedded_{name}") for name in SERVICES}, rabbitmq_url, bus)
    yield servers
    try:
        servers.remove_queues_and_exchange()
    finally:
        databases.drop_all()


@pytest.fixture
def embedded_on_servers(tmp_path, servers):
    launcher = MakeRun(tmp_path, servers.environ)
    launcher.start()
    yield launcher
    launcher.kill()


def test_with_database_urls_and_amqp_url_set_make_run_runs_on_postgresql_and_rabbitmq(embedded_on_servers, servers):
    embedded = embedded_on_servers
    embedded.wait_until_ready()
    for name in SERVICES:
        checks = requests.get(f"http://127.0.0.1:{embedded.ports[name]}/readyz", timeout=5).json()["checks"]
        assert checks == {"database": "ok", "broker": "ok"}, (name, checks)
    wait_for(lambda: (embedded.var / ".demo-loaded").exists(), timeout=120, message="the demo data")
    assert not list(embedded.var.glob("*.db")), "no service fell back to a SQLite file"

    anne, admin = log_in(embedded, "anne.jensen@kommune.example"), log_in(embedded, ADMIN_EMAIL)
    created = requests.post(f"{embedded.gateway}/api/v1/cases", headers=anne, timeout=30, json={
        "title": "Skærmen på mødelokale 3 er sort", "description": "Den tænder ikke, selv om kablet sidder i."})
    assert created.status_code == 201, created.text
    case = created.json()
    assert number_in_the_cases_database(servers, case["id"]) == case["number"]

    def sla_clock():
        answer = requests.get(f"{embedded.gateway}/api/v1/cases/{case['id']}/sla", headers=admin, timeout=10)
        return answer.status_code == 200 and answer.json()

    assert wait_for(sla_clock, timeout=30, message="the SLA clock of the new case")["case_id"] == case["id"]
    wait_for(lambda: kept_mail(embedded, "anne.jensen@kommune.example", case["number"]), timeout=30,
             message="the receipt of the new case")

    queues = servers.queues_on_the_broker()
    assert all(queues[topology.queue_name] >= 1 for topology in servers.topologies()), queues
    assert embedded.stop_gracefully() == 0, embedded.log()
    assert not (embedded.var / RUN_MARKER).exists(), "RabbitMQ keeps what it holds: nothing to publish again"


def number_in_the_cases_database(servers: Servers, case_id: str) -> str | None:
    engine = sqlalchemy.create_engine(servers.database_urls["cases"])
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text("SELECT number FROM cases WHERE id = :id"), {"id": case_id}).scalar()
    finally:
        engine.dispose()


def kept_mail(embedded: MakeRun, to: str, case_number: str) -> EmailMessage | None:
    """The mail to ``to`` in the embedded mail folder whose subject carries the case number."""
    for path in (embedded.var / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in message["To"] and case_number in message["Subject"]:
            return message
    return None


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
