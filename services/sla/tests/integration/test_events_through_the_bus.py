"""Case and task events in through RabbitMQ, the worker's clocks and timers, sla.* events out (real time)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from builders import CaseStory, TaskStory, user_event
from polling import wait_for

AGENT = str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def of_type(received, event_type, **data):
    return [e for e in received if e["type"] == event_type and all(e["data"].get(k) == v for k, v in data.items())]


@pytest.fixture
def round_the_clock_policy(make_round_the_clock_policy):
    return make_round_the_clock_policy(warning_percent=75)


def test_a_case_from_the_bus_gets_clocks_that_staff_see_and_requesters_do_not(worker, publish, call, make_identity):
    story = CaseStory(created_at=now(), priority="high")
    publish(story.created())
    agent = make_identity(roles=("agent",))
    response = wait_for(lambda: (r := call("GET", f"/api/v1/cases/{story.id}/sla", agent)).status_code == 200 and r)
    assert response, "the clock never appeared"
    view = response.get_json()
    assert view["policy_name"] == "Standard-SLA" and view["paused"] is False
    assert view["first_response"]["target_seconds"] == 7200 and view["resolution"]["target_seconds"] == 28800
    assert 0 < view["resolution"]["remaining_seconds"] <= 28800
    requester = make_identity(roles=("requester",), user_id=story.case["requester_id"])
    hidden = call("GET", f"/api/v1/cases/{story.id}/sla", requester)
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"
    assert call("GET", f"/api/v1/cases/{uuid.uuid4()}/sla", agent).status_code == 404


def test_an_agents_reply_publishes_sla_met_once(worker, publish, spy):
    story = CaseStory(created_at=now(), priority="high")
    reply = story.message(now(), author_id=AGENT)
    publish(user_event(AGENT, ["agent"]), story.created(), reply, reply)
    received = spy(until=lambda r: of_type(r, "sla.met"))
    [met] = of_type(received, "sla.met")
    assert met["data"]["case_id"] == story.id and met["data"]["metric"] == "first_response"
    assert met["source"] == "servicedesk/sla" and met["subject"] == story.id
    assert of_type(spy(timeout=1.0, until=lambda r: False), "sla.met") == [met]


def test_warning_and_breach_fire_once_at_their_time(worker, publish, spy, round_the_clock_policy):
    story = CaseStory(created_at=now() - timedelta(seconds=50), priority="critical", type="question")
    publish(story.created())
    received = spy(until=lambda r: of_type(r, "sla.breached", metric="first_response"), timeout=30)
    [warning] = of_type(received, "sla.warning", metric="first_response")
    [breach] = of_type(received, "sla.breached", metric="first_response")
    assert warning["data"]["policy_id"] == round_the_clock_policy["id"]
    assert warning["data"]["remaining_seconds"] <= 15
    assert breach["data"]["remaining_seconds"] <= 0
    assert datetime.fromisoformat(breach["time"]) >= datetime.fromisoformat(breach["data"]["due_at"])
    later = spy(timeout=2.0, until=lambda r: False)
    assert len(of_type(later, "sla.warning", metric="first_response")) == 1
    assert len(of_type(later, "sla.breached", metric="first_response")) == 1


def test_a_resolved_case_is_due_to_close_after_auto_close_after_and_a_reopened_one_is_not(worker, publish, spy):
    kept, closing = CaseStory(created_at=now()), CaseStory(created_at=now())
    resolved = closing.resolved(now())
    publish(closing.created(), resolved, kept.created(), kept.resolved(now()), kept.reopened(now()))
    received = spy(until=lambda r: of_type(r, "sla.case_auto_close_due"), timeout=20)
    [due] = of_type(received, "sla.case_auto_close_due")
    assert due["data"]["case_id"] == closing.id and due["data"]["case_version"] == resolved.data["version"]
    assert datetime.fromisoformat(due["time"]) >= datetime.fromisoformat(resolved.data["resolved_at"]) \
        + timedelta(seconds=2)
    assert of_type(spy(timeout=3.0, until=lambda r: False), "sla.case_auto_close_due", case_id=kept.id) == []


def test_a_task_deadline_passing_is_published_and_a_moved_deadline_fires_at_its_new_time(worker, publish, spy):
    case_id = str(uuid.uuid4())
    soon = TaskStory(case_id=case_id, deadline=now() + timedelta(seconds=1), at=now())
    moved = TaskStory(case_id=case_id, deadline=now() + timedelta(seconds=1), at=now())
    finished = TaskStory(case_id=case_id, deadline=now() + timedelta(seconds=1), at=now())
    new_deadline = now() + timedelta(seconds=3)
    publish(soon.created(), moved.created(), finished.created(),
            moved.change("task.updated", now(), deadline=new_deadline.isoformat()),
            finished.change("task.resolved", now(), status="resolved"))
    received = spy(until=lambda r: of_type(r, "sla.task_deadline_passed", task_id=moved.id), timeout=20)
    [passed] = of_type(received, "sla.task_deadline_passed", task_id=soon.id)
    assert passed["data"]["task_number"] == "TSK 2611-0007" and passed["data"]["case_id"] == case_id
    [late] = of_type(received, "sla.task_deadline_passed", task_id=moved.id)
    assert datetime.fromisoformat(late["data"]["deadline"]) == new_deadline
    assert of_type(spy(timeout=1.5, until=lambda r: False), "sla.task_deadline_passed", task_id=finished.id) == []


def test_a_calendar_change_re_plans_the_open_clocks_on_it(worker, publish, call, make_identity):
    admin = make_identity(roles=("admin",))
    story = CaseStory(created_at=now(), priority="low")
    publish(story.created())
    assert wait_for(lambda: call("GET", f"/api/v1/cases/{story.id}/sla", admin).status_code == 200)
    [policy] = call("GET", "/api/v1/sla/policies", admin).get_json()["items"]
    response = call("PATCH", f"/api/v1/sla/calendars/{policy['calendar_id']}", admin, json={"always_open": True})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    view = call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()
    due = datetime.fromisoformat(view["resolution"]["due_at"])
    assert abs((due - now()).total_seconds() - view["resolution"]["remaining_seconds"]) < 5
