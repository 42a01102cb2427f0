"""A case's clocks, driven by case events with time given by the test (SQLite)."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from builders import CaseStory, user_event
from harness import SlaHarness

CPH = ZoneInfo("Europe/Copenhagen")
HOUR = 3600
AGENT = "7d0c1f9e-0000-4000-8000-000000000001"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CPH)


def due(view: dict, metric: str) -> datetime:
    return datetime.fromisoformat(view[metric]["due_at"]).astimezone(CPH) if isinstance(
        view[metric]["due_at"], str) else view[metric]["due_at"].astimezone(CPH)


@pytest.fixture
def sla(database):
    harness = SlaHarness(database, auto_close_after=7 * 24 * HOUR)
    harness.deliver(user_event(AGENT, ["agent"]), at=datetime(2026, 1, 1, tzinfo=UTC))
    return harness


def test_a_case_created_friday_at_three_with_eight_business_hours_is_due_monday_at_three(sla):
    created = local(2026, 11, 20, 15, 0)
    story = CaseStory(created_at=created, priority="high")  # default policy: 2 h response, 8 h resolution
    sla.deliver(story.created(), at=created)
    view = sla.sla(story.id, at=created)
    assert due(view, "resolution") == local(2026, 11, 23, 15, 0)
    assert due(view, "first_response") == local(2026, 11, 23, 9, 0)
    assert view["resolution"]["remaining_seconds"] == 8 * HOUR
    assert view["paused"] is False and view["resolution"]["status"] == "running"


def test_a_case_created_the_day_before_easter_skips_the_holidays(sla):
    created = local(2026, 4, 1, 15, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    assert due(sla.sla(story.id, at=created), "resolution") == local(2026, 4, 7, 15, 0)


def test_summer_time_does_not_shift_the_due_time(sla):
    created = local(2026, 3, 27, 15, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    assert due(sla.sla(story.id, at=created), "resolution") == local(2026, 3, 30, 15, 0)


def test_time_waiting_for_the_requester_does_not_count(sla):
    created = local(2026, 11, 23, 9, 0)  # Monday
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.status("waiting_requester", local(2026, 11, 23, 10, 0)), at=local(2026, 11, 23, 10, 0))
    paused = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert paused["paused"] is True
    assert paused["resolution"]["status"] == "paused" and paused["resolution"]["due_at"] is None
    assert paused["resolution"]["remaining_seconds"] == 7 * HOUR
    sla.deliver(story.status("in_progress", local(2026, 11, 24, 10, 0)), at=local(2026, 11, 24, 10, 0))
    resumed = sla.sla(story.id, at=local(2026, 11, 24, 10, 0))
    assert resumed["paused"] is False
    assert due(resumed, "resolution") == local(2026, 11, 25, 9, 0)  # 6 h Tuesday, 1 h Wednesday
    sla.fire(at=local(2026, 11, 24, 16, 0))
    breached = [data["metric"] for kind, data in sla.published() if kind == "sla.breached"]
    assert breached == ["first_response"]  # 1 h before the pause + 1 h after it; the resolution is not due


def test_an_agents_external_message_meets_the_first_response_and_publishes_met_once(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.message(local(2026, 11, 23, 9, 10), author_id=story.case["requester_id"]), at=created)
    sla.deliver(story.message(local(2026, 11, 23, 9, 20), author_id=AGENT, visibility="internal"), at=created)
    assert sla.sla(story.id, at=created)["first_response"]["met_at"] is None
    reply = story.message(local(2026, 11, 23, 9, 30), author_id=AGENT)
    sla.deliver(reply, at=local(2026, 11, 23, 9, 30))
    sla.deliver(story.message(local(2026, 11, 23, 9, 40), author_id=AGENT), at=local(2026, 11, 23, 9, 40))
    view = sla.sla(story.id, at=local(2026, 11, 23, 12, 0))
    assert view["first_response"]["status"] == "met" and view["first_response"]["breached"] is False
    assert view["first_response"]["remaining_seconds"] == 90 * 60
    [(kind, data)] = sla.published()
    assert kind == "sla.met" and data["metric"] == "first_response" and data["breached"] is False
    assert data["case_number"] == "SAG 2611-0001" and data["met_at"].startswith("2026-11-23T08:30")


def test_an_unknown_author_who_is_neither_requester_nor_follower_counts_as_staff(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.message(local(2026, 11, 23, 9, 5), author_id="service:notify"), at=created)
    assert sla.sla(story.id, at=created)["first_response"]["met_at"] is None
    sla.deliver(story.message(local(2026, 11, 23, 9, 30), author_id="someone-not-in-the-directory"), at=created)
    assert sla.sla(story.id, at=created)["first_response"]["status"] == "met"


def test_warning_breach_and_met_each_fire_once(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")  # 2 h first response, warning at 75 %
    sla.deliver(story.created(), at=created)
    assert sla.fire(at=local(2026, 11, 23, 10, 30)) == 0  # a timer fires once its instant has passed
    assert sla.fire(at=local(2026, 11, 23, 10, 30, 1)) == 1
    assert sla.fire(at=local(2026, 11, 23, 10, 45)) == 0
    assert sla.types() == ["sla.warning"]
    assert sla.fire(at=local(2026, 11, 23, 11, 0, 1)) == 1
    assert sla.fire(at=local(2026, 11, 23, 11, 30)) == 0
    assert sla.types() == ["sla.warning", "sla.breached"]
    sla.deliver(story.message(local(2026, 11, 23, 11, 30), author_id=AGENT), at=local(2026, 11, 23, 11, 30))
    assert sla.types() == ["sla.warning", "sla.breached", "sla.met"]
    met = sla.published()[-1][1]
    assert met["metric"] == "first_response" and met["breached"] is True
    view = sla.sla(story.id, at=local(2026, 11, 23, 12, 0))
    assert view["first_response"]["breached"] is True and view["first_response"]["remaining_seconds"] == -30 * 60


def test_a_clock_met_late_before_its_breach_fired_publishes_the_breach_first(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.message(local(2026, 11, 23, 11, 30), author_id=AGENT), at=local(2026, 11, 23, 11, 30))
    assert sla.types() == ["sla.breached", "sla.met"]
    sla.fire(at=local(2026, 11, 23, 12, 0))  # the first response's breach timer is gone: nothing twice
    assert [d["metric"] for k, d in sla.published() if k == "sla.breached"] == ["first_response"]


def test_a_priority_change_recomputes_the_due_times(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="normal")  # 24 h resolution
    sla.deliver(story.created(), at=created)
    assert due(sla.sla(story.id, at=created), "resolution") == local(2026, 11, 26, 9, 0)  # 7 + 8 + 8 + 1 h
    sla.deliver(story.change("case.updated", local(2026, 11, 23, 10, 0), priority="critical"),
                at=local(2026, 11, 23, 10, 0))
    view = sla.sla(story.id, at=local(2026, 11, 23, 10, 0))
    assert view["priority"] == "critical"
    assert view["resolution"]["target_seconds"] == 4 * HOUR
    assert due(view, "resolution") == local(2026, 11, 23, 13, 0)
    assert due(view, "first_response") == local(2026, 11, 23, 10, 0)  # 1 h target, 1 h gone: due now
    sla.fire(at=local(2026, 11, 23, 10, 0, 1))
    assert [(k, d["metric"]) for k, d in sla.published()] == [("sla.breached", "first_response")]


def test_resolving_meets_the_resolution_and_reopening_resumes_it(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.message(local(2026, 11, 23, 9, 15), author_id=AGENT), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 11, 0)), at=local(2026, 11, 23, 11, 0))
    view = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert view["resolution"]["status"] == "met" and view["resolution"]["remaining_seconds"] == 6 * HOUR
    assert sla.types() == ["sla.met", "sla.met"]
    sla.deliver(story.reopened(local(2026, 11, 24, 9, 0)), at=local(2026, 11, 24, 9, 0))
    view = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert view["resolution"]["status"] == "running" and view["resolution"]["met_at"] is None
    assert due(view, "resolution") == local(2026, 11, 24, 15, 0)
    assert view["first_response"]["status"] == "met"


def test_a_closed_case_stops_its_clocks_and_cancels_its_timers(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.closed(local(2026, 11, 23, 9, 30)), at=local(2026, 11, 23, 9, 30))
    view = sla.sla(story.id, at=local(2026, 11, 30, 9, 0))
    assert view["first_response"]["status"] == "stopped" and view["resolution"]["status"] == "stopped"
    assert view["resolution"]["remaining_seconds"] == 7.5 * HOUR
    assert sla.fire(at=local(2026, 12, 30, 9, 0)) == 0
    assert sla.types() == []


def test_an_older_event_never_overwrites_newer_state(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    first = story.created()
    waiting = story.status("waiting_requester", local(2026, 11, 23, 10, 0))
    sla.deliver(waiting, at=local(2026, 11, 23, 10, 0))
    sla.deliver(first, at=local(2026, 11, 23, 10, 1))
    view = sla.sla(story.id, at=local(2026, 11, 23, 12, 0))
    assert view["paused"] is True and view["resolution"]["remaining_seconds"] == 7 * HOUR


def test_a_redelivered_event_changes_nothing_twice(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    reply = story.message(local(2026, 11, 23, 9, 30), author_id=AGENT)
    sla.deliver(reply, at=local(2026, 11, 23, 9, 30))
    sla.deliver(reply, at=local(2026, 11, 23, 9, 31))
    assert sla.types() == ["sla.met"]


def test_a_resolved_case_is_due_to_close_after_seven_days_with_the_version_that_resolved_it(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    resolved = story.resolved(local(2026, 11, 23, 11, 0))
    sla.deliver(resolved, at=local(2026, 11, 23, 11, 0))
    sla.deliver(story.change("case.updated", local(2026, 11, 24, 8, 0), category="Print"),
                at=local(2026, 11, 24, 8, 0))
    assert sla.fire(at=local(2026, 11, 30, 11, 0)) == 0
    assert sla.fire(at=local(2026, 11, 30, 11, 0, 1)) == 1
    [(kind, data)] = [p for p in sla.published() if p[0] == "sla.case_auto_close_due"]
    assert data == {"case_id": story.id, "case_version": resolved.data["version"], "case_number": "SAG 2611-0001",
                    "resolved_at": resolved.data["resolved_at"]}


def test_a_case_reopened_before_the_seven_days_is_not_closed(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 11, 0)), at=local(2026, 11, 23, 11, 0))
    sla.deliver(story.reopened(local(2026, 11, 25, 9, 0)), at=local(2026, 11, 25, 9, 0))
    sla.fire(at=local(2026, 12, 30, 11, 0))
    assert "sla.case_auto_close_due" not in sla.types()


def test_a_case_first_seen_by_a_later_event_still_counts_from_its_creation(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    story.created()
    later = story.status("in_progress", local(2026, 11, 23, 10, 0))
    sla.deliver(later, at=local(2026, 11, 23, 10, 0))
    view = sla.sla(story.id, at=local(2026, 11, 23, 10, 0))
    assert view["resolution"]["remaining_seconds"] == 7 * HOUR


def test_the_clock_reads_time_in_business_seconds_while_running(sla):
    created = local(2026, 11, 20, 15, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    view = sla.sla(story.id, at=local(2026, 11, 23, 8, 30))
    assert view["resolution"]["remaining_seconds"] == int(6.5 * HOUR)
    assert view["resolution"]["elapsed_seconds"] == int(1.5 * HOUR)
    assert view["resolution"]["breached"] is False
    assert timedelta(seconds=view["resolution"]["remaining_seconds"]) == timedelta(hours=6.5)


def met_events(sla) -> list[tuple[str, bool]]:
    return [(data["metric"], data["breached"]) for kind, data in sla.published() if kind == "sla.met"]


def test_resolving_a_case_nobody_answered_meets_its_first_response_at_the_resolution(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")  # 2 h to the first response
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 10, 0)), at=local(2026, 11, 23, 10, 0))
    view = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert view["first_response"]["status"] == "met" and view["first_response"]["breached"] is False
    assert view["first_response"]["met_at"] == local(2026, 11, 23, 10, 0)
    assert met_events(sla) == [("first_response", False), ("resolution", False)]
    assert sla.fire(at=local(2026, 12, 30, 9, 0)) == 1  # only the auto-close: no breach of an answered case
    assert sla.types()[-1] == "sla.case_auto_close_due"
    sla.deliver(story.reopened(local(2026, 11, 24, 9, 0)), at=local(2026, 11, 24, 9, 0))
    sla.deliver(story.message(local(2026, 11, 24, 9, 30), author_id=AGENT), at=local(2026, 11, 24, 9, 30))
    assert sla.sla(story.id, at=local(2026, 11, 24, 9, 30))["first_response"]["met_at"] == local(2026, 11, 23, 10, 0)
    assert met_events(sla) == [("first_response", False), ("resolution", False)]


def test_resolving_an_unanswered_case_after_its_first_response_was_due_meets_it_late(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 12, 0)), at=local(2026, 11, 23, 12, 0))
    assert [(kind, data["metric"]) for kind, data in sla.published()] == [
        ("sla.breached", "first_response"), ("sla.met", "first_response"), ("sla.met", "resolution")]
    assert met_events(sla) == [("first_response", True), ("resolution", False)]


def test_a_first_response_written_exactly_at_its_due_time_is_in_time_and_no_breach_fires_at_that_instant(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")  # first response due 11:00
    sla.deliver(story.created(), at=created)
    sla.fire(at=local(2026, 11, 23, 10, 45))  # the warning
    assert sla.fire(at=local(2026, 11, 23, 11, 0)) == 0
    sla.deliver(story.message(local(2026, 11, 23, 11, 0), author_id=AGENT), at=local(2026, 11, 23, 11, 0))
    assert met_events(sla) == [("first_response", False)]
    assert sla.sla(story.id, at=local(2026, 11, 23, 12, 0))["first_response"]["breached"] is False
    sla.fire(at=local(2026, 11, 23, 12, 0))
    assert "sla.breached" not in sla.types()


def test_a_first_response_a_moment_after_its_due_time_is_late_whether_or_not_the_breach_went_out(sla):
    created = local(2026, 11, 23, 9, 0)
    late = local(2026, 11, 23, 11, 0) + timedelta(microseconds=1)
    untold, told = CaseStory(created_at=created, priority="high"), CaseStory(created_at=created, priority="high")
    for story in (untold, told):
        sla.deliver(story.created(), at=created)
    sla.fire(at=local(2026, 11, 23, 10, 45))  # the warnings
    sla.deliver(untold.message(late, author_id=AGENT), at=late)  # before any scheduler saw the breach
    assert sla.fire(at=late) == 1  # told's breach; untold's went out with its sla.met
    sla.deliver(told.message(late, author_id=AGENT), at=late)
    notices = [(kind, data["case_id"]) for kind, data in sla.published() if kind != "sla.warning"]
    assert notices == [("sla.breached", untold.id), ("sla.met", untold.id), ("sla.breached", told.id),
                       ("sla.met", told.id)]
    assert met_events(sla) == [("first_response", True), ("first_response", True)]


def test_a_merged_case_stops_both_clocks_and_keeps_no_timer(sla):
    created = local(2026, 11, 23, 9, 0)
    story, survivor = CaseStory(created_at=created, priority="high"), CaseStory(created_at=created, priority="high")
    for case in (story, survivor):
        sla.deliver(case.created(), at=created)
    assert len(sla.pending_timers(story.id)) == 4  # warning and breach of both clocks
    sla.deliver(story.merged(local(2026, 11, 23, 9, 30), into_id=survivor.id), at=local(2026, 11, 23, 9, 30))
    view = sla.sla(story.id, at=local(2026, 11, 30, 9, 0))
    assert view["first_response"]["status"] == "stopped" and view["resolution"]["status"] == "stopped"
    assert view["first_response"]["remaining_seconds"] == 90 * 60
    assert sla.pending_timers(story.id) == []
    assert len(sla.pending_timers(survivor.id)) == 4
    sla.fire(at=local(2026, 12, 30, 9, 0))
    assert {data["case_id"] for _, data in sla.published()} == {survivor.id}


def test_a_resolved_case_merged_into_another_is_not_due_to_close_any_more(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 10, 0)), at=local(2026, 11, 23, 10, 0))
    assert [kind for kind, _, _ in sla.pending_timers(story.id)] == ["auto_close"]
    sla.deliver(story.merged(local(2026, 11, 24, 9, 0), into_id=str(uuid.uuid4())), at=local(2026, 11, 24, 9, 0))
    assert sla.pending_timers(story.id) == []
    assert sla.sla(story.id, at=local(2026, 11, 24, 9, 0))["resolution"]["status"] == "met"


@pytest.fixture
def network_policy(database):
    """Network cases wait on suppliers: their clocks pause while waiting internally, not for the requester."""
    from sla.service.policies import create_policy

    with database.transaction() as session:
        create_policy(session, {"name": "Netværk", "description": "", "category": "Netværk",
                                "targets": {"high": {"first_response": 2 * HOUR, "resolution": 8 * HOUR}},
                                "pause_statuses": ["waiting_internal"], "warning_percent": 75})


def test_a_policy_can_pause_its_clocks_while_the_case_waits_internally(sla, network_policy):
    created = local(2026, 11, 23, 9, 0)  # Monday
    network = CaseStory(created_at=created, priority="high", category="Netværk")
    other = CaseStory(created_at=created, priority="high", category="Print")
    for story in (network, other):
        sla.deliver(story.created(), at=created)
        sla.deliver(story.status("waiting_internal", local(2026, 11, 23, 10, 0)), at=local(2026, 11, 23, 10, 0))
    paused, running = sla.sla(network.id, at=local(2026, 11, 24, 9, 0)), sla.sla(other.id, at=local(2026, 11, 24, 9, 0))
    assert paused["policy_name"] == "Netværk" and paused["paused"] is True
    assert paused["resolution"]["status"] == "paused" and paused["resolution"]["remaining_seconds"] == 7 * HOUR
    assert running["policy_name"] == "Standard-SLA" and running["paused"] is False
    assert running["resolution"]["remaining_seconds"] == 0  # 7 h Monday and 1 h Tuesday counted
    sla.deliver(network.status("waiting_requester", local(2026, 11, 24, 9, 0)), at=local(2026, 11, 24, 9, 0))
    resumed = sla.sla(network.id, at=local(2026, 11, 24, 10, 0))
    assert resumed["paused"] is False and resumed["resolution"]["remaining_seconds"] == 6 * HOUR
    assert due(resumed, "resolution") == local(2026, 11, 24, 16, 0)


def test_sla_notices_carry_the_clocks_full_state_and_the_case_version_it_reflects(sla):
    from sla.events import SlaNoticeData

    created = local(2026, 11, 23, 9, 0)
    story, late = CaseStory(created_at=created, priority="high"), CaseStory(created_at=created, priority="high")
    for case in (story, late):
        sla.deliver(case.created(), at=created)
    sla.deliver(story.status("in_progress", local(2026, 11, 23, 9, 10)), at=local(2026, 11, 23, 9, 10))
    sla.fire(at=local(2026, 11, 23, 10, 30, 1))
    sla.deliver(story.status("waiting_requester", local(2026, 11, 23, 10, 40)), at=local(2026, 11, 23, 10, 40))
    sla.deliver(story.message(local(2026, 11, 23, 10, 50), author_id=AGENT), at=local(2026, 11, 23, 10, 50))
    sla.fire(at=local(2026, 11, 23, 11, 0, 1))
    notices = {(kind, data["case_id"]): data for kind, data in sla.published()}
    assert all(SlaNoticeData().validate(data) == {} for data in notices.values())

    warning = notices[("sla.warning", story.id)]
    assert (warning["case_version"], warning["paused"], warning["status"], warning["breached"]) == (
        2, False, "running", False)
    assert warning["due_at"].startswith("2026-11-23T10:00") and warning["met_at"] is None  # 11:00 in Copenhagen
    met = notices[("sla.met", story.id)]
    assert (met["case_version"], met["paused"], met["status"], met["breached"]) == (3, True, "met", False)
    assert met["met_at"].startswith("2026-11-23T09:50") and met["remaining_seconds"] == 20 * 60  # paused at 10:40
    breach = notices[("sla.breached", late.id)]
    assert (breach["case_version"], breach["paused"], breach["status"], breach["breached"]) == (
        1, False, "running", True)
    assert breach["remaining_seconds"] == -1 and breach["elapsed_seconds"] == 2 * HOUR + 1


def auto_close_notices(sla) -> list[dict]:
    return [data for kind, data in sla.published() if kind == "sla.case_auto_close_due"]


def test_the_auto_close_fires_once_however_the_still_resolved_case_changes_afterwards(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 11, 0)), at=local(2026, 11, 23, 11, 0))
    assert sla.fire(at=local(2026, 11, 30, 11, 0, 1)) == 1
    for hour, change in ((9, {"open_blocking_tasks": 1}), (10, {"priority": "critical"}),
                         (11, {"open_blocking_tasks": 0})):
        sla.deliver(story.change("case.updated", local(2026, 12, 1, hour, 0), **change),
                    at=local(2026, 12, 1, hour, 0))
    assert sla.pending_timers(story.id) == []
    sla.fire(at=local(2026, 12, 30, 9, 0))
    assert len(auto_close_notices(sla)) == 1


def test_a_case_resolved_again_after_its_auto_close_fired_is_due_to_close_with_its_new_version(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="high")
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 11, 0)), at=local(2026, 11, 23, 11, 0))
    sla.fire(at=local(2026, 11, 30, 11, 0, 1))
    sla.deliver(story.reopened(local(2026, 11, 30, 12, 0)), at=local(2026, 11, 30, 12, 0))
    again = story.resolved(local(2026, 11, 30, 13, 0))
    sla.deliver(again, at=local(2026, 11, 30, 13, 0))
    sla.fire(at=local(2026, 12, 7, 13, 0, 1))
    assert [n["case_version"] for n in auto_close_notices(sla)] == [2, again.data["version"]]


def test_a_priority_changed_while_the_case_was_resolved_sets_the_target_when_it_is_reopened(sla):
    created = local(2026, 11, 23, 9, 0)
    story = CaseStory(created_at=created, priority="normal")  # 24 h to resolve
    sla.deliver(story.created(), at=created)
    sla.deliver(story.resolved(local(2026, 11, 23, 10, 0)), at=local(2026, 11, 23, 10, 0))
    sla.deliver(story.change("case.updated", local(2026, 11, 23, 11, 0), priority="critical"),
                at=local(2026, 11, 23, 11, 0))
    sla.deliver(story.reopened(local(2026, 11, 24, 9, 0)), at=local(2026, 11, 24, 9, 0))
    view = sla.sla(story.id, at=local(2026, 11, 24, 9, 0))
    assert view["priority"] == "critical" and view["resolution"]["target_seconds"] == 4 * HOUR
    assert view["resolution"]["remaining_seconds"] == 3 * HOUR  # 1 h counted before the resolution
    assert due(view, "resolution") == local(2026, 11, 24, 12, 0)
    assert ("sla_breach", "resolution", local(2026, 11, 24, 12, 0)) in sla.pending_timers(story.id)


def test_the_cases_service_saying_who_is_staff_decides_over_the_directory(sla):
    created = local(2026, 11, 23, 9, 0)
    stranger_says_not_staff, requester_made_agent = (CaseStory(created_at=created, priority="high")
                                                     for _ in range(2))
    newly_promoted = "5b1c1f9e-0000-4000-8000-000000000002"
    sla.deliver(user_event(newly_promoted, ["requester"]), at=created)  # its user.updated is still on its way
    for story in (stranger_says_not_staff, requester_made_agent):
        sla.deliver(story.created(), at=created)
    sla.deliver(stranger_says_not_staff.message(local(2026, 11, 23, 9, 30), author_id="not-in-the-directory",
                                                author_is_staff=False), at=created)
    sla.deliver(requester_made_agent.message(local(2026, 11, 23, 9, 30), author_id=newly_promoted,
                                             author_is_staff=True), at=created)
    assert sla.sla(stranger_says_not_staff.id, at=created)["first_response"]["met_at"] is None
    assert sla.sla(requester_made_agent.id, at=created)["first_response"]["met_at"] == local(2026, 11, 23, 9, 30)
