"""Every public route of every service, walked through the gateway with each kind of caller.

Each route of the merged OpenAPI document must be in the table below (a new route that is not fails the
test): ``public`` routes answer without a token; every other route is 401 without one. Routes for staff
are refused to requesters, routes for admins are refused to requesters, agents and dispatchers; a service
principal is refused everywhere but the routes services call (``SERVICE_CALLS``). The roles a route is for
are let through: reading routes with the world's people, writing routes with minimal valid bodies by
people made for the purpose (so nothing the other tests rely on changes), on objects made for it.
"""

import re
import time
import uuid

import pytest
import requests
from world import PASSWORD

PUBLIC, USER, STAFF, ADMIN = "public", "user", "staff", "admin"

ROUTES = {
    "/api/v1/auth/token": {"post": PUBLIC},
    "/api/v1/auth/password-reset": {"post": PUBLIC},
    "/api/v1/auth/password-reset/confirm": {"post": PUBLIC},
    "/api/v1/auth/register": {"post": PUBLIC},
    "/api/v1/api-tokens": {"get": USER, "post": USER},
    "/api/v1/api-tokens/{token_id}": {"delete": USER},
    "/api/v1/me": {"get": USER, "patch": USER},
    "/api/v1/me/password": {"post": USER},
    "/api/v1/cases": {"get": USER, "post": USER},
    "/api/v1/cases/bulk": {"post": STAFF},
    "/api/v1/cases/by-number/{number}": {"get": USER},
    "/api/v1/cases/stats": {"get": STAFF},
    "/api/v1/cases/{case_id}": {"get": USER, "patch": STAFF},
    "/api/v1/cases/{case_id}/attachments": {"get": USER, "post": USER},
    "/api/v1/cases/{case_id}/attachments/{attachment_id}": {"get": USER},
    "/api/v1/cases/{case_id}/close": {"post": USER},
    "/api/v1/cases/{case_id}/forward": {"post": STAFF},
    "/api/v1/cases/{case_id}/history": {"get": USER},
    "/api/v1/cases/{case_id}/merge": {"post": STAFF},
    "/api/v1/cases/{case_id}/messages": {"get": USER, "post": USER},
    "/api/v1/cases/{case_id}/messages/{message_id}/solution": {"post": STAFF, "delete": STAFF},
    "/api/v1/cases/{case_id}/overview": {"get": USER},
    "/api/v1/cases/{case_id}/reopen": {"post": USER},
    "/api/v1/cases/{case_id}/resolve": {"post": STAFF},
    "/api/v1/cases/{case_id}/route": {"post": STAFF},
    "/api/v1/cases/{case_id}/shares": {"get": USER, "post": USER},
    "/api/v1/cases/{case_id}/shares/{user_id}": {"delete": USER},
    "/api/v1/cases/{case_id}/sla": {"get": STAFF},
    "/api/v1/cases/{case_id}/tasks": {"get": STAFF, "post": STAFF},
    "/api/v1/notification-preferences": {"get": USER, "put": USER},
    "/api/v1/notifications": {"get": USER},
    "/api/v1/notifications/read-all": {"post": USER},
    "/api/v1/notifications/unread-count": {"get": USER},
    "/api/v1/notifications/{notification_id}/read": {"post": USER},
    "/api/v1/organisations": {"get": USER, "post": ADMIN},
    "/api/v1/organisations/{organisation_id}": {"get": USER, "patch": ADMIN},
    "/api/v1/priority-matrix": {"get": STAFF, "put": ADMIN},
    "/api/v1/reply-templates": {"get": STAFF, "post": ADMIN},
    "/api/v1/reply-templates/{template_id}": {"get": STAFF, "patch": ADMIN, "delete": ADMIN},
    "/api/v1/routing-rules": {"get": STAFF, "post": ADMIN},
    "/api/v1/routing-rules/default-team": {"get": STAFF, "put": ADMIN},
    "/api/v1/routing-rules/{rule_id}": {"patch": ADMIN, "delete": ADMIN},
    "/api/v1/sla/calendars": {"get": STAFF, "post": ADMIN},
    "/api/v1/sla/calendars/{calendar_id}": {"get": STAFF, "patch": ADMIN},
    "/api/v1/sla/calendars/{calendar_id}/days": {"get": STAFF},
    "/api/v1/sla/policies": {"get": STAFF, "post": ADMIN},
    "/api/v1/sla/policies/{policy_id}": {"get": STAFF, "patch": ADMIN},
    "/api/v1/sla/stats": {"get": STAFF},
    "/api/v1/tasks": {"get": STAFF},
    "/api/v1/tasks/by-number/{number}": {"get": STAFF},
    "/api/v1/tasks/summary": {"get": STAFF},
    "/api/v1/tasks/{task_id}": {"get": STAFF, "patch": STAFF},
    "/api/v1/tasks/{task_id}/comments": {"get": STAFF, "post": STAFF},
    "/api/v1/tasks/{task_id}/history": {"get": STAFF},
    "/api/v1/tasks/{task_id}/reopen": {"post": STAFF},
    "/api/v1/tasks/{task_id}/resolve": {"post": STAFF},
    "/api/v1/tasks/{task_id}/return": {"post": STAFF},
    "/api/v1/teams": {"get": STAFF, "post": ADMIN},
    "/api/v1/teams/{team_id}": {"get": STAFF, "patch": ADMIN},
    "/api/v1/teams/{team_id}/members": {"get": STAFF, "post": ADMIN},
    "/api/v1/teams/{team_id}/members/{user_id}": {"patch": ADMIN, "delete": ADMIN},
    "/api/v1/users": {"get": USER, "post": ADMIN},
    "/api/v1/users/{user_id}": {"get": USER, "patch": ADMIN},
    "/api/v1/users/{user_id}/activate": {"post": ADMIN},
    "/api/v1/users/{user_id}/deactivate": {"post": ADMIN},
    "/api/v1/webhooks": {"get": ADMIN, "post": ADMIN},
    "/api/v1/webhooks/{webhook_id}": {"get": ADMIN, "patch": ADMIN, "delete": ADMIN},
    "/api/v1/webhooks/{webhook_id}/deliveries": {"get": ADMIN},
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": {"post": ADMIN},
    "/api/v1/webhooks/{webhook_id}/ping": {"post": ADMIN},
}
METHODS = ("get", "post", "put", "patch", "delete")
# the public routes a service principal calls through the gateway (notify: a forward's attachments;
# tasks: a case its replica does not hold yet)
SERVICE_CALLS = {("get", "/api/v1/cases/{case_id}"), ("get", "/api/v1/cases/{case_id}/attachments"),
                 ("get", "/api/v1/cases/{case_id}/attachments/{attachment_id}")}
