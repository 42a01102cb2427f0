"""Which events each action records in the outbox, with the version and the changes they carry."""

import pytest
from helpers import mail, outbox_events


class Recorder:
    """The events recorded since the last look, as (type, subject, data)."""

    def __init__(self, app):
        self.app = app
        self.seen = len(outbox_events(app))

    def new(self):
        events = outbox_events(self.app)
        fresh, self.seen = events[self.seen:], len(events)
        return fresh

    def types(self, events):
        return [e["type"] for e in events]


@pytest.fixture
def case(api, office):
    answer = api.as_(office.requester).post("/api/v1/cases", {"title": "VPN", "description": "Forbinder ikke"})
    assert answer.status == 201
    return answer.json


def test_a_field_change_is_case_updated_with_the_new_version_and_its_changes(api, office, app, case):
    recorder = Recorder(app)
    api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"title": "VPN på hjemmearbejde", "category": "Net"})
    (updated,) = recorder.new()
    assert (updated["type"], updated["subject"], updated["data"]["version"]) == ("case.updated", case["id"], 2)
    assert updated["data"]["changes"] == {"title": {"old": "VPN", "new": "VPN på hjemmearbejde"},
                                          "category": {"old": None, "new": "Net"}}
    assert updated["data"]["actor_id"] == office.agent.user_id


def test_sharing_and_unsharing_are_case_shared_and_case_unshared(api, office, app, case):
    recorder = Recorder(app)
    url = f"/api/v1/cases/{case['id']}/shares"
    api.as_(office.requester).post(url, {"user_id": office.colleague.user_id})
    (shared,) = recorder.new()
    assert (shared["type"], shared["data"]["version"], shared["data"]["user_id"]) == (
        "case.shared", 2, office.colleague.user_id)
    assert shared["data"]["changes"] == {"follower_ids": {"old": [], "new": [office.colleague.user_id]}}
    assert shared["data"]["follower_ids"] == [office.colleague.user_id]
    api.as_(office.requester).delete(f"{url}/{office.colleague.user_id}")
    (unshared,) = recorder.new()
    assert (unshared["type"], unshared["data"]["version"], unshared["data"]["user_id"]) == (
        "case.unshared", 3, office.colleague.user_id)
    assert unshared["data"]["changes"] == {"follower_ids": {"old": [office.colleague.user_id], "new": []}}


def test_resolving_and_reopening_are_case_resolved_and_case_reopened(api, office, app, case):
    recorder = Recorder(app)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).post(f"{url}/resolve", {"solution": "Nyt certifikat installeret"})
    added, resolved = recorder.new()
    assert recorder.types([added, resolved]) == ["case.message_added", "case.resolved"]
    solution_id = added["data"]["message"]["id"]
    assert (resolved["data"]["version"], resolved["data"]["solution_message_id"]) == (2, solution_id)
    changes = resolved["data"]["changes"]
    assert changes["status"] == {"old": "registered", "new": "resolved"}
    assert changes["solution_message_id"] == {"old": None, "new": solution_id}
    assert changes["resolved_at"]["new"] is not None

    api.as_(office.requester).post(f"{url}/reopen", {"reason": "Virker stadig ikke"})
    reopened, reason = recorder.new()
    assert recorder.types([reopened, reason]) == ["case.reopened", "case.message_added"]
    assert (reopened["data"]["version"], reopened["data"]["reason"]) == (3, "Virker stadig ikke")
    assert reopened["data"]["changes"]["status"] == {"old": "resolved", "new": "in_progress"}
    assert reopened["data"]["changes"]["solution_message_id"] == {"old": solution_id, "new": None}
    assert reason["data"]["message"]["body"] == "Virker stadig ikke"


def test_reopening_by_status_is_case_reopened_too(api, office, app, case):
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).post(f"{url}/resolve", {})
    recorder = Recorder(app)
    api.as_(office.agent).patch(url, {"status": "in_progress"})
    (reopened,) = recorder.new()
    assert (reopened["type"], reopened["data"]["version"]) == ("case.reopened", 3)
    assert reopened["data"]["changes"]["status"] == {"old": "resolved", "new": "in_progress"}


