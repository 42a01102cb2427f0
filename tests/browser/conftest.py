"""The whole system started as in the README (``servicedesk-embedded``), driven in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from system import free_port, wait_for  # tests/system.py (tests/conftest.py puts tests/ on the path)

from servicekit.testing.servers import on_ci

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# In Danish like its users: the browser's own parts of a page (a file input's "Vælg filer", a date field's
# dd.mm.åååå) come from Chromium's locale (Debian's chromium-l10n), the pages' language from Accept-Language.
BROWSER_LANGUAGE = "da-DK"
ACCEPT_LANGUAGE = "da-DK,da;q=0.9"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  f"--lang={BROWSER_LANGUAGE}", "--accept-lang=da-DK,da"]
CHROMIUM_DANISH = Path(os.environ.get("CHROMIUM_LOCALES", "/usr/lib/chromium/locales")) / "da.pak"
AXE = ROOT / "gateway" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@browser.test", "Browser-Admin-Password-1"
PASSWORD = "En god lang adgangskode 42"
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class Embedded:
    url: str
    admin: requests.Session
    people: dict[str, dict] = field(default_factory=dict)
    teams: dict[str, dict] = field(default_factory=dict)


def _ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def embedded(tmp_path_factory):
    """``servicedesk-embedded`` in a subprocess: temporary data folder, free ports, no demo data."""
    if not Path(CHROMIUM).exists():
        if on_ci():
            pytest.fail(f"CI=true and {CHROMIUM} is not installed", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)")
    if not CHROMIUM_DANISH.exists():
        pytest.fail(f"Chromium has no Danish ({CHROMIUM_DANISH}): apt-get install chromium-l10n", pytrace=False)
    folder = tmp_path_factory.mktemp("embedded")
    ports = {name: free_port() for name in ("gateway", "cases", "tasks", "notify", "sla")}
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AMQP_URL"}
    env.update({f"{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"MAIL_SINK_PORT": str(free_port()), "INBOUND_SMTP_PORT": str(free_port()),
                "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD, "LOG_LEVEL": "WARNING"})
    log_path = folder / "embedded.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(BIN / "servicedesk-embedded"), "--data-dir", str(folder / "var"), "--no-demo"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT))
    try:
        wait_for(lambda: process.poll() is not None or all(_ready(p) for p in ports.values()), timeout=120,
                 message="the embedded system to be ready")
        assert process.poll() is None, log_path.read_text()[-3000:]
        url = f"http://127.0.0.1:{ports['gateway']}"
        yield _with_people(url)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        kept = ROOT / "test-artifacts" / "browser-embedded.log"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, kept)


def _session(url: str, email: str, password: str) -> requests.Session:
    answer = requests.post(f"{url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=20)
    assert answer.status_code == 200, answer.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def _post(session: requests.Session, url: str, body: dict) -> dict:
    answer = session.post(url, json=body, timeout=20)
    assert answer.status_code == 201, f"{url}: {answer.status_code} {answer.text}"
    return answer.json()


def _with_people(url: str) -> Embedded:
    """An organisation with two requesters, the teams Support and Drift, their agents and a dispatcher."""
    admin = _session(url, ADMIN_EMAIL, ADMIN_PASSWORD)
    system = Embedded(url, admin)
    suffix = uuid.uuid4().hex[:6]
    organisation = _post(admin, f"{url}/api/v1/organisations",
                         {"name": f"Styrelsen for Test {suffix}", "case_visibility": "own"})
    for team in ("Support", "Drift"):
        system.teams[team] = _post(admin, f"{url}/api/v1/teams", {"name": team})
    people = {
        "rita": ("Rita Rekvirent", ["requester"], organisation["id"]),
        "rasmus": ("Rasmus Kollega", ["requester"], organisation["id"]),
        "anne": ("Anne Support", ["agent"], None),
        "dennis": ("Dennis Drift", ["agent", "dispatcher"], None),
    }
    for key, (name, roles, organisation_id) in people.items():
        body = {"email": f"{key}.{suffix}@browser.test", "name": name, "password": PASSWORD, "roles": roles,
                "language": "da"}
        if organisation_id:
            body["organisation_id"] = organisation_id
        system.people[key] = {**_post(admin, f"{url}/api/v1/users", body), "password": PASSWORD}
    for key, team, dispatcher in (("anne", "Support", False), ("dennis", "Drift", True)):
        _post(admin, f"{url}/api/v1/teams/{system.teams[team]['id']}/members",
              {"user_id": system.people[key]["id"], "dispatcher": dispatcher})
    return system


@pytest.fixture(scope="session")
def browser(embedded):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # on Linux Chromium takes its own language from the environment (LANGUAGE) before --lang
        environment = {**os.environ, "LANGUAGE": "da_DK:da"}
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, env=environment)
        yield chromium
        chromium.close()


class Person:
    """One user in a browser context of their own (their own cookies), checked with axe on every page."""

    def __init__(self, browser, system: Embedded, key: str, accessibility: list, viewport: dict | None = None):
        self.context = browser.new_context(viewport=viewport or DESKTOP, locale=BROWSER_LANGUAGE,
                                           extra_http_headers={"Accept-Language": ACCEPT_LANGUAGE})
        self.page = self.context.new_page()
        self.system = system
        self.user = system.people[key]
        self.accessibility = accessibility
        self.csp_errors: list[str] = []
        self.page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def open(self, path: str) -> None:
        self.page.goto(self.system.url + path)
        self.checked()

    def checked(self, name: str | None = None) -> None:
        """Wait for the page, run axe-core on it and keep a screenshot when named."""
        self.page.wait_for_load_state("networkidle")
        self.accessibility.extend(axe_violations(self.page))
        if name:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def log_in(self) -> None:
        self.open("/log-ind")
        self.page.get_by_label("E-mailadresse").fill(self.user["email"])
        self.page.get_by_label("Adgangskode").fill(self.user["password"])
        self.page.get_by_role("button", name="Log ind").click()
        self.checked()

    def close(self) -> None:
        self.context.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page (evaluated past the CSP)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [dict(v, url=page.url) for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="session")
def accessibility_findings():
    findings: list[dict] = []
    yield findings
    if findings:
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        (ROOT / "test-artifacts" / "axe-violations.json").write_text(json.dumps(findings, indent=2))


@pytest.fixture
def person(browser, embedded, accessibility_findings):
    opened: list[Person] = []

    def open_as(key: str, viewport: dict | None = None) -> Person:
        someone = Person(browser, embedded, key, accessibility_findings, viewport)
        opened.append(someone)
        return someone

    yield open_as
    for someone in opened:
        someone.close()
