"""Every gateway route needs the right role: a table walked with each kind of caller.

A route the table does not name fails the test, so a new route cannot go in without its rule.
"""

from __future__ import annotations

import re
import uuid

import pytest

ANONYMOUS, REQUESTER, AGENT, DISPATCHER, ADMIN, SERVICE = "anonymous", "requester", "agent", "dispatcher", \
    "admin", "service"
CALLERS = (ANONYMOUS, REQUESTER, AGENT, DISPATCHER, ADMIN, SERVICE)
# a service principal may use /internal/ and only the public routes it needs (none of the gateway's own)
PUBLIC = frozenset(CALLERS) - {SERVICE}
USERS = frozenset({REQUESTER, AGENT, DISPATCHER, ADMIN})
SIGNED_IN = USERS
STAFF = frozenset({AGENT, DISPATCHER, ADMIN})
ADMINS = frozenset({ADMIN})
SERVICES = frozenset({SERVICE})
# let through, but answered 5xx here for a documented reason: no cases service runs beside this gateway
NO_SERVICE_HERE = {("GET", "/api/v1/cases/<case_id>/overview"): 503}

# (method, rule) -> (who may, body)
ACCESS = {
    ("POST", "/api/v1/auth/token"): (PUBLIC, lambda ids: {"email": "admin@servicedesk.test",
                                                          "password": "correct horse battery staple"}),
    ("POST", "/api/v1/auth/password-reset"): (PUBLIC, lambda ids: {"email": "someone@example.dk"}),
    ("POST", "/api/v1/auth/password-reset/confirm"): (PUBLIC, lambda ids: {"token": "not-a-real-token",
                                                                            "password": "a new long password"}),
    ("POST", "/api/v1/auth/register"): (PUBLIC, lambda ids: {"email": "new@unknown-domain.example", "name": "N"}),
    ("GET", "/api/v1/me"): (USERS, None),
    ("PATCH", "/api/v1/me"): (USERS, lambda ids: {"language": "da"}),
    ("POST", "/api/v1/me/password"): (USERS, lambda ids: {"current_password": "x", "new_password": "y" * 12}),
    ("GET", "/api/v1/api-tokens"): (USERS, None),
    ("POST", "/api/v1/api-tokens"): (USERS, lambda ids: {"name": "script"}),
    ("DELETE", "/api/v1/api-tokens/<token_id>"): (USERS, None),
    ("GET", "/api/v1/organisations"): (SIGNED_IN, None),
    ("POST", "/api/v1/organisations"): (ADMINS, lambda ids: {"name": f"Org {uuid.uuid4().hex[:8]}"}),
    ("GET", "/api/v1/organisations/<organisation_id>"): (SIGNED_IN, None),
    ("PATCH", "/api/v1/organisations/<organisation_id>"): (ADMINS, lambda ids: {"case_visibility": "own"}),
    ("GET", "/api/v1/users"): (SIGNED_IN, None),
    ("POST", "/api/v1/users"): (ADMINS, lambda ids: {"email": f"{uuid.uuid4().hex[:8]}@example.dk", "name": "N",
                                                     "roles": ["requester"]}),
    ("GET", "/api/v1/users/<user_id>"): (SIGNED_IN, None),
    ("PATCH", "/api/v1/users/<user_id>"): (ADMINS, lambda ids: {"language": "da"}),
    ("POST", "/api/v1/users/<user_id>/deactivate"): (ADMINS, None),
    ("POST", "/api/v1/users/<user_id>/activate"): (ADMINS, None),
    ("GET", "/api/v1/teams"): (STAFF, None),
    ("POST", "/api/v1/teams"): (ADMINS, lambda ids: {"name": f"Team {uuid.uuid4().hex[:8]}"}),
    ("GET", "/api/v1/teams/<team_id>"): (STAFF, None),
    ("PATCH", "/api/v1/teams/<team_id>"): (ADMINS, lambda ids: {"email": "team@example.dk"}),
    ("GET", "/api/v1/teams/<team_id>/members"): (STAFF, None),
    ("POST", "/api/v1/teams/<team_id>/members"): (ADMINS, lambda ids: {"user_id": ids["member_id"]}),
    ("PATCH", "/api/v1/teams/<team_id>/members/<user_id>"): (ADMINS, lambda ids: {"dispatcher": True}),
    ("DELETE", "/api/v1/teams/<team_id>/members/<user_id>"): (ADMINS, None),
    ("GET", "/api/v1/cases/<case_id>/overview"): (SIGNED_IN, None),
    ("POST", "/internal/v1/contacts"): (SERVICES, lambda ids: {"email": f"{uuid.uuid4().hex[:8]}@example.dk"}),
    ("GET", "/api/openapi.json"): (PUBLIC, None),
    ("GET", "/api/asyncapi.json"): (PUBLIC, None),
    ("GET", "/api/docs"): (PUBLIC, None),
    ("GET", "/api/docs/"): (PUBLIC, None),
    ("GET", "/api/docs/static/init.js"): (PUBLIC, None),
    ("GET", "/api/docs/static/<name>"): (PUBLIC, None),
}
# forwarded to the services, which decide for themselves (their own tables); the gateway only wants a caller
FORWARDED = {"/api/v1/<path:rest>": SIGNED_IN, "/internal/v1/<service>/<path:rest>": SERVICES}


