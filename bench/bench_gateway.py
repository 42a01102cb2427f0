"""Gateway: log-in, authenticated calls, a list page and a forwarded call, through gunicorn (gthread)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
from common import AMQP_URL, Stopwatch, fresh_database, rate

from servicekit.auth import generate_keypair

BIN = Path(sys.executable).parent
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.dk", "bench admin password"
CLIENT_THREADS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _served(name: str, env: dict[str, str], port: int):
    subprocess.run([str(BIN / f"{name}-manage"), "migrate"], env=env, check=True, capture_output=True)
    process = subprocess.Popen([str(BIN / "gunicorn"), f"{name}.wsgi:app", "-b", f"127.0.0.1:{port}", "-w", "2",
                                "-k", "gthread", "--threads", "8", "--no-control-socket", "--log-level", "warning"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(20)


def _hammer(call, count: int) -> float:
    session_per_thread: dict[int, requests.Session] = {}

    def one(_i: int) -> int:
        import threading

        session = session_per_thread.setdefault(threading.get_ident(), requests.Session())
        return call(session)

    with Stopwatch() as watch, ThreadPoolExecutor(CLIENT_THREADS) as pool:
        statuses = list(pool.map(one, range(count)))
    bad = [s for s in statuses if s >= 500]
    if bad:
        print(f"  ({len(bad)} answers were 5xx)")
    return watch.seconds


def _print_log_in_timing(gateway: str) -> None:
    """A wrong password and an unknown address should cost the same (no hint through timing)."""
    def mean_ms(email: str, tries: int = 15) -> float:
        session, total = requests.Session(), 0.0
        for i in range(tries):
            started = time.perf_counter()
            session.post(f"{gateway}/api/v1/auth/token", json={"email": email, "password": f"wrong {i}"})
            total += time.perf_counter() - started
        return total / tries * 1000

    known, unknown = mean_ms("user1@bench.example.dk"), mean_ms("nobody@bench.example.dk")
    print(f"  401 for a wrong password / an unknown address:     {known:.0f} ms / {unknown:.0f} ms mean")


def main() -> None:
    private, public = generate_keypair()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp)
        (keys / "id.key").write_text(private)
        (keys / "id.pub").write_text(public)
        cases_port, gateway_port = _free_port(), _free_port()
        base = {**os.environ, "AMQP_URL": AMQP_URL, "IDENTITY_PUBLIC_KEY_FILE": str(keys / "id.pub"),
                "LOG_LEVEL": "WARNING", "EVENTS_EXCHANGE": "bench.gateway.events"}
        cases = stack.enter_context(_served("cases", {**base, "DATABASE_URL": stack.enter_context(
            fresh_database("bench_cases"))}, cases_port))
        gateway = stack.enter_context(_served("gateway", {
            **base, "DATABASE_URL": stack.enter_context(fresh_database("bench_gateway")),
            "IDENTITY_PRIVATE_KEY_FILE": str(keys / "id.key"), "SECRET_KEY": "b" * 40, "CASES_URL": cases,
            "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD, "LOGIN_RATE_PER_CLIENT": "100000",
            "LOGIN_MAX_FAILURES": "100000",
        }, gateway_port))
        token = requests.post(f"{gateway}/api/v1/auth/token", json={"email": ADMIN_EMAIL,
                                                                    "password": ADMIN_PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        for i in range(1000):
            requests.post(f"{gateway}/api/v1/users", headers=auth, json={
                "email": f"user{i}@bench.example.dk", "name": f"Bruger {i:04d}", "roles": ["requester"]})

        logins = 40
        seconds = _hammer(lambda s: s.post(f"{gateway}/api/v1/auth/token", json={
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).status_code, logins)
        print(f"  POST /api/v1/auth/token (argon2id, 64 MiB, t=3):   {rate(logins, seconds)}")
        _print_log_in_timing(gateway)
        calls = 2000
        seconds = _hammer(lambda s: s.get(f"{gateway}/api/v1/me", headers=auth).status_code, calls)
        print(f"  GET /api/v1/me (token checked, user re-read):      {rate(calls, seconds)}")
        pages = 500
        seconds = _hammer(lambda s: s.get(f"{gateway}/api/v1/users", params={"per_page": 50, "q": "Bruger"},
                                          headers=auth).status_code, pages)
        print(f"  GET /api/v1/users?q=&per_page=50 (1,000 users):    {rate(pages, seconds)}")
        seconds = _hammer(lambda s: s.get(f"{gateway}/api/v1/cases/x", headers=auth).status_code, calls)
        print(f"  GET /api/v1/cases/x forwarded to cases (problem):  {rate(calls, seconds)}")
        seconds = _hammer(lambda s: s.get(f"{cases}/healthz").status_code, calls)
        print(f"  GET cases /healthz directly (for comparison):      {rate(calls, seconds)}")
