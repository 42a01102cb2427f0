"""The clocks do not depend on the order case events arrive in (retry queues reorder them)."""

import random
from datetime import UTC, datetime
from itertools import permutations
from zoneinfo import ZoneInfo

import pytest
from builders import CaseStory
from harness import SlaHarness

CPH = ZoneInfo("Europe/Copenhagen")
HOUR = 3600
AGENT = "7d0c1f9e-0000-4000-8000-000000000001"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.fixture
def sla(database):
    return SlaHarness(database)


def clocks(sla, case_id: str, at: datetime) -> dict:
    """What can be seen of a case's clocks: the API's view (without the case id) and the pending timers."""
    view = {k: v for k, v in sla.sla(case_id, at=at).items() if k != "case_id"}
    return {"view": view, "timers": sorted(sla.pending_timers(case_id))}


def test_a_pause_that_arrives_after_the_newer_resume_still_pauses_the_clock(sla):
    created = local(2026, 11, 23, 9, 0)  # Monday
    story = CaseStory(created_at=created, priority="normal")  # 24 business hours to resolve
    first = story.created()
    waiting = story.status("waiting_requester", local(2026, 11, 23, 10, 0))
    resumed = story.status("in_progress", local(2026, 11, 24, 9, 0))
    for event in (first, resumed, waiting):
        sla.deliver(event, at=local(2026, 11, 24, 9, 0))
    view = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert view["paused"] is False and view["resolution"]["status"] == "running"
    assert view["resolution"]["remaining_seconds"] == 23 * HOUR


def week_of_waiting(story: CaseStory) -> list:
    """Paused twice: five versions, each changing the status."""
    return [
        story.created(),
        story.status("waiting_requester", local(2026, 11, 23, 10, 0)),
        story.status("in_progress", local(2026, 11, 23, 13, 0)),
        story.status("waiting_requester", local(2026, 11, 23, 14, 0)),
        story.status("in_progress", local(2026, 11, 24, 9, 0)),
    ]


# Twenty of the 120 orders (the whole lot takes too long for the unit tier), the reversed one among them.
ARRIVAL_ORDERS = [(4, 3, 2, 1, 0), *random.Random(7).sample(list(permutations(range(5))), 19)]


def test_any_arrival_order_of_the_same_history_gives_the_same_clocks(sla):
    created, seen = local(2026, 11, 23, 9, 0), local(2026, 11, 24, 10, 0)
    in_order = CaseStory(created_at=created, priority="normal")  # 4 h to respond, 24 h to resolve
    for event in week_of_waiting(in_order):
        sla.deliver(event, at=seen)
    expected = clocks(sla, in_order.id, seen)
    assert expected["view"]["first_response"]["remaining_seconds"] == 1 * HOUR  # 1 h + 1 h + 1 h counted
    assert expected["view"]["resolution"]["remaining_seconds"] == 21 * HOUR

    for order in ARRIVAL_ORDERS:
        story = CaseStory(created_at=created, priority="normal")
        events = week_of_waiting(story)
        for n in order:
            sla.deliver(events[n], at=seen)
        assert clocks(sla, story.id, seen) == expected, order


def test_a_late_event_never_overwrites_the_newer_state_of_the_case(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="normal")
    first = story.created()
    raised = story.change("case.updated", local(2026, 11, 23, 9, 30), priority="critical")
    moved = story.change("case.assigned", local(2026, 11, 23, 9, 40), team_id="a2d1c9f3-0000-4000-8000-0000000000aa")
    for event in (first, moved, raised):
        sla.deliver(event, at=local(2026, 11, 23, 10, 0))
    view = sla.sla(story.id, at=local(2026, 11, 23, 10, 0))
    assert view["priority"] == "critical" and view["resolution"]["target_seconds"] == 4 * HOUR
    assert view["resolution"]["remaining_seconds"] == 3 * HOUR


def test_a_late_reopening_between_two_resolutions_makes_the_auto_close_name_the_last_resolution(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    first = story.created()
    resolved = story.resolved(local(2026, 11, 23, 10, 0))
    reopened = story.reopened(local(2026, 11, 23, 11, 0))
    resolved_again = story.resolved(local(2026, 11, 23, 12, 0))
    for event in (first, resolved, resolved_again, reopened):
        sla.deliver(event, at=local(2026, 11, 23, 12, 0))
    sla.fire(at=local(2026, 11, 30, 12, 0, 1))
    [due] = [data for kind, data in sla.published() if kind == "sla.case_auto_close_due"]
    assert due["case_version"] == resolved_again.data["version"]
    assert datetime.fromisoformat(due["resolved_at"]) == local(2026, 11, 23, 12, 0).astimezone(UTC)


def test_a_late_event_delivered_twice_corrects_the_clock_once(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="normal")
    first = story.created()
    waiting = story.status("waiting_requester", local(2026, 11, 23, 10, 0))
    resumed = story.status("in_progress", local(2026, 11, 24, 9, 0))
    for event in (first, resumed, waiting, waiting):
        sla.deliver(event, at=local(2026, 11, 24, 9, 0))
    assert sla.sla(story.id, at=local(2026, 11, 24, 9, 0))["resolution"]["remaining_seconds"] == 23 * HOUR



def test_a_reply_that_arrives_after_a_later_status_change_meets_the_first_response_when_it_was_written(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="critical")  # 1 h to respond
    first = story.created()
    reply = story.message(local(2026, 11, 23, 9, 50), author_id=AGENT, author_is_staff=True)
    started = story.status("in_progress", local(2026, 11, 23, 10, 30))
    for event in (first, started, reply):
        sla.deliver(event, at=local(2026, 11, 23, 10, 31))
    view = sla.sla(story.id, at=local(2026, 11, 23, 11, 0))
    assert view["first_response"]["met_at"] == local(2026, 11, 23, 9, 50)
    assert view["first_response"]["breached"] is False and view["first_response"]["remaining_seconds"] == 10 * 60
    assert [(kind, data["metric"], data["breached"]) for kind, data in sla.published()] == [
        ("sla.met", "first_response", False)]


def test_a_reply_that_arrives_after_the_case_went_waiting_counts_only_until_it_was_written(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="normal")  # 4 h to respond
    first = story.created()
    reply = story.message(local(2026, 11, 23, 9, 30), author_id=AGENT, author_is_staff=True)
    waiting = story.status("waiting_requester", local(2026, 11, 23, 10, 0))
    for event in (first, waiting, reply):
        sla.deliver(event, at=local(2026, 11, 23, 10, 1))
    view = sla.sla(story.id, at=local(2026, 11, 23, 12, 0))
    assert view["first_response"]["met_at"] == local(2026, 11, 23, 9, 30)
    assert view["first_response"]["remaining_seconds"] == int(3.5 * HOUR)
    assert view["resolution"]["remaining_seconds"] == 23 * HOUR and view["paused"] is True
