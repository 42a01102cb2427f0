"""Routing rules, the default team, the priority matrix, reply templates and statistics."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from helpers import event, make_settings

from cases.app import build_context, create_app


def open_case(api, who, **fields):
    answer = api.as_(who).post("/api/v1/cases", {"title": "Sag", "description": "Tekst", **fields})
    assert answer.status == 201, answer.json
    return answer.json


def test_the_first_matching_rule_in_order_routes_a_new_case(api, office, world):
    payroll = world.team("Løn")
    admin = api.as_(office.admin)
    broad = admin.post("/api/v1/routing-rules", {"name": "Alle hændelser", "type": "incident",
                                                 "team_id": office.drift}).json
    narrow = admin.post("/api/v1/routing-rules", {"name": "Løn", "category": "løn", "product": "Visma Løn",
                                                  "team_id": payroll, "position": 1}).json
    listed = admin.get("/api/v1/routing-rules").json
    assert [r["id"] for r in listed["items"]] == [narrow["id"], broad["id"]]
    assert listed["default_team_id"] == office.support
    assert open_case(api, office.requester, category="Løn", product="visma løn")["team_id"] == payroll
    assert open_case(api, office.requester, category="Løn")["team_id"] == office.drift
    assert open_case(api, office.requester, type="question")["team_id"] == office.support
    admin.patch(f"/api/v1/routing-rules/{broad['id']}", {"position": 1, "active": True})
    assert open_case(api, office.requester, category="Løn", product="visma løn")["team_id"] == office.drift
    admin.patch(f"/api/v1/routing-rules/{broad['id']}", {"active": False})
    assert open_case(api, office.requester, type="incident")["team_id"] == office.support
    assert admin.delete(f"/api/v1/routing-rules/{broad['id']}").status == 204
    assert [r["position"] for r in admin.get("/api/v1/routing-rules").json["items"]] == [1]


def test_rules_route_by_origin_also_the_cases_that_mail_opens(api, office, world):
    phone_desk = world.team("Telefon")
    admin = api.as_(office.admin)
    admin.post("/api/v1/routing-rules", {"name": "Mails til drift", "origin": "email", "team_id": office.drift})
    admin.post("/api/v1/routing-rules", {"name": "Telefon", "origin": "phone", "team_id": phone_desk})
    assert open_case(api, office.requester)["team_id"] == office.support
    by_phone = open_case(api, office.agent, requester_id=office.requester.user_id, origin="phone")
    assert by_phone["team_id"] == phone_desk
    world.deliver(event("email.received", {
        "id": str(uuid.uuid4()), "message_id": f"<{uuid.uuid4()}@example.dk>", "from_email": office.requester.email,
        "from_name": "Rikke", "sender_user_id": office.requester.user_id, "subject": "Printeren", "body": "Virker ikke",
        "attachments": []}, source="servicedesk/notify"))
    mailed = api.as_(office.agent).get("/api/v1/cases?origin=email").json["items"]
    assert [(c["origin"], c["team_id"]) for c in mailed] == [("email", office.drift)]


def test_a_rule_needs_a_criterion_and_a_known_team(api, office):
    admin = api.as_(office.admin)
    assert admin.post("/api/v1/routing-rules", {"name": "x", "team_id": office.drift}).status == 422
    unknown = "00000000-0000-4000-8000-000000000000"
    assert admin.post("/api/v1/routing-rules", {"name": "x", "origin": "email", "team_id": unknown}).status == 422
    assert admin.patch(f"/api/v1/routing-rules/{unknown}", {"name": "y"}).status == 404


def test_the_admin_chooses_the_default_team(api, office):
    admin = api.as_(office.admin)
    assert admin.put("/api/v1/routing-rules/default-team", {"team_id": office.drift}).json == {
        "team_id": office.drift}
    assert open_case(api, office.requester)["team_id"] == office.drift


def test_without_any_team_a_new_case_is_refused_with_a_clear_conflict(app, sign_identity, make_identity):
    from helpers import Api

    lonely = make_identity(("requester",))
    answer = Api(app, sign_identity).as_(lonely).post("/api/v1/cases", {"title": "t", "description": "d"})
    assert answer.status == 409
    assert "default team" in answer.json["detail"]


def test_the_priority_matrix_is_configurable(api, office):
    admin = api.as_(office.admin)
    matrix = admin.get("/api/v1/priority-matrix").json["matrix"]
    assert matrix["high"]["high"] == "critical"
    matrix["low"]["low"] = "high"
    assert admin.put("/api/v1/priority-matrix", {"matrix": matrix}).status == 200
    assert open_case(api, office.requester, urgency="low", impact="low")["priority"] == "high"
    broken = {"high": {"high": "critical"}}
    answer = admin.put("/api/v1/priority-matrix", {"matrix": broken})
    assert answer.status == 422
    assert "matrix" in answer.json["errors"]


def test_reply_templates_by_language_and_team(api, office):
    admin = api.as_(office.admin)
    shared = admin.post("/api/v1/reply-templates", {"name": "Kvittering", "body": "Kære {navn}, tak.",
                                                    "language": "da"}).json
    english = admin.post("/api/v1/reply-templates", {"name": "Receipt", "body": "Dear {name}", "language": "en"}).json
    drift_only = admin.post("/api/v1/reply-templates", {"name": "Driftstatus", "body": "Serveren genstartes",
                                                        "team_id": office.drift}).json
    agent = api.as_(office.agent)
    danish = agent.get("/api/v1/reply-templates?language=da").json
    assert {t["id"] for t in danish["items"]} == {shared["id"], drift_only["id"]}
    for_support = agent.get(f"/api/v1/reply-templates?team_id={office.support}").json
    assert {t["id"] for t in for_support["items"]} == {shared["id"], english["id"]}
    changed = admin.patch(f"/api/v1/reply-templates/{shared['id']}", {"body": "Kære {navn}, tak for din sag."}).json
    assert changed["version"] == 2
    assert agent.get("/api/v1/reply-templates?q=kvit").json["total"] == 1
    assert admin.post("/api/v1/reply-templates", {"name": "x", "body": "y", "language": "de"}).status == 422


def test_statistics_count_open_cases_and_created_versus_resolved_per_day(api, office, world):
    first, second, third = (open_case(api, office.requester) for _ in range(3))
    open_case(api, office.agent, team_id=office.drift, requester_id=office.requester.user_id,
              urgency="high", impact="high")
    api.as_(office.agent).post(f"/api/v1/cases/{first['id']}/resolve", {})
    api.as_(office.agent).patch(f"/api/v1/cases/{second['id']}", {"assignee_id": office.agent.user_id})
    api.as_(office.requester).post(f"/api/v1/cases/{third['id']}/close")
    stats = api.as_(office.agent).get("/api/v1/cases/stats?days=7").json
    by_status = {row["key"]: row["count"] for row in stats["open_by_status"]}
    assert by_status == {"registered": 1, "in_progress": 0, "assigned": 1, "waiting_internal": 0,
                         "waiting_requester": 0}
    by_team = {row["name"]: row["count"] for row in stats["open_by_team"]}
    assert by_team == {"Support": 1, "Drift": 1}
    assert {row["key"]: row["count"] for row in stats["open_by_priority"]}["critical"] == 1
    days = stats["created_vs_resolved"]
    assert len(days) == 7
    today = days[-1]
    assert today["date"] == datetime.now(ZoneInfo("Europe/Copenhagen")).date().isoformat()
    assert (today["created"], today["resolved"]) == (4, 1)
    assert sum(d["created"] for d in days[:-1]) == 0
    team_only = api.as_(office.agent).get(f"/api/v1/cases/stats?team_id={office.drift}").json
    assert {row["name"]: row["count"] for row in team_only["open_by_team"]} == {"Drift": 1}


def test_statistics_work_on_sqlite_too(tmp_path, identity_keys, sign_identity, make_identity):
    from helpers import Api, World

    from cases.app import MIGRATIONS_DIR
    from servicekit.migrations import upgrade

    url = f"sqlite:///{tmp_path}/cases.db"
    upgrade(url, MIGRATIONS_DIR)
    settings = make_settings(url, str(tmp_path / "data"), identity_keys[1])
    app = create_app(settings, build_context(settings))
    world = World(app)
    team = world.team("Support")
    agent = world.user(("agent",), teams=[team])
    api = Api(app, sign_identity)
    case = open_case(api, agent)
    api.as_(agent).post(f"/api/v1/cases/{case['id']}/resolve", {})
    stats = api.as_(agent).get("/api/v1/cases/stats?days=3").json
    assert (stats["created_vs_resolved"][-1]["created"], stats["created_vs_resolved"][-1]["resolved"]) == (1, 1)
    assert api.as_(agent).get("/api/v1/cases?q=tekst").json["total"] == 1
    assert api.as_(agent).get("/api/v1/cases?q=sag tekst").json["total"] == 1
    assert api.as_(agent).get("/api/v1/cases?q=printer").json["total"] == 0
    app.extensions["servicekit"].database.dispose()


def test_an_agent_applies_the_routing_rules_to_an_existing_case(api, office):
    api.as_(office.admin).post("/api/v1/routing-rules", {"name": "Servere", "category": "Server",
                                                         "team_id": office.drift})
    case = open_case(api, office.requester)
    api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"category": "server"})
    routed = api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/route")
    assert routed.status == 200
    assert (routed.json["team_id"], routed.json["handed_over_from_team_id"]) == (office.drift, office.support)
    assert api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/route").status == 403