PRIORITIES = ("critical", "high", "normal", "low")
WRITE_ORDER = ["post", "put", "patch", "delete"]  # what a route deletes is written to first


@pytest.fixture(scope="module")
def documented(system):
    document = requests.get(f"{system.gateway_url}/api/openapi.json", timeout=20).json()
    return {path: [m for m in item if m in METHODS] for path, item in document["paths"].items()
            if path.startswith("/api/v1/")}


@pytest.fixture(scope="module")
def ids(world):
    """A real object for every path parameter, so that a refusal is about the caller and not a missing thing:
    a case of Anne's with an internal message, an attachment, a task and a notice to her, and an API token of
    hers; a reply template, a routing rule, and a webhook with a delivery."""
    case = world.open_case("anne")
    anne, agent, admin = world.as_("anne"), world.as_("sofie"), world.system.admin()
    tag = uuid.uuid4().hex[:8]
    message = _created(agent.post(f"/api/v1/cases/{case['id']}/messages",
                                  json={"body": "Intern note til adgangstesten", "visibility": "internal"}))
    attachment = _created(anne.post(f"/api/v1/cases/{case['id']}/attachments",
                                    files={"file": ("adgang.txt", b"adgang", "text/plain")}))
    task = _until(lambda: _new_task(agent, case["id"], world.ids["support"]), "the task to be created")
    first = {name: admin.get(f"/api/v1/sla/{name}").json()["items"][0]["id"] for name in ("calendars", "policies")}
    webhook_id = _webhook(admin)
    return {
        "case_id": case["id"], "number": case["number"].replace(" ", ""), "message_id": message["id"],
        "attachment_id": attachment["id"], "task_id": task["id"], "task_number": task["number"],
        "user_id": world.ids["bo"], "team_id": world.ids["support"], "organisation_id": world.ids["kommune"],
        "calendar_id": first["calendars"], "policy_id": first["policies"],
        "template_id": _created(admin.post("/api/v1/reply-templates", json={"name": f"Adgang {tag}",
                                                                            "body": "Hej"}))["id"],
        "rule_id": _created(admin.post("/api/v1/routing-rules", json={
            "name": f"Adgang {tag}", "category": f"adgang-{tag}", "team_id": world.ids["support"],
            "active": False}))["id"],
        "webhook_id": webhook_id,
        "delivery_id": _created(admin.post(f"/api/v1/webhooks/{webhook_id}/ping"))["id"],
        "token_id": _created(anne.post("/api/v1/api-tokens", json={"name": "adgangstest"}))["id"],
        "notification_id": _notice_to_anne(world, case),
    }


