"""People of a running system for the cross-service tests."""

import time
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


PASSWORD = "Rigtig-god-adgang-42"


class World:
    """People of the running system: two organisations, teams Support and Drift, agents and requesters."""

    def __init__(self, system):
        self.system = system
        admin = system.admin()
        self.ids: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        suffix = system.ports["gateway"]
        orgs = {
            "kommune": {"name": f"Kommune {suffix}", "case_visibility": "organisation",
                        "mail_domains": [f"kommune{suffix}.test"]},
            "firma": {"name": f"Firma {suffix}", "case_visibility": "own", "mail_domains": [f"firma{suffix}.test"]},
        }
        for key, body in orgs.items():
            self.ids[key] = _created(admin.post("/api/v1/organisations", json=body))["id"]
        for key in ("support", "drift"):
            self.ids[key] = _created(admin.post("/api/v1/teams", json={"name": key.capitalize()}))["id"]
        people = {
            "anne": (["requester"], "kommune", None), "bo": (["requester"], "kommune", None),
            "carla": (["requester"], "firma", None), "sofie": (["agent"], None, ("support", False)),
            "dennis": (["agent", "dispatcher"], None, ("support", True)), "dorte": (["agent"], None, ("drift", False)),
            "mads": (["agent", "dispatcher"], None, ("drift", True)),
        }
        for key, (roles, org, team) in people.items():
            domain = orgs[org]["mail_domains"][0] if org else "servicedesk.test"
            self.emails[key] = f"{key}.{suffix}@{domain}"
            body = {"email": self.emails[key], "name": key.capitalize() + " Testesen", "password": PASSWORD,
                    "roles": roles, "organisation_id": self.ids.get(org)}
            self.ids[key] = _created(admin.post("/api/v1/users", json=body))["id"]
            if team:
                _created(admin.post(f"/api/v1/teams/{self.ids[team[0]]}/members",
                                    json={"user_id": self.ids[key], "dispatcher": team[1]}))
        self._sessions: dict[str, object] = {}

    def as_(self, key: str):
        if key not in self._sessions:
            self._sessions[key] = self.system.session_for(self.emails[key], PASSWORD)
        return self._sessions[key]

    def open_case(self, requester: str = "anne", **fields):
        """A case opened by a requester, retried briefly while the services learn about new people."""
        body = {"title": "Printeren virker ikke", "description": "Der kommer intet papir ud af printeren.",
                **fields}
        deadline = time.monotonic() + 20
        while True:
            response = self.as_(requester).post("/api/v1/cases", json=body)
            if response.status_code == 201 or time.monotonic() > deadline:
                assert response.status_code == 201, response.text
                return response.json()
            time.sleep(0.3)


def _created(response):
    assert response.status_code == 201, response.text
    return response.json()
