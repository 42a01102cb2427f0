"""Every public route of every service, walked through the gateway with each kind of caller.

Each route of the merged OpenAPI document must be in the table below (a new route that is not fails the
test): ``public`` routes answer without a token; every other route is 401 without one. Routes for staff
are refused to requesters, routes for admins are refused to requesters and agents; the roles a route is
for are let through (checked on reading routes, whose calls change nothing).
"""

import uuid

import pytest
import requests

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


@pytest.fixture(scope="module")
def documented(system):
    document = requests.get(f"{system.gateway_url}/api/openapi.json", timeout=20).json()
    return {path: [m for m in item if m in METHODS] for path, item in document["paths"].items()
            if path.startswith("/api/v1/")}


@pytest.fixture(scope="module")
def ids(world):
    """Real ids for the path parameters, so that a refusal is about the caller and not a missing thing."""
    case = world.open_case("anne")
    agent, admin = world.as_("sofie"), world.system.admin()
    message = agent.post(f"/api/v1/cases/{case['id']}/messages",
                         json={"body": "Intern note til adgangstesten", "visibility": "internal"}).json()
    first = {name: admin.get(f"/api/v1/sla/{name}").json()["items"][0]["id"] for name in ("calendars", "policies")}
    hook = admin.post("/api/v1/webhooks", json={"url": "https://hooks.example.org/sd", "events": ["case.*"],
                                                  "secret": "hemmelig-hemmelig-hemmelig"})
    return {
        "case_id": case["id"], "number": case["number"].replace(" ", ""), "message_id": message["id"],
        "user_id": world.ids["bo"], "team_id": world.ids["support"], "organisation_id": world.ids["kommune"],
        "calendar_id": first["calendars"], "policy_id": first["policies"],
        "webhook_id": hook.json().get("id", str(uuid.uuid4())),
    }


def fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1:]
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


@pytest.mark.parametrize("person,refused", [("anne", {STAFF, ADMIN}), ("sofie", {ADMIN})])
def test_routes_for_other_roles_are_refused(system, world, documented, ids, person, refused):
    session = world.as_(person)
    wrong = []
    for path, methods in documented.items():
        for method in methods:
            if ROUTES[path][method] not in refused:
                continue
            status = call(session, system, method, fill(path, ids)).status_code
            if status not in (403, 404):
                wrong.append(f"{method.upper()} {path}: {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("person,allowed", [("anne", {USER}), ("sofie", {USER, STAFF}),
                                            ("admin", {USER, STAFF, ADMIN})])
def test_reading_routes_let_their_roles_through(system, world, documented, ids, person, allowed):
    session = system.admin() if person == "admin" else world.as_(person)
    wrong = []
    for path, methods in documented.items():
        if "get" in methods and ROUTES[path]["get"] in allowed and "{attachment_id}" not in path:
            status = call(session, system, "get", fill(path, ids)).status_code
            if status in (401, 403) or status >= 500:
                wrong.append(f"GET {path}: {status}")
    assert not wrong, "\n".join(wrong)