def _gateway_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/internal/")) or rule.rule in FORWARDED:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return routes


def test_every_gateway_route_has_an_access_rule(harness):
    assert _gateway_routes(harness.app) == set(ACCESS)


@pytest.fixture(scope="module")
def callers(harness):
    org = harness.create_organisation()
    people = {role: harness.create_user(roles=[role], organisation_id=org["id"] if role == REQUESTER else None)
              for role in (REQUESTER, AGENT, DISPATCHER, ADMIN)}
    headers = {role: harness.as_user(user) for role, user in people.items()}
    headers[SERVICE] = harness.service_headers()
    headers[ANONYMOUS] = {}
    return org, people, headers


def _path(rule: str, ids: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: ids[m.group(1)], rule)


def _fresh_ids(harness, org, people, method: str, rule: str) -> dict[str, str]:
    """Path parameters and bodies' ids for one call: new objects, so no call depends on another."""
    ids = {"organisation_id": org["id"], "case_id": "c-1", "name": "swagger-ui.css"}
    if "<team_id>" in rule:
        team = harness.create_team()
        member = harness.create_user(roles=["agent"])
        harness.add_member(team, member)
        ids.update(team_id=team["id"], user_id=member["id"], member_id=harness.create_user(roles=["agent"])["id"])
    if rule.startswith("/api/v1/users/<user_id>"):
        ids["user_id"] = harness.create_user(organisation_id=org["id"])["id"]
    if "<token_id>" in rule:
        ids["token_id"] = harness.client.post("/api/v1/api-tokens", json={"name": "t"},
                                              headers=harness.as_user(people[ADMIN])).json["id"]
    return ids


@pytest.mark.parametrize("caller", CALLERS)
def test_each_route_answers_each_caller_by_their_role(harness, callers, caller):
    org, people, headers = callers
    wrong = []
    for (method, rule), (allowed, body) in sorted(ACCESS.items()):
        ids = _fresh_ids(harness, org, people, method, rule)
        response = harness.client.open(_path(rule, ids), method=method, headers=headers[caller],
                                       json=body(ids) if body else None)
        if caller in allowed:
            ok = response.status_code not in (401, 403) and (
                response.status_code < 500 or NO_SERVICE_HERE.get((method, rule)) == response.status_code)
        elif caller == ANONYMOUS:
            ok = response.status_code == 401
        else:
            ok = response.status_code in (403, 404)
        if not ok:
            wrong.append(f"{method} {rule}: {response.status_code}")
    assert not wrong, f"{caller}: " + "; ".join(wrong)


@pytest.mark.parametrize("caller", CALLERS)
def test_forwarded_routes_need_a_caller_of_the_right_kind(harness, callers, caller):
    _org, _people, headers = callers
    public = harness.client.get("/api/v1/cases", headers=headers[caller])
    attachments = harness.client.get("/api/v1/cases/c-1/attachments/a-1", headers=headers[caller])
    internal = harness.client.get("/internal/v1/cases/anything", headers=headers[caller])
    # 503: no cases service runs here, so the gateway let the call by
    assert public.status_code == {ANONYMOUS: 401, SERVICE: 403}.get(caller, 503)
    assert attachments.status_code == (401 if caller == ANONYMOUS else 503)
    expected_internal = {ANONYMOUS: 401, SERVICE: 503}.get(caller, 403)
    assert internal.status_code == expected_internal