def test_closing_is_case_closed_and_merging_is_case_merged_on_the_source_and_case_updated_on_the_target(
        api, office, app, case):
    other = api.as_(office.requester).post("/api/v1/cases", {"title": "Også VPN", "description": "Samme"}).json
    recorder = Recorder(app)
    api.as_(office.agent).post(f"/api/v1/cases/{other['id']}/merge", {"into_id": case["id"]})
    merged, target = recorder.new()
    assert (merged["type"], merged["subject"], merged["data"]["version"]) == ("case.merged", other["id"], 2)
    assert merged["data"]["into_id"] == case["id"]
    assert set(merged["data"]["changes"]) == {"status", "closed_at", "merged_into_id"}
    assert merged["data"]["changes"]["merged_into_id"] == {"old": None, "new": case["id"]}
    assert (target["type"], target["subject"], target["data"]["version"]) == ("case.updated", case["id"], 2)

    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/close")
    (closed,) = recorder.new()
    assert (closed["type"], closed["data"]["version"]) == ("case.closed", 3)
    assert closed["data"]["changes"]["status"] == {"old": "registered", "new": "closed"}
    assert set(closed["data"]["changes"]) == {"status", "closed_at"}


def test_a_change_in_the_open_blocking_tasks_is_a_new_version_told_as_case_updated(api, office, app, world, case):
    recorder = Recorder(app)
    task_id = world.task(case["id"], number="TSK 2611-0003")
    (counted,) = recorder.new()
    assert (counted["type"], counted["data"]["version"], counted["data"]["open_blocking_tasks"]) == (
        "case.updated", 2, 1)
    assert counted["data"]["changes"] == {"open_blocking_tasks": {"old": 0, "new": 1}}
    assert api.as_(office.agent).get(f"/api/v1/cases/{case['id']}").headers["ETag"] == '"2"'
    world.task(case["id"], task_id=task_id, version=2, status="in_progress", number="TSK 2611-0003")
    world.task(case["id"], number="TSK 2611-0004", blocks=False)
    assert recorder.new() == []
    world.task(case["id"], task_id=task_id, version=3, status="resolved", number="TSK 2611-0003")
    (done,) = recorder.new()
    assert (done["data"]["version"], done["data"]["changes"]) == (3, {"open_blocking_tasks": {"old": 1, "new": 0}})
    history = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/history").json["items"]
    assert [h["new"] for h in history if h["field"] == "open_blocking_tasks"] == [1, 0]
    requester_history = api.as_(office.requester).get(f"/api/v1/cases/{case['id']}/history").json["items"]
    assert "open_blocking_tasks" not in [h["field"] for h in requester_history]


def test_a_message_added_says_whether_staff_wrote_it_and_mail_never_counts_as_staff(api, office, app, world, case):
    url = f"/api/v1/cases/{case['id']}"
    recorder = Recorder(app)
    answers = [api.as_(office.requester).post(f"{url}/messages", {"body": "Hjælp"}),
               api.as_(office.agent).post(f"{url}/messages", {"body": "Vi ser på det"}),
               api.as_(office.admin).post(f"{url}/forward", {"to": ["lev@example.com"], "body": "Se her"})]
    assert [a.status for a in answers] == [201, 201, 201]
    world.deliver(mail(office.requester, case=case, body="Tak"))
    vouched = mail(office.drift_agent, case=case, body="Genstartet")
    vouched.data["sender_verified"] = True
    world.deliver(vouched)
    added = [e["data"] for e in recorder.new() if e["type"] == "case.message_added"]
    assert [(d["message"]["body"], d["author_is_staff"]) for d in added] == [
        ("Hjælp", False), ("Vi ser på det", True), ("Se her", True), ("Tak", False), ("Genstartet", False)]
    document = app.test_client().get("/asyncapi.json").get_json()
    data = document["components"]["messages"]["case_message_added"]["payload"]["properties"]["data"]
    assert data["properties"]["author_is_staff"]["type"] == "boolean"
    assert "author_is_staff" in data["required"]
