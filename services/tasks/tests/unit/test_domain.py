"""The task's status machine and what each action decides, without I/O."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from servicekit.errors import Conflict, InvalidTransition, ValidationFailed
from tasks.domain import (
    TRANSITIONS,
    Action,
    TaskStatus,
    decide_close,
    decide_deadline_passed,
    decide_patch,
    decide_reopen,
    decide_resolve,
    decide_return,
    is_overdue,
    next_status,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CREATOR, DRIFT_AGENT, OTHER = "creator", "drift-agent", "other"


def task(**fields):
    values = dict(status="registered", team_id="drift", assignee_id=None, approver_id=CREATOR, created_by=CREATOR,
                  resolved_by=None, returned_from_id=None, deadline=None, overdue_since=None)
    values.update(fields)
    return SimpleNamespace(**values)


def test_the_table_allows_the_seed_001_flow_from_registered_to_closed():
    status = TaskStatus.REGISTERED
    for action in (Action.ASSIGN, Action.START, Action.RESOLVE, Action.CLOSE):
        status = next_status(status, action)
    assert status is TaskStatus.CLOSED


def test_closed_is_final_for_every_action():
    for action in Action:
        assert (TaskStatus.CLOSED, action) not in TRANSITIONS
        with pytest.raises(InvalidTransition):
            next_status("closed", action)


def test_only_a_resolved_task_can_be_reopened_and_it_goes_back_to_assigned():
    assert next_status("resolved", Action.REOPEN) is TaskStatus.ASSIGNED
    for status in ("registered", "assigned", "in_progress"):
        with pytest.raises(InvalidTransition):
            next_status(status, Action.REOPEN)


def test_a_resolved_task_cannot_be_reassigned_without_reopening():
    with pytest.raises(InvalidTransition, match="Reopen"):
        decide_patch(task(status="resolved", assignee_id=DRIFT_AGENT), {"assignee_id": OTHER}, actor_id=CREATOR)


@pytest.mark.parametrize("status", ["registered", "assigned", "in_progress"])
def test_status_registered_with_an_assignee_in_the_same_change_is_refused(status):
    current = task(status=status, assignee_id=DRIFT_AGENT if status != "registered" else None)
    with pytest.raises(ValidationFailed) as refused:
        decide_patch(current, {"status": "registered", "assignee_id": OTHER}, actor_id=CREATOR)
    assert set(refused.value.errors) == {"assignee_id", "status"}


def test_status_registered_with_the_assignee_cleared_unassigns():
    decision = decide_patch(task(status="assigned", assignee_id=DRIFT_AGENT),
                            {"status": "registered", "assignee_id": None}, actor_id=CREATOR)
    assert decision.values["status"] == "registered" and decision.values["assignee_id"] is None


def test_setting_an_assignee_on_a_registered_task_makes_it_assigned():
    decision = decide_patch(task(), {"assignee_id": DRIFT_AGENT}, actor_id="dispatcher")
    assert decision.event_type == "task.assigned"
    assert decision.values["status"] == "assigned"
    assert decision.values["assignee_id"] == DRIFT_AGENT


def test_moving_a_task_to_another_team_hands_it_to_that_teams_dispatcher():
    decision = decide_patch(task(status="in_progress", assignee_id=DRIFT_AGENT), {"team_id": "network"},
                            actor_id=CREATOR)
    assert decision.event_type == "task.assigned"
    assert decision.values == {"team_id": "network", "assignee_id": None, "returned_from_id": None,
                               "status": "registered"}


def test_moving_a_task_to_another_team_with_a_named_assignee_keeps_it_assigned():
    decision = decide_patch(task(status="assigned", assignee_id=DRIFT_AGENT), {"team_id": "network",
                                                                               "assignee_id": OTHER},
                            actor_id=CREATOR)
    assert "status" not in decision.values  # it stays assigned
    assert decision.values["assignee_id"] == OTHER


def test_starting_an_unassigned_task_means_taking_it():
    decision = decide_patch(task(), {"status": "in_progress"}, actor_id=DRIFT_AGENT)
    assert decision.changes_against(task()) == {"assignee_id": {"old": None, "new": DRIFT_AGENT},
                                                "status": {"old": "registered", "new": "in_progress"}}
    assert decision.event_type == "task.assigned"


def test_status_resolved_or_closed_cannot_be_patched():
    with pytest.raises(ValidationFailed, match="resolve"):
        decide_patch(task(status="assigned", assignee_id=DRIFT_AGENT), {"status": "resolved"}, actor_id=DRIFT_AGENT)
    with pytest.raises(ValidationFailed, match="closes when its case closes"):
        decide_patch(task(status="assigned", assignee_id=DRIFT_AGENT), {"status": "closed"}, actor_id=DRIFT_AGENT)


def test_a_plain_field_change_is_an_update_and_a_new_deadline_clears_the_overdue_flag():
    later = NOW + timedelta(days=2)
    decision = decide_patch(task(status="assigned", assignee_id=DRIFT_AGENT, deadline=NOW, overdue_since=NOW),
                            {"deadline": later, "subject": "Ny titel"}, actor_id=CREATOR)
    assert decision.event_type == "task.updated"
    assert decision.values == {"deadline": later, "subject": "Ny titel", "overdue_since": None}


def test_resolving_records_who_solved_it_and_the_solution():
    decision = decide_resolve(task(status="in_progress", assignee_id=DRIFT_AGENT), actor_id=DRIFT_AGENT,
                              solution="Serveren er genstartet.", comment_id="c1", now=NOW)
    assert decision.event_type == "task.resolved"
    assert decision.values["resolved_by"] == DRIFT_AGENT
    assert decision.values["solution_comment_id"] == "c1"
    assert decision.values["resolved_at"] == NOW


def test_reopening_goes_back_to_the_agent_who_solved_it_with_the_reason():
    resolved = task(status="resolved", assignee_id=DRIFT_AGENT, resolved_by=DRIFT_AGENT)
    decision = decide_reopen(resolved, reason="Fejlen opstår stadig hos brugeren.", deadline=NOW)
    assert decision.event_type == "task.reopened"
    assert decision.values["status"] == "assigned"
    assert decision.values["assignee_id"] == DRIFT_AGENT
    assert decision.values["solution"] is None
    assert decision.extra == {"reason": "Fejlen opstår stadig hos brugeren."}


def test_returning_sends_the_task_to_its_creator_and_back_again():
    with_drift = task(status="in_progress", assignee_id=DRIFT_AGENT)
    there = decide_return(with_drift, actor_id=DRIFT_AGENT)
    assert there.values == {"assignee_id": CREATOR, "returned_from_id": DRIFT_AGENT, "status": "assigned"}
    with_creator = task(status="assigned", assignee_id=CREATOR, returned_from_id=DRIFT_AGENT)
    back = decide_return(with_creator, actor_id=CREATOR)
    assert back.values == {"assignee_id": DRIFT_AGENT, "returned_from_id": None, "status": "assigned"}


def test_giving_a_returned_task_to_someone_else_ends_the_return_trip():
    returned = task(status="assigned", assignee_id=CREATOR, returned_from_id=DRIFT_AGENT)
    decision = decide_patch(returned, {"status": "registered"}, actor_id=CREATOR)
    assert decision.values["assignee_id"] is None and decision.values["returned_from_id"] is None


def test_returning_a_task_already_with_its_creator_is_a_conflict():
    with pytest.raises(Conflict):
        decide_return(task(status="assigned", assignee_id=CREATOR), actor_id=CREATOR)


def test_a_resolved_task_closes_with_its_case():
    decision = decide_close(task(status="resolved"), now=NOW, reason="case_closed")
    assert decision.values == {"status": "closed", "closed_at": NOW}


def test_the_deadline_watch_flags_only_an_open_task_with_that_same_deadline():
    open_task = task(status="assigned", assignee_id=DRIFT_AGENT, deadline=NOW)
    assert decide_deadline_passed(open_task, deadline=NOW, now=NOW).values == {"overdue_since": NOW}
    assert decide_deadline_passed(open_task, deadline=NOW - timedelta(hours=1), now=NOW) is None
    assert decide_deadline_passed(task(status="resolved", deadline=NOW), deadline=NOW, now=NOW) is None
    flagged = task(status="assigned", deadline=NOW, overdue_since=NOW)
    assert decide_deadline_passed(flagged, deadline=NOW, now=NOW) is None


def test_an_open_task_past_its_deadline_is_overdue_and_a_resolved_one_is_not():
    assert is_overdue(task(status="assigned", deadline=NOW - timedelta(minutes=1)), NOW)
    assert not is_overdue(task(status="assigned", deadline=NOW + timedelta(minutes=1)), NOW)
    assert not is_overdue(task(status="resolved", deadline=NOW - timedelta(days=1)), NOW)
    assert is_overdue(task(status="registered", overdue_since=NOW), NOW)