def _notice_to_anne(world, case) -> str:
    """An in-app notice to Anne about her case: an agent's reply, which she is always told of."""
    _created(world.as_("sofie").post(f"/api/v1/cases/{case['id']}/messages",
                                     json={"body": "Vi kigger på det.", "visibility": "external"}))

    def notice():
        items = world.as_("anne").get("/api/v1/notifications", params={"per_page": 200}).json()["items"]
        return next((n["id"] for n in items if n["case_id"] == case["id"]), None)

    return _until(notice, "Anne's notice of the reply")


# path parameters that a path takes from another id than its name says
RENAMED = {"/api/v1/tasks/by-number/{number}": {"number": "task_number"}}


def fill(path: str, ids: dict[str, str], unknown=None) -> str:
    """The path with the ids of its parameters; a parameter without an id is an error, unless ``unknown``
    gives one."""
    names = {**ids, **{name: ids[source] for name, source in RENAMED.get(path, {}).items() if source in ids}}
    for name in re.findall(r"{([^}]+)}", path):
        assert name in names or unknown is not None, f"no object for {{{name}}} in {path}"
        path = path.replace("{" + name + "}", names[name] if name in names else unknown())
    return path


def call(session_or_none, system, method, path):
    kwargs = {"json": {}} if method in ("post", "put", "patch") else {}
    if session_or_none is None:
        return requests.request(method, f"{system.gateway_url}{path}", timeout=20, **kwargs)
    return session_or_none.request(method, path, **kwargs)


def test_every_documented_route_is_in_the_access_table(documented):
    missing = [f"{m.upper()} {p}" for p, methods in documented.items() for m in methods
               if m not in ROUTES.get(p, {})]
    assert not missing, f"classify these routes in ROUTES: {missing}"


def test_without_a_token_only_public_routes_answer(system, documented, ids):
    wrong = []
    for path, methods in documented.items():
        for method in methods:
            response = call(None, system, method, fill(path, ids))
            if ROUTES[path][method] != PUBLIC and response.status_code != 401:
                wrong.append(f"{method.upper()} {path}: {response.status_code}")
            if ROUTES[path][method] == PUBLIC and response.status_code in (401, 403):
                wrong.append(f"{method.upper()} {path}: {response.status_code} (public)")
    assert not wrong, "\n".join(wrong)


def test_a_forged_token_is_refused_everywhere(system, documented, ids):
    session = requests.Session()
    session.headers["Authorization"] = "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.AAAA"
    wrong = [f"{m.upper()} {p}" for p, methods in documented.items() for m in methods
             if ROUTES[p][m] != PUBLIC
             and session.request(m, f"{system.gateway_url}{fill(p, ids)}", timeout=20).status_code != 401]
    assert not wrong, "\n".join(wrong)


def _refusal(person: str, path: str) -> int:
    """403, except where the contract hides the thing itself (404 for what the caller may not see): requesters
    never see tasks (every task route answers them 404, as if there were none) nor SLA clocks."""
    hidden_from_requesters = path.startswith("/api/v1/tasks") or path.endswith(("/tasks", "/sla"))
    return 404 if person == "anne" and hidden_from_requesters else 403


