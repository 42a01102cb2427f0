"""Who sees and does what: decided in the service from the identity the gateway signs."""

import io
import uuid

import pytest

from servicekit.auth import IDENTITY_HEADER


def open_case(api, who, **fields):
    answer = api.as_(who).post("/api/v1/cases", {"title": "Adgang", "description": "Om adgang", **fields})
    assert answer.status == 201, answer.json
    return answer.json


def every_case_route(app, values):
    """Every rule of the app that names one case (by id or number), with every method it takes."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments & {"case_id", "number"}:
            continue
        unfilled = rule.arguments - set(values)
        assert not unfilled, f"{rule.rule} has parameters this test cannot fill: {sorted(unfilled)}"
        _domain, path = rule.build(values, append_unknown=False)
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


@pytest.fixture
def shared_case(api, office):
    case = open_case(api, office.requester)
    requester = api.as_(office.requester)
    message = requester.post(f"/api/v1/cases/{case['id']}/messages", {"body": "Vedhæftet"})
    attachment = requester.post(f"/api/v1/cases/{case['id']}/attachments",
                                data={"file": (io.BytesIO(b"hej"), "noter.txt")}, content_type="multipart/form-data")
    shared = requester.post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.colleague.user_id})
    assert (message.status, attachment.status, shared.status) == (201, 201, 201)
    return requester.get(f"/api/v1/cases/{case['id']}").json, message.json, attachment.json


def test_a_requester_of_another_organisation_gets_404_on_every_case_route(api, app, office, shared_case):
    case, message, attachment = shared_case
    number = case["number"].replace(" ", "")
    values = {"case_id": case["id"], "number": number, "message_id": message["id"],
              "attachment_id": attachment["id"], "user_id": office.colleague.user_id}
    routes = every_case_route(app, values)
    base = f"/api/v1/cases/{case['id']}"
    assert {("POST", f"{base}/attachments"), ("PATCH", base), ("GET", f"/api/v1/cases/by-number/{number}"),
            ("DELETE", f"{base}/shares/{office.colleague.user_id}")} <= set(routes)
    before = api.as_(office.agent).get(base).json
    for method, path in routes:
        for body in (None, {"unexpected": True}):
            answer = api.as_(office.outsider).request(method, path, json=body)
            assert answer.status == 404, (method, path, body, answer.status, answer.json)
            assert "Adgang" not in answer.text
    assert api.as_(office.agent).get(base).json == before
    assert api.as_(office.agent).get(f"{base}/messages").json["total"] == 1
    assert api.as_(office.agent).get(f"{base}/attachments").json["total"] == 1
    listed = api.as_(office.outsider).get("/api/v1/cases?view=all&status=any")
    assert listed.json["total"] == 0
    searched = api.as_(office.outsider).get("/api/v1/cases?q=Adgang")
    assert searched.json["items"] == []


def test_a_colleague_sees_a_case_only_when_shared_or_when_the_organisation_shares_its_cases(api, office, world):
    case = open_case(api, office.requester)
    assert api.as_(office.colleague).get(f"/api/v1/cases/{case['id']}").status == 404
    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.colleague.user_id})
    assert api.as_(office.colleague).get(f"/api/v1/cases/{case['id']}").status == 200

    open_org = world.organisation("Kommunen", case_visibility="organisation")
    alice = world.user(organisation_id=open_org)
    bob = world.user(organisation_id=open_org)
    public = open_case(api, alice)
    private = open_case(api, alice, private=True)
    assert api.as_(bob).get(f"/api/v1/cases/{public['id']}").status == 200
    assert api.as_(bob).get(f"/api/v1/cases/{private['id']}").status == 404
    org_view = api.as_(bob).get("/api/v1/cases?view=organisation").json
    assert [c["id"] for c in org_view["items"]] == [public["id"]]


def test_a_follower_reads_and_writes_but_may_not_close(api, office, shared_case):
    case, _message, _attachment = shared_case
    colleague = api.as_(office.colleague)
    assert colleague.post(f"/api/v1/cases/{case['id']}/messages", {"body": "Jeg har samme problem"}).status == 201
    assert colleague.post(f"/api/v1/cases/{case['id']}/close").status == 403
    assert colleague.get("/api/v1/cases?view=shared").json["total"] == 1


def test_sharing_is_only_within_the_case_organisation(api, office):
    case = open_case(api, office.requester)
    answer = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.outsider.user_id})
    assert answer.status == 422
    assert "user_id" in answer.json["errors"]
    unknown = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": str(uuid.uuid4())})
    assert unknown.status == 422


def test_sharing_bumps_the_version_and_stopping_it_takes_access_away(api, office):
    case = open_case(api, office.requester)
    shared = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares",
                                            {"user_id": office.colleague.user_id})
    assert shared.status == 201
    again = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares",
                                           {"user_id": office.colleague.user_id})
    assert again.status == 201
    now = api.as_(office.colleague).get(f"/api/v1/cases/{case['id']}").json
    assert (now["follower_ids"], now["version"]) == ([office.colleague.user_id], 2)
    assert now["updated_by"] == office.requester.user_id
    names = api.as_(office.requester).get(f"/api/v1/cases/{case['id']}/shares").json
    assert names[0]["name"] == "Kim Kollega"
    stop = api.as_(office.colleague).delete(f"/api/v1/cases/{case['id']}/shares/{office.colleague.user_id}")
    assert stop.status == 204
    assert api.as_(office.colleague).get(f"/api/v1/cases/{case['id']}").status == 404


def test_stopping_a_share_takes_the_same_rights_as_changing_the_case(api, office, world):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}/shares"
    api.as_(office.requester).post(url, {"user_id": office.colleague.user_id})
    other_team = world.user(("dispatcher",), dispatcher_of=[office.drift])
    assert api.as_(other_team).delete(f"{url}/{office.colleague.user_id}").status == 403
    assert api.as_(office.agent).delete(f"{url}/{office.colleague.user_id}").status == 204
    assert api.as_(office.requester).get(url).json == []


def test_calls_without_the_gateways_signature_are_401(api, office):
    client = api.client
    assert client.get("/api/v1/cases").status_code == 401
    forged = client.get("/api/v1/cases", headers={IDENTITY_HEADER: "eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401


# The table-driven role test: each route, each role, the status it must get.
REQUESTER, AGENT, DISPATCHER, ADMIN = "requester", "agent", "dispatcher", "admin"


def role_table(case_id, template_id, rule_id, team_id):
    return [
        # method, path, body, {role: expected status}
        ("GET", "/api/v1/cases", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/api/v1/cases?view=team", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/api/v1/cases?view=unassigned", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/api/v1/cases/stats", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", f"/api/v1/cases/{case_id}", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("PATCH", f"/api/v1/cases/{case_id}", {"category": "x"},
         {REQUESTER: 403, AGENT: 200, DISPATCHER: 403, ADMIN: 200}),
        ("POST", "/api/v1/cases/bulk", {"ids": [case_id], "changes": {"category": "y"}},
         {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("POST", f"/api/v1/cases/{case_id}/messages", {"body": "intern", "visibility": "internal"},
         {REQUESTER: 403, AGENT: 201, DISPATCHER: 403, ADMIN: 201}),
        ("POST", f"/api/v1/cases/{case_id}/forward", {"to": ["a@example.com"], "body": "x"},
         {REQUESTER: 403, AGENT: 201, DISPATCHER: 403, ADMIN: 201}),
        ("GET", "/api/v1/reply-templates", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", f"/api/v1/reply-templates/{template_id}", None,
         {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("POST", "/api/v1/reply-templates", {"name": "n", "body": "b"},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 201}),
        ("PATCH", f"/api/v1/reply-templates/{template_id}", {"name": "m"},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 200}),
        ("GET", "/api/v1/routing-rules", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("POST", "/api/v1/routing-rules", {"name": "r", "category": "c", "team_id": team_id},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 201}),
        ("PATCH", f"/api/v1/routing-rules/{rule_id}", {"name": "r2"},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 200}),
        ("GET", "/api/v1/routing-rules/default-team", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200,
                                                             ADMIN: 200}),
        ("PUT", "/api/v1/routing-rules/default-team", {"team_id": team_id},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 200}),
        ("GET", "/api/v1/priority-matrix", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("PUT", "/api/v1/priority-matrix",
         {"matrix": {"high": {"high": "critical", "medium": "high", "low": "normal"},
                     "medium": {"high": "high", "medium": "normal", "low": "low"},
                     "low": {"high": "normal", "medium": "low", "low": "low"}}},
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 200}),
        ("DELETE", f"/api/v1/routing-rules/{rule_id}", None, {REQUESTER: 403, AGENT: 403, DISPATCHER: 403,
                                                              ADMIN: 204}),
        ("DELETE", f"/api/v1/reply-templates/{template_id}", None,
         {REQUESTER: 403, AGENT: 403, DISPATCHER: 403, ADMIN: 204}),
    ]


def test_every_route_answers_each_role_as_the_table_says(api, office, world):
    people = {
        REQUESTER: office.requester,
        AGENT: office.agent,
        DISPATCHER: world.user(("dispatcher",), dispatcher_of=[office.drift]),
        ADMIN: office.admin,
    }
    for role in people:
        case = open_case(api, office.requester)
        template = api.as_(office.admin).post("/api/v1/reply-templates",
                                              {"name": "Tak", "body": "Tak for din henvendelse"}).json
        rule = api.as_(office.admin).post("/api/v1/routing-rules", {"name": "Løn", "category": "Løn",
                                                                    "team_id": office.support}).json
        for method, path, body, expected in role_table(case["id"], template["id"], rule["id"], office.support):
            answer = api.as_(people[role]).request(method, path, json=body)
            assert answer.status == expected[role], (role, method, path, answer.status, answer.json)


def action_table():
    """Routes that change a case: each row runs on a fresh case the requester opened."""
    return [
        ("GET", "/by-number", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/history", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/messages", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("POST", "/messages", {"body": "svar"}, {REQUESTER: 201, AGENT: 201, DISPATCHER: 403, ADMIN: 201}),
        ("GET", "/attachments", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("GET", "/shares", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 200, ADMIN: 200}),
        ("POST", "/shares", "colleague", {REQUESTER: 201, AGENT: 201, DISPATCHER: 403, ADMIN: 201}),
        ("POST", "/resolve", {}, {REQUESTER: 403, AGENT: 200, DISPATCHER: 403, ADMIN: 200}),
        ("POST", "/reopen", {}, {REQUESTER: 409, AGENT: 409, DISPATCHER: 403, ADMIN: 409}),
        ("POST", "/close", None, {REQUESTER: 200, AGENT: 200, DISPATCHER: 403, ADMIN: 200}),
        ("POST", "/route", None, {REQUESTER: 403, AGENT: 200, DISPATCHER: 403, ADMIN: 200}),
        ("POST", "/merge", "other", {REQUESTER: 403, AGENT: 200, DISPATCHER: 403, ADMIN: 200}),
    ]


def test_every_case_action_answers_each_role_as_the_table_says(api, office, world):
    people = {REQUESTER: office.requester, AGENT: office.agent,
              DISPATCHER: world.user(("dispatcher",), dispatcher_of=[office.drift]), ADMIN: office.admin}
    for method, suffix, body, expected in action_table():
        for role, who in people.items():
            case = open_case(api, office.requester)
            if body == "colleague":
                payload = {"user_id": office.colleague.user_id}
            elif body == "other":
                payload = {"into_id": open_case(api, office.requester)["id"]}
            else:
                payload = body
            path = (f"/api/v1/cases/by-number/{case['number']}" if suffix == "/by-number"
                    else f"/api/v1/cases/{case['id']}{suffix}")
            answer = api.as_(who).request(method, path, json=payload)
            assert answer.status == expected[role], (role, method, suffix, answer.status, answer.json)
