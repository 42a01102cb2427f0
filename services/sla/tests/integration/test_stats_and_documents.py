"""Weekly SLA compliance for the front end's charts, and the service's published documents."""

from datetime import UTC, datetime, timedelta

from builders import CaseStory, user_event
from harness import SlaHarness

from servicekit.db import Database

AGENT = "9a0c1f9e-0000-4000-8000-00000000000b"
HOUR = timedelta(hours=1)


def test_compliance_per_week_counts_met_in_time_and_breached_per_metric(call, make_identity, sla_url):
    admin = make_identity(roles=("admin",))
    always = next(c for c in call("GET", "/api/v1/sla/calendars", admin).get_json()["items"] if c["always_open"])
    call("POST", "/api/v1/sla/policies", admin, json={
        "name": "Døgnet rundt", "type": "question", "calendar_id": always["id"],
        "targets": {"critical": {"first_response": 3600, "resolution": 4 * 3600}}})
    now = datetime.now(UTC)
    last_week = now - timedelta(days=7)
    database = Database(sla_url)
    sla = SlaHarness(database)
    sla.deliver(user_event(AGENT, ["agent"]), at=now)
    answered = CaseStory(created_at=last_week - HOUR / 2, priority="critical", type="question", team_id="team-a")
    late = CaseStory(created_at=last_week - 2 * HOUR, priority="critical", type="question")
    solved = CaseStory(created_at=now - HOUR, priority="critical", type="question")
    for story in (answered, late, solved):
        sla.deliver(story.created(), at=now)
    sla.deliver(answered.message(last_week, author_id=AGENT), at=last_week)
    sla.fire(at=last_week)  # the late case's first response breaches
    sla.fire(at=now + timedelta(seconds=1))  # the solved case's first response breaches now...
    sla.deliver(solved.resolved(now), at=now)  # ...and it is resolved in time
    database.dispose()

    agent = make_identity(roles=("agent",))
    stats = call("GET", "/api/v1/sla/stats?weeks=2", agent).get_json()
    assert stats["time_zone"] == "Europe/Copenhagen"
    before, this = stats["weeks"]
    assert before["first_response"] == {"met": 1, "breached": 1}
    assert before["resolution"] == {"met": 0, "breached": 0}
    assert this["first_response"] == {"met": 0, "breached": 1}
    assert this["resolution"] == {"met": 1, "breached": 2}  # last week's two were never resolved
    assert this["week_start"] > before["week_start"] and this["week"].startswith(str(now.year)[:3])
    team = call("GET", "/api/v1/sla/stats?weeks=2&team_id=team-a", agent).get_json()["weeks"]
    assert [w["first_response"] for w in team] == [{"met": 1, "breached": 0}, {"met": 0, "breached": 0}]
    assert [w["resolution"] for w in team] == [{"met": 0, "breached": 0}, {"met": 0, "breached": 1}]
    assert call("GET", "/api/v1/sla/stats?weeks=0", agent).status_code == 422


def test_the_event_document_describes_every_published_event(client):
    document = client.get("/asyncapi.json").get_json()
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert names == {"sla.warning", "sla.breached", "sla.met", "sla.case_auto_close_due", "sla.task_deadline_passed"}
    notice = document["components"]["messages"]["sla_breached"]["payload"]["properties"]["data"]
    assert {"case_id", "case_number", "metric", "due_at", "policy_id", "team_id", "assignee_id"} <= set(
        notice["properties"])


def test_the_openapi_document_has_the_contracts_paths(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/api/v1/cases/{case_id}/sla", "/api/v1/sla/policies", "/api/v1/sla/calendars",
                 "/api/v1/sla/stats", "/api/v1/sla/policies/{policy_id}", "/api/v1/sla/calendars/{calendar_id}"):
        assert path in paths, path