@pytest.mark.parametrize("person,refused", [("anne", {STAFF, ADMIN}), ("sofie", {ADMIN}), ("dennis", {ADMIN})])
def test_routes_for_other_roles_are_refused(system, world, documented, ids, person, refused):
    """On real objects the caller may know of (Anne's own case, its task, a template agents read): a missing
    role check would answer 2xx, 409 or 422 here, not the refusal."""
    session = world.as_(person)
    wrong = []
    for path, methods in documented.items():
        for method in methods:
            if ROUTES[path][method] not in refused:
                continue
            status, expected = call(session, system, method, fill(path, ids)).status_code, _refusal(person, path)
            if status != expected:
                wrong.append(f"{method.upper()} {path}: {status}, not {expected}")
    assert not wrong, "\n".join(wrong)


def test_a_notice_is_404_to_everyone_but_its_recipient(system, world, ids):
    url = f"/api/v1/notifications/{ids['notification_id']}/read"
    others = {person: world.as_(person).post(url).status_code for person in ("bo", "sofie", "dennis")}
    assert others | {"admin": system.admin().post(url).status_code} == dict.fromkeys([*others, "admin"], 404)
    unread = world.as_("anne").get("/api/v1/notifications", params={"unread": "true", "per_page": 200}).json()
    assert ids["notification_id"] in [n["id"] for n in unread["items"]]
    assert world.as_("anne").post(url).status_code == 200


@pytest.mark.parametrize("person,allowed", [("anne", {USER}), ("sofie", {USER, STAFF}), ("dennis", {USER, STAFF}),
                                            ("admin", {USER, STAFF, ADMIN})])
def test_reading_routes_let_their_roles_through(system, world, documented, ids, person, allowed):
    session = system.admin() if person == "admin" else world.as_(person)
    wrong = []
    for path, methods in documented.items():
        if "get" in methods and ROUTES[path]["get"] in allowed:
            status = call(session, system, "get", fill(path, ids)).status_code
            if status in (401, 403) or status >= 500:
                wrong.append(f"GET {path}: {status}")
    assert not wrong, "\n".join(wrong)


def test_a_service_principal_is_refused_everywhere_but_the_routes_services_call(system, documented, ids):
    service = requests.Session()
    service.headers["Authorization"] = f"Bearer {system.env['notify']['SERVICE_API_KEY']}"
    wrong = []
    for path, methods in documented.items():
        for method in methods:
            kwargs = {"json": {}} if method in ("post", "put", "patch") else {}
            status = service.request(method, f"{system.gateway_url}{fill(path, ids)}", timeout=20, **kwargs).status_code
            let_through = (method, path) in SERVICE_CALLS
            if (let_through and (status in (401, 403) or status >= 500)) or (not let_through and status != 403):
                wrong.append(f"{method.upper()} {path}: {status}")
    assert not wrong, "\n".join(wrong)


# -- allowed writes are let through ------------------------------------------------------------------------

WRITERS = {"requester": (["requester"], USER), "agent": (["agent"], STAFF),
           "dispatcher": (["agent", "dispatcher"], STAFF), "admin": (None, ADMIN)}
ALLOWED = {USER: {USER}, STAFF: {USER, STAFF}, ADMIN: {USER, STAFF, ADMIN}}


