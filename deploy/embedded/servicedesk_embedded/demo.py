"""Demo data for a newcomer, loaded through the public API on the first start only.

An organisation with requesters (one a shared mailbox), a second organisation, the teams Support and
Drift with agents and dispatchers, an admin, and a few cases in different states.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests

log = logging.getLogger("servicedesk.embedded")

DEMO_PASSWORD = "demo-adgang-2026"
ADMIN_EMAIL = "admin@servicedesk.example"


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    email: str
    roles: tuple[str, ...]
    organisation: str | None = None
    teams: tuple[tuple[str, bool], ...] = ()  # (team, dispatcher)
    shared_mailbox: bool = False


ORGANISATIONS = {
    "kommune": {"name": "Eksempel Kommune", "case_visibility": "organisation", "mail_domains": ["kommune.example"]},
    "nordisk": {"name": "Nordisk Software A/S", "case_visibility": "own", "mail_domains": ["nordisk.example"]},
}
TEAMS = {
    "support": {"name": "Support", "email": "support@servicedesk.example"},
    "drift": {"name": "Drift", "email": "drift@servicedesk.example"},
}
USERS = (
    DemoUser("anne", "Anne Jensen", "anne.jensen@kommune.example", ("requester",), "kommune"),
    DemoUser("bo", "Bo Hansen", "bo.hansen@kommune.example", ("requester",), "kommune"),
    DemoUser("it", "IT-fællespostkassen", "it@kommune.example", ("requester",), "kommune", shared_mailbox=True),
    DemoUser("carla", "Carla Nielsen", "carla.nielsen@nordisk.example", ("requester",), "nordisk"),
    DemoUser("sofie", "Sofie Støtte", "sofie@servicedesk.example", ("agent",), teams=(("support", False),)),
    DemoUser("dennis", "Dennis Dispatcher", "dennis@servicedesk.example", ("agent", "dispatcher"),
             teams=(("support", True),)),
    DemoUser("dorte", "Dorte Drift", "dorte@servicedesk.example", ("agent",), teams=(("drift", False),)),
    DemoUser("mads", "Mads Mortensen", "mads@servicedesk.example", ("agent", "dispatcher"),
             teams=(("drift", True),)),
)
CASES = (
    ("anne", {"title": "Kan ikke logge ind i lønsystemet",
              "description": "Siden i morges får jeg fejlen 'Ugyldig bruger' når jeg logger ind i lønsystemet. "
                             "Mine kolleger kan godt logge ind.",
              "type": "incident", "urgency": "high", "impact": "medium", "category": "Adgang",
              "product": "Lønsystem"}),
    ("anne", {"title": "Bestilling af ny bærbar til nyansat",
              "description": "Vi har en ny medarbejder, der starter den 1. i næste måned og skal bruge en "
                             "bærbar med standardopsætning.",
              "type": "request", "urgency": "low", "impact": "low", "category": "Hardware"}),
    ("bo", {"title": "Printeren på 2. sal skriver ikke ud",
            "description": "Printeren ved kantinen på 2. sal tager imod udskrifter, men der kommer intet ud. "
                           "Displayet viser 'Klar'.",
            "type": "incident", "urgency": "medium", "impact": "medium", "category": "Print"}),
    ("carla", {"title": "Spørgsmål til fakturaen for oktober",
               "description": "Fakturaen for oktober indeholder to linjer for support, men vi har kun én "
                              "aftale. Kan I se på det?",
               "type": "question", "urgency": "low", "impact": "low", "category": "Fakturering",
               "private": True}),
)


class DemoLoader:
    def __init__(self, gateway_url: str, admin_email: str, admin_password: str):
        self.url = gateway_url
        self.admin = self._session(admin_email, admin_password)
        self.ids: dict[str, str] = {}

    def _session(self, email: str, password: str) -> requests.Session:
        response = requests.post(f"{self.url}/api/v1/auth/token", json={"email": email, "password": password},
                                 timeout=10)
        response.raise_for_status()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return session

    def _post(self, session: requests.Session, path: str, body: dict) -> dict:
        response = session.post(f"{self.url}{path}", json=body, timeout=20)
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def _find(self, path: str, query: str, match) -> dict | None:
        response = self.admin.get(f"{self.url}{path}", params={"q": query, "per_page": 50}, timeout=10)
        response.raise_for_status()
        return next((item for item in response.json()["items"] if match(item)), None)

    def _get_or_create(self, path: str, body: dict, query: str, match) -> str:
        """Idempotent, so that a start interrupted while loading can simply load again."""
        existing = self._find(path, query, match)
        return existing["id"] if existing else self._post(self.admin, path, body)["id"]

    def _add_member(self, team: str, user_id: str, dispatcher: bool) -> None:
        members = self.admin.get(f"{self.url}/api/v1/teams/{self.ids[team]}/members", timeout=10).json()
        listed = members["items"] if isinstance(members, dict) else members
        if not any(m["user_id"] == user_id for m in listed):
            self._post(self.admin, f"/api/v1/teams/{self.ids[team]}/members",
                       {"user_id": user_id, "dispatcher": dispatcher})

    def load(self) -> None:
        for key, body in ORGANISATIONS.items():
            self.ids[key] = self._get_or_create("/api/v1/organisations", body, body["name"],
                                                lambda item, b=body: item["name"] == b["name"])
        for key, body in TEAMS.items():
            self.ids[key] = self._get_or_create("/api/v1/teams", body, body["name"],
                                                lambda item, b=body: item["name"] == b["name"])
        for user in USERS:
            body = {"email": user.email, "name": user.name, "password": DEMO_PASSWORD, "roles": list(user.roles),
                    "organisation_id": self.ids.get(user.organisation) if user.organisation else None,
                    "shared_mailbox": user.shared_mailbox}
            self.ids[user.key] = self._get_or_create("/api/v1/users", body, user.email,
                                                     lambda item, u=user: item["email"] == u.email)
            for team, dispatcher in user.teams:
                self._add_member(team, self.ids[user.key], dispatcher)
        self._add_member("support", self._admin_id(), True)
        if not self._cases_exist():
            self._load_cases()

    def _cases_exist(self) -> bool:
        response = self.admin.get(f"{self.url}/api/v1/cases", params={"view": "all", "per_page": 1}, timeout=10)
        return response.status_code == 200 and response.json()["total"] > 0

    def _admin_id(self) -> str:
        return self.admin.get(f"{self.url}/api/v1/me", timeout=10).json()["id"]

    def _load_cases(self) -> None:
        by_email = {u.key: u.email for u in USERS}
        created = []
        for requester, body in CASES:
            session = self._session_when_known(by_email[requester])
            created.append(self._post(session, "/api/v1/cases", body))
        sofie = self._session_when_known(by_email["sofie"])
        first = created[0]
        self._patch(sofie, first, {"assignee_id": self.ids["sofie"], "status": "in_progress"})
        self._post(sofie, f"/api/v1/cases/{first['id']}/messages", {
            "visibility": "external",
            "body": "Vi har nulstillet din adgang til lønsystemet. Prøv at logge ind igen, og skriv til os, "
                    "hvis det stadig ikke virker."})
        self._post(sofie, f"/api/v1/cases/{first['id']}/messages", {
            "visibility": "internal", "body": "Brugeren var låst efter for mange forsøg; låst op i AD."})

    def _patch(self, session, case, changes):
        current = session.get(f"{self.url}/api/v1/cases/{case['id']}", timeout=10).json()
        response = session.patch(f"{self.url}/api/v1/cases/{case['id']}", json=changes, timeout=20,
                                 headers={"If-Match": str(current["version"])})
        if response.status_code >= 400:
            raise RuntimeError(f"PATCH case: {response.status_code} {response.text[:300]}")

    def _session_when_known(self, email: str) -> requests.Session:
        """Log in; a new user becomes known to the services through events, so allow them a moment."""
        session = self._session(email, DEMO_PASSWORD)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if session.get(f"{self.url}/api/v1/cases", params={"per_page": 1}, timeout=10).status_code == 200:
                break
            time.sleep(0.2)
        return session


def load_demo_data_once(system, admin_password: str) -> bool:
    """Load the demo data unless it is there; True when it was loaded now."""
    marker = system.data_dir / ".demo-loaded"
    if marker.exists():
        return False
    try:
        DemoLoader(system.url_of("gateway"), system.base.get("ADMIN_EMAIL", ADMIN_EMAIL), admin_password).load()
    except (requests.RequestException, RuntimeError) as err:
        log.error("the demo data could not be loaded: %s", err)
        return False
    marker.write_text("loaded\n")
    return True


def demo_logins() -> list[tuple[str, str, str]]:
    """(who, e-mail, role) for the start-up banner."""
    rows = [("Administrator", ADMIN_EMAIL, "admin")]
    rows += [(u.name, u.email, "+".join(u.roles) + (" (" + ", ".join(TEAMS[t]["name"] for t, _ in u.teams) + ")"
                                                    if u.teams else "")) for u in USERS]
    return rows
