"""Task deadlines from ``task.*`` events: one timer per open task's deadline, in version order (SQLite)."""

from datetime import UTC, datetime, timedelta

import pytest
from builders import TaskStory, iso
from harness import SlaHarness

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CASE_ID = "5e1b7a3c-0000-4000-8000-00000000c0de"


@pytest.fixture
def sla(database):
    return SlaHarness(database)


def passed(sla) -> list[tuple[str, str]]:
    return [(data["task_id"], data["deadline"]) for kind, data in sla.published() if kind == "sla.task_deadline_passed"]


def test_an_older_version_arriving_after_a_moved_deadline_leaves_the_timer_at_the_new_deadline(sla):
    first, moved_to = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    task = TaskStory(case_id=CASE_ID, deadline=first, at=T0)
    created = task.created()
    moved = task.change("task.updated", T0 + timedelta(minutes=5), deadline=iso(moved_to))
    sla.deliver(moved, at=T0 + timedelta(minutes=5))
    sla.deliver(created, at=T0 + timedelta(minutes=6))
    assert sla.pending_timers(task.id) == [("task_deadline", "", moved_to)]
    assert sla.fire(at=first + timedelta(seconds=1)) == 0
    assert sla.fire(at=moved_to + timedelta(seconds=1)) == 1
    assert passed(sla) == [(task.id, iso(moved_to))]


def test_a_redelivered_task_event_makes_one_timer_and_one_notice(sla):
    deadline = T0 + timedelta(hours=1)
    task = TaskStory(case_id=CASE_ID, deadline=deadline, at=T0)
    created = task.created()
    sla.deliver(created, at=T0)
    sla.deliver(created, at=T0 + timedelta(minutes=1))
    assert sla.pending_timers(task.id) == [("task_deadline", "", deadline)]
    assert sla.fire(at=deadline + timedelta(seconds=1)) == 1
    sla.deliver(created, at=deadline + timedelta(minutes=1))
    assert sla.pending_timers(task.id) == []
    assert sla.fire(at=deadline + timedelta(days=1)) == 0
    assert passed(sla) == [(task.id, iso(deadline))]


def test_a_task_that_stays_open_is_told_of_its_passed_deadline_once(sla):
    deadline = T0 + timedelta(hours=1)
    task = TaskStory(case_id=CASE_ID, deadline=deadline, at=T0)
    sla.deliver(task.created(), at=T0)
    sla.fire(at=deadline + timedelta(seconds=1))
    later = deadline + timedelta(hours=1)
    sla.deliver(task.change("task.assigned", later, status="assigned", assignee_id="a1"), at=later)
    assert sla.pending_timers(task.id) == []
    assert sla.fire(at=later + timedelta(days=1)) == 0 and len(passed(sla)) == 1


def test_a_reopened_task_whose_deadline_already_passed_is_told_again(sla):
    deadline = T0 + timedelta(hours=1)
    task = TaskStory(case_id=CASE_ID, deadline=deadline, at=T0)
    sla.deliver(task.created(), at=T0)
    sla.fire(at=deadline + timedelta(seconds=1))
    resolved_at, reopened_at = deadline + timedelta(hours=1), deadline + timedelta(hours=2)
    sla.deliver(task.change("task.resolved", resolved_at, status="resolved"), at=resolved_at)
    assert sla.pending_timers(task.id) == []
    sla.deliver(task.change("task.reopened", reopened_at, status="assigned"), at=reopened_at)
    assert sla.pending_timers(task.id) == [("task_deadline", "", deadline)]
    assert sla.fire(at=reopened_at + timedelta(seconds=1)) == 1
    assert passed(sla) == [(task.id, iso(deadline))] * 2


def test_a_reopened_task_is_told_again_even_when_its_resolution_arrives_after_the_reopening(sla):
    deadline = T0 + timedelta(hours=1)
    task = TaskStory(case_id=CASE_ID, deadline=deadline, at=T0)
    sla.deliver(task.created(), at=T0)
    sla.fire(at=deadline + timedelta(seconds=1))
    resolved_at, reopened_at = deadline + timedelta(hours=1), deadline + timedelta(hours=2)
    resolved = task.change("task.resolved", resolved_at, status="resolved")
    reopened = task.change("task.reopened", reopened_at, status="assigned")
    sla.deliver(reopened, at=reopened_at)
    sla.deliver(resolved, at=reopened_at + timedelta(seconds=1))  # older: ignored
    assert sla.pending_timers(task.id) == [("task_deadline", "", deadline)]


def test_a_resolved_or_closed_task_has_no_deadline_timer(sla):
    deadline = T0 + timedelta(hours=1)
    task = TaskStory(case_id=CASE_ID, deadline=deadline, at=T0)
    sla.deliver(task.created(), at=T0)
    sla.deliver(task.change("task.closed", T0 + timedelta(minutes=10), status="closed"), at=T0 + timedelta(minutes=10))
    assert sla.pending_timers(task.id) == []
    assert sla.fire(at=deadline + timedelta(seconds=1)) == 0