def _until(attempt, what: str, timeout: float = 20.0):
    """The first answer of ``attempt`` that is not None, tried while the services learn of new people."""
    deadline = time.monotonic() + timeout
    while (answer := attempt()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return answer


def _created(response) -> dict:
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def _writer(world, kind: str):
    """A person of this kind made for the write pass, in an organisation or team of the write pass (so that
    no other test sees more people or cases than it made), and their session."""
    roles, _level = WRITERS[kind]
    if roles is None:
        return world.system.admin()
    key = f"access-{kind}"
    if key not in world.emails:
        admin = world.system.admin()
        _writers_home(world, admin)
        domain = world.emails["access-domain"] if kind == "requester" else "servicedesk.test"
        world.emails[key] = f"{key}.{uuid.uuid4().hex[:8]}@{domain}"
        world.ids[key] = _created(admin.post("/api/v1/users", json={
            "email": world.emails[key], "name": f"Adgang {kind}", "password": PASSWORD, "roles": roles,
            "organisation_id": world.ids["access-organisation"] if kind == "requester" else None}))["id"]
        if kind != "requester":
            _created(admin.post(f"/api/v1/teams/{world.ids['access-team']}/members",
                                json={"user_id": world.ids[key], "dispatcher": kind == "dispatcher"}))
    return world.as_(key)


def _writers_home(world, admin) -> None:
    if "access-team" in world.ids:
        return
    tag = uuid.uuid4().hex[:8]
    world.emails["access-domain"] = f"adgang-{tag}.test"
    world.ids["access-organisation"] = _created(admin.post("/api/v1/organisations", json={
        "name": f"Adgangsprøven {tag}", "mail_domains": [world.emails["access-domain"]]}))["id"]
    world.ids["access-team"] = _created(admin.post("/api/v1/teams", json={"name": f"Adgangsprøven {tag}"}))["id"]
    world.emails["access-category"] = f"adgangsprøven-{tag}"

    def route_the_category_to_the_team():  # the writers' cases land in their own team's queue
        response = admin.post("/api/v1/routing-rules", json={
            "name": f"Adgangsprøven {tag}", "category": world.emails["access-category"],
            "team_id": world.ids["access-team"]})
        return None if response.status_code == 422 else _created(response)

    _until(route_the_category_to_the_team, "the cases service to learn of the team")


def _scratch(world, session, level: str) -> dict[str, object]:
    """Fresh objects for one writer's calls, so that no write touches what other tests use."""
    admin, tag = world.system.admin(), uuid.uuid4().hex[:8]
    requester = "access-requester"
    _writer(world, "requester")
    cases = {name: world.open_case(requester, category=world.emails["access-category"])
             for name in ("case", "merged", "into", "resolved", "closed", "bulk")}
    colleague = _created(admin.post("/api/v1/users", json={
        "email": f"kollega-{tag}@{world.emails['access-domain']}", "name": "Kollega", "roles": ["requester"],
        "organisation_id": world.ids["access-organisation"]}))
    team = _created(admin.post("/api/v1/teams", json={"name": f"Adgang {tag}"}))
    member = _created(admin.post("/api/v1/users", json={"email": f"medlem-{tag}@servicedesk.test", "name": "Medlem",
                                                          "roles": ["agent"]}))
    newcomer = _created(admin.post("/api/v1/users", json={"email": f"ny-{tag}@servicedesk.test", "name": "Ny",
                                                            "roles": ["agent"]}))
    _created(admin.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": member["id"]}))
    ids = {
        "case_id": cases["case"]["id"], "token_id": _created(session.post("/api/v1/api-tokens",
                                                                          json={"name": "adgang"}))["id"],
        "colleague_id": colleague["id"], "team_id": team["id"], "member_id": member["id"],
        "newcomer_id": newcomer["id"], "user_id": _created(admin.post("/api/v1/users", json={
            "email": f"bruger-{tag}@servicedesk.test", "name": "Bruger", "roles": ["requester"]}))["id"],
        "organisation_id": _created(admin.post("/api/v1/organisations", json={"name": f"Adgang {tag}"}))["id"],
        "cases": {name: case["id"] for name, case in cases.items()}, "tag": tag,
        "writers_team_id": world.ids["access-team"],
        "matrix": admin.get("/api/v1/priority-matrix").json()["matrix"],
        "default_team_id": admin.get("/api/v1/routing-rules").json()["default_team_id"],
    }
    if level in (STAFF, ADMIN):
        ids.update(_staff_scratch(world, admin, session, ids, tag))
    return ids


def _staff_scratch(world, admin, session, ids, tag) -> dict[str, str]:
    case_id = ids["case_id"]
    message = _created(session.post(f"/api/v1/cases/{case_id}/messages", json={"body": "Vi kigger på det."}))
    calendar = _created(admin.post("/api/v1/sla/calendars", json={"name": f"Adgang {tag}"}))
    task = _until(lambda: _new_task(session, case_id, world.ids["access-team"]), "the task to be created")
    return {
        "message_id": message["id"], "task_id": task["id"],
        "template_id": _created(admin.post("/api/v1/reply-templates", json={"name": f"Adgang {tag}",
                                                                            "body": "Hej"}))["id"],
        "rule_id": _created(admin.post("/api/v1/routing-rules", json={
            "name": f"Adgang {tag}", "category": f"adgang-{tag}", "team_id": ids["team_id"], "active": False}))["id"],
        "calendar_id": calendar["id"],
        "policy_id": _created(admin.post("/api/v1/sla/policies", json=_policy(tag, calendar["id"])))["id"],
        "webhook_id": _webhook(admin),
    }


def _new_task(session, case_id: str, team_id: str) -> dict | None:
    """A new task on the case; None while the tasks service does not know the case or the team yet."""
    response = session.post(f"/api/v1/cases/{case_id}/tasks", json={
        "subject": "Udskift toner", "description": "Toneren i printeren på 2. sal skal udskiftes.", "team_id": team_id})
    not_known_yet = (response.status_code == 409 and response.json().get("type") == "/problems/case-not-known-yet"
                     or response.status_code == 422 and "team_id" in response.json().get("errors", {}))
    return None if not_known_yet else _created(response)


def _webhook(admin) -> str:
    """A webhook of its own, switched off, so nothing is ever sent: its address is a public address literal (a
    host name must resolve to a public address, and there is no DNS here)."""
    return _created(admin.post("/api/v1/webhooks", json={
        "url": "https://93.184.216.34/adgang", "events": ["case.*"], "secret": "hemmelig-hemmelig-hemmelig",
        "active": False}))["id"]


def _policy(tag: str, calendar_id: str) -> dict:
    return {"name": f"Adgang {tag}", "category": f"adgang-{tag}", "calendar_id": calendar_id, "active": False,
            "targets": {p: {"first_response": 3600, "resolution": 86400} for p in PRIORITIES}}


def _write(method: str, path: str, ids: dict) -> tuple[str, dict]:
    """The call for one writing route: the path filled in and a minimal valid body (or none)."""
    tag, cases = ids["tag"], ids["cases"]
    case_of = {"/merge": cases["merged"], "/resolve": cases["resolved"], "/close": cases["closed"]}
    filled = {**ids, "case_id": next((c for end, c in case_of.items() if path.endswith(end)), ids["case_id"]),
              "user_id": ids["member_id"] if "/teams/" in path else ids["colleague_id"] if "/shares/" in path
              else ids["user_id"]}
    bodies = {
        ("post", "/api/v1/api-tokens"): {"json": {"name": "adgangstest"}},
        ("post", "/api/v1/cases"): {"json": {"title": "Adgangstest", "description": "En skrivning for rollen."}},
        ("post", "/api/v1/cases/bulk"): {"json": {"ids": [cases["bulk"]], "changes": {"category": "adgang"}}},
        ("patch", "/api/v1/cases/{case_id}"): {"json": {"category": "adgang"}},
        ("post", "/api/v1/cases/{case_id}/attachments"): {"files": {"file": ("note.txt", b"adgang", "text/plain")}},
        ("post", "/api/v1/cases/{case_id}/forward"): {"json": {"to": ["ekstern@example.org"],
                                                               "body": "Til orientering."}},
        ("post", "/api/v1/cases/{case_id}/merge"): {"json": {"into_id": cases["into"]}},
        ("post", "/api/v1/cases/{case_id}/messages"): {"json": {"body": "Tak for hjælpen."}},
        ("post", "/api/v1/cases/{case_id}/reopen"): {"json": {"reason": "Det virker stadig ikke."}},
        ("post", "/api/v1/cases/{case_id}/resolve"): {"json": {"solution": "Printeren er genstartet."}},
        ("post", "/api/v1/cases/{case_id}/shares"): {"json": {"user_id": ids["colleague_id"]}},
        ("post", "/api/v1/cases/{case_id}/tasks"): {"json": {
            "subject": "Bestil toner", "description": "Der skal bestilles toner til printeren på 2. sal.",
            "team_id": ids["writers_team_id"]}},
        ("patch", "/api/v1/me"): {"json": {"language": "da"}},
        # a wrong current password: let through (422) and nothing changes for the people of the other tests
        ("post", "/api/v1/me/password"): {"json": {"current_password": "not the password", "new_password": "y" * 12}},
        ("put", "/api/v1/notification-preferences"): {"json": {"items": []}},
        ("post", "/api/v1/organisations"): {"json": {"name": f"Ny {tag}"}},
        ("patch", "/api/v1/organisations/{organisation_id}"): {"json": {"case_visibility": "own"}},
        ("put", "/api/v1/priority-matrix"): {"json": {"matrix": ids["matrix"]}},
        ("post", "/api/v1/reply-templates"): {"json": {"name": f"Ny {tag}", "body": "Hej"}},
        ("patch", "/api/v1/reply-templates/{template_id}"): {"json": {"body": "Hej igen"}},
        ("post", "/api/v1/routing-rules"): {"json": {"name": f"Ny {tag}", "category": f"ny-{tag}",
                                                     "team_id": ids["team_id"], "active": False}},
        # the default team as it is (none chosen yet: 422, and nothing changes)
        ("put", "/api/v1/routing-rules/default-team"): {"json": {"team_id": ids["default_team_id"]}},
        ("patch", "/api/v1/routing-rules/{rule_id}"): {"json": {"name": f"Ændret {tag}"}},
        ("post", "/api/v1/sla/calendars"): {"json": {"name": f"Ny {tag}"}},
        ("patch", "/api/v1/sla/calendars/{calendar_id}"): {"json": {"name": f"Ændret {tag}"}},
        ("post", "/api/v1/sla/policies"): {"json": _policy(f"ny-{tag}", ids.get("calendar_id", ""))},
        ("patch", "/api/v1/sla/policies/{policy_id}"): {"json": {"description": "adgangstest"}},
        ("patch", "/api/v1/tasks/{task_id}"): {"json": {"subject": "Udskift toner nu"}},
        ("post", "/api/v1/tasks/{task_id}/comments"): {"json": {"body": "Toner er bestilt."}},
        ("post", "/api/v1/tasks/{task_id}/reopen"): {"json": {"reason": "Toneren kom ikke."}},
        ("post", "/api/v1/tasks/{task_id}/resolve"): {"json": {"solution": "Toneren er udskiftet."}},
        ("post", "/api/v1/tasks/{task_id}/return"): {"json": {"comment": "Tilbage til dig."}},
        ("post", "/api/v1/teams"): {"json": {"name": f"Ny {tag}"}},
        ("patch", "/api/v1/teams/{team_id}"): {"json": {"email": f"adgang-{tag}@example.org"}},
        ("post", "/api/v1/teams/{team_id}/members"): {"json": {"user_id": ids["newcomer_id"]}},
        ("patch", "/api/v1/teams/{team_id}/members/{user_id}"): {"json": {"dispatcher": True}},
        ("post", "/api/v1/users"): {"json": {"email": f"ny-bruger-{tag}@example.org", "name": "Ny Bruger",
                                             "roles": ["requester"]}},
        ("patch", "/api/v1/users/{user_id}"): {"json": {"language": "en"}},
        ("post", "/api/v1/webhooks"): {"json": {"url": "https://hooks.example.org/ny", "events": ["task.*"],
                                                "secret": "hemmelig-hemmelig-hemmelig", "active": False}},
        ("patch", "/api/v1/webhooks/{webhook_id}"): {"json": {"description": "adgangstest"}},
    }
    # a parameter the write pass has no object for (a notice, a delivery) gets an unknown id: 404 is let through
    return (fill(path, {k: v for k, v in filled.items() if isinstance(v, str)}, unknown=lambda: str(uuid.uuid4())),
            bodies.get((method, path), {}))


@pytest.mark.parametrize("kind", list(WRITERS))
def test_writing_routes_let_their_roles_through(system, world, documented, kind):
    """401 or 403 is a refusal; 404, 409 or 422 (a rule of the service, not the role) is let through."""
    session = _writer(world, kind)
    level = WRITERS[kind][1]
    ids = _scratch(world, session, level)
    wrong = []
    for path, methods in sorted(documented.items()):
        for method in sorted((m for m in methods if m != "get"), key=WRITE_ORDER.index):
            if ROUTES[path][method] not in ALLOWED[level]:
                continue
            url, body = _write(method, path, ids)
            status = session.request(method, url, **body).status_code
            if status in (401, 403) or status >= 500:
                wrong.append(f"{method.upper()} {path}: {status}")
    assert not wrong, "\n".join(wrong)
