"""The pure rules of a case, without I/O."""

from datetime import UTC, datetime

import pytest

from cases.domain import (
    AUTOMATIC_TRANSITIONS,
    DEFAULT_PRIORITY_MATRIX,
    MANUAL_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_LABELS_DA,
    Closer,
    Handover,
    MergeParty,
    Priority,
    Status,
    Trigger,
    assignee_for_status,
    attachment_visibility,
    automatic_transition,
    check_assignment,
    check_manual_transition,
    check_may_change,
    check_may_close,
    check_may_write,
    check_mergeable,
    clean_text,
    closer_of,
    format_number,
    handover_after_team_change,
    matrix_problems,
    number_key,
    number_period,
    owning_team_after,
    priority_for,
    reopen_status,
    resolution_route,
    status_after_assignment,
)
from servicekit import errors


def test_there_are_seven_statuses_with_the_danish_labels_of_the_portal():
    assert [s.value for s in Status] == ["registered", "in_progress", "assigned", "waiting_internal",
                                         "waiting_requester", "resolved", "closed"]
    assert STATUS_LABELS_DA[Status.RESOLVED] == "Udført"
    assert STATUS_LABELS_DA[Status.WAITING_REQUESTER] == "Afventer rekvirent"
    assert set(STATUS_LABELS_DA) == set(Status)


def test_every_status_has_a_row_in_the_manual_table_and_closed_leads_nowhere():
    assert set(MANUAL_TRANSITIONS) == set(Status)
    assert MANUAL_TRANSITIONS[Status.CLOSED] == frozenset()


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_any_open_case_may_be_resolved_or_closed_by_hand(status):
    check_manual_transition(status, "resolved")
    check_manual_transition(status, "closed")


@pytest.mark.parametrize("target", [s.value for s in Status if s != Status.CLOSED])
def test_a_closed_case_never_changes_status(target):
    with pytest.raises(errors.InvalidTransition):
        check_manual_transition("closed", target)


def test_a_resolved_case_may_go_back_to_work_but_not_to_waiting():
    check_manual_transition("resolved", "in_progress")
    with pytest.raises(errors.InvalidTransition):
        check_manual_transition("resolved", "waiting_requester")


def test_setting_an_agent_on_a_registered_case_makes_it_assigned():
    assert status_after_assignment("registered", None, "agent-1") == Status.ASSIGNED


def test_removing_the_agent_of_an_assigned_case_makes_it_registered_again():
    assert status_after_assignment("assigned", "agent-1", None) == Status.REGISTERED


def test_changing_the_agent_of_a_case_in_progress_keeps_its_status():
    assert status_after_assignment("in_progress", "agent-1", "agent-2") == Status.IN_PROGRESS
    assert status_after_assignment("waiting_internal", None, "agent-2") == Status.WAITING_INTERNAL


def test_a_requester_reply_takes_a_waiting_case_back_to_work_and_reopens_a_resolved_one():
    assert automatic_transition(Trigger.REQUESTER_REPLIED, "waiting_requester") == Status.IN_PROGRESS
    assert automatic_transition(Trigger.REQUESTER_REPLIED, "resolved") == Status.IN_PROGRESS
    assert automatic_transition(Trigger.REQUESTER_REPLIED, "assigned") is None
    assert automatic_transition(Trigger.REQUESTER_REPLIED, "closed") is None


def test_only_a_resolved_case_closes_by_itself():
    assert automatic_transition(Trigger.AUTO_CLOSE_DUE, "resolved") == Status.CLOSED
    assert all(status == Status.RESOLVED for trigger, status in AUTOMATIC_TRANSITIONS
               if trigger == Trigger.AUTO_CLOSE_DUE)
    with pytest.raises(errors.InvalidTransition):
        check_may_close("in_progress", Closer.SYSTEM, None, False, False)


def test_only_a_resolved_case_can_be_reopened_and_a_closed_one_never():
    assert reopen_status("resolved") == Status.IN_PROGRESS
    with pytest.raises(errors.InvalidTransition):
        reopen_status("in_progress")
    with pytest.raises(errors.InvalidTransition, match="closed"):
        reopen_status("closed")


def test_moving_a_case_to_another_team_remembers_the_owning_team_and_the_agent():
    assert handover_after_team_change(None, "support", "drift", "anne") == Handover("support", "anne")


def test_moving_it_on_to_a_third_team_keeps_the_first_owner():
    handover = Handover("support", "anne")
    assert handover_after_team_change(handover, "drift", "netværk", "dan") == handover


def test_moving_it_back_home_ends_the_hand_over():
    assert handover_after_team_change(Handover("support", "anne"), "drift", "support", "dan") is None


def test_the_receiving_team_resolving_sends_the_case_back_to_the_agent_who_handed_it_over():
    route = resolution_route(Handover("support", "anne"), resolver_in_owning_team=False, created_by="creator",
                             created_by_is_staff=True)
    assert (route.team_id, route.assignee_id) == ("support", "anne")


def test_without_a_handing_agent_it_goes_back_to_the_agent_who_created_it():
    route = resolution_route(Handover("support", None), False, created_by="creator", created_by_is_staff=True)
    assert route.assignee_id == "creator"
    assert resolution_route(Handover("support", None), False, "requester", False).assignee_id is None


def test_a_case_never_handed_over_or_resolved_at_home_stays_where_it_is():
    assert resolution_route(None, False, "x", True) is None
    assert resolution_route(Handover("support", "anne"), True, "x", True) is None


@pytest.mark.parametrize("handed_over", [True, False])
def test_only_the_owning_team_may_close_a_case_handed_over_or_back_home(handed_over):
    with pytest.raises(errors.Forbidden):
        check_may_close("resolved", Closer.AGENT, "support", handed_over, closer_in_owning_team=False)
    check_may_close("resolved", Closer.AGENT, "support", handed_over, closer_in_owning_team=True)
    check_may_close("resolved", Closer.ADMIN, "support", handed_over, closer_in_owning_team=False)
    check_may_close("resolved", Closer.REQUESTER, "support", handed_over, closer_in_owning_team=False)
    check_may_close("resolved", Closer.SYSTEM, "support", handed_over, closer_in_owning_team=False)


def test_a_case_never_handed_over_has_no_owner_and_any_agent_closes_it():
    assert owning_team_after(None, None) is None
    check_may_close("resolved", Closer.AGENT, None, False, closer_in_owning_team=False)


def test_the_owner_is_the_team_that_first_handed_the_case_over_and_stays_when_it_comes_back():
    assert owning_team_after(None, Handover("support", "anne")) == "support"
    assert owning_team_after("support", Handover("support", "anne")) == "support"
    assert owning_team_after("support", None) == "support"


def test_closing_a_closed_case_is_allowed_and_changes_nothing():
    check_may_close("closed", Closer.SYSTEM, None, False, False)
    check_may_close("closed", Closer.AGENT, "a", True, False)


@pytest.mark.parametrize(("urgency", "impact", "priority"), [
    ("high", "high", "critical"), ("high", "medium", "high"), ("medium", "high", "high"),
    ("high", "low", "normal"), ("low", "high", "normal"), ("medium", "medium", "normal"),
    ("medium", "low", "low"), ("low", "medium", "low"), ("low", "low", "low"),
])
def test_the_default_matrix_is_the_contracts(urgency, impact, priority):
    assert priority_for(urgency, impact) == Priority(priority)


def test_a_configured_matrix_decides_the_priority():
    matrix = {u: {i: "critical" for i in ("low", "medium", "high")} for u in ("low", "medium", "high")}
    assert priority_for("low", "low", matrix) == Priority.CRITICAL


def test_an_incomplete_or_wrong_matrix_is_named():
    assert matrix_problems(DEFAULT_PRIORITY_MATRIX) == []
    broken = {**DEFAULT_PRIORITY_MATRIX, "high": {"high": "urgent", "medium": "high"}}
    problems = matrix_problems(broken)
    assert "high.high: 'urgent'" in problems
    assert "high.low: None" in problems


def test_a_number_has_the_prefix_the_month_and_four_digits_growing_when_it_must():
    assert format_number("SAG", "2611", 42) == "SAG 2611-0042"
    assert format_number("SAG", "2611", 12345) == "SAG 2611-12345"


def test_the_month_of_a_number_follows_the_danish_clock():
    just_after_midnight_in_copenhagen = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert number_period(just_after_midnight_in_copenhagen, "Europe/Copenhagen") == "2612"
    assert number_period(just_after_midnight_in_copenhagen, "UTC") == "2611"


@pytest.mark.parametrize("typed", ["SAG 2611-0042", "sag2611-0042", "Sag 2611-42", "  SAG  2611-0042 "])
def test_numbers_are_found_with_or_without_the_space_in_any_letter_case(typed):
    assert number_key(typed) == "SAG2611-0042"


@pytest.mark.parametrize("typed", ["", "hello", "SAG 26-0042", "2611-0042", "SAG 2611"])
def test_text_that_is_no_number_has_no_key(typed):
    assert number_key(typed) is None


def test_user_text_is_kept_as_plain_text_without_control_characters():
    assert clean_text("  Hej\r\nmed\x00 dig\x1b  ") == "Hej\nmed dig"
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


def test_only_the_requester_of_the_requesters_side_closes_a_case_and_staff_close_as_agents_or_admins():
    assert closer_of(system=False, staff=False, admin=False, requester=True) == Closer.REQUESTER
    with pytest.raises(errors.Forbidden):
        closer_of(system=False, staff=False, admin=False, requester=False)
    assert closer_of(system=False, staff=True, admin=False, requester=False) == Closer.AGENT
    assert closer_of(system=False, staff=True, admin=True, requester=False) == Closer.ADMIN
    assert closer_of(system=True, staff=True, admin=True, requester=False) == Closer.SYSTEM


@pytest.mark.parametrize("status", [s for s in Status if s != Status.CLOSED])
def test_an_open_or_resolved_case_takes_messages_and_changes(status):
    check_may_write(status)
    check_may_change(status)


def test_a_closed_case_takes_no_messages_files_or_changes():
    with pytest.raises(errors.InvalidTransition):
        check_may_write("closed")
    with pytest.raises(errors.InvalidTransition):
        check_may_change("closed")


def test_an_assigned_case_needs_an_agent_and_a_registered_one_has_none():
    check_assignment("assigned", "anne")
    check_assignment("registered", None)
    check_assignment("in_progress", None)
    for status, assignee in (("assigned", None), ("registered", "anne")):
        with pytest.raises(errors.ValidationFailed) as refused:
            check_assignment(status, assignee)
        assert list(refused.value.errors) == ["assignee_id"]


def test_setting_a_case_back_to_registered_takes_its_agent_off_unless_the_change_names_one():
    assert assignee_for_status("registered", "anne", named=False) is None
    assert assignee_for_status("registered", "anne", named=True) == "anne"
    assert assignee_for_status("in_progress", "anne", named=False) == "anne"


def test_open_cases_of_one_organisation_merge_and_nothing_else_does():
    org = MergeParty("registered", "org", "anne")
    check_mergeable(org, MergeParty("in_progress", "org", "bo"))
    check_mergeable(MergeParty("resolved", None, "anne"), MergeParty("registered", None, "anne"))
    with pytest.raises(errors.InvalidTransition):
        check_mergeable(org, MergeParty("closed", "org", "bo"))
    for target in (MergeParty("registered", "other", "bo"), MergeParty("registered", None, "anne")):
        with pytest.raises(errors.ValidationFailed):
            check_mergeable(org, target)
    with pytest.raises(errors.ValidationFailed):
        check_mergeable(MergeParty("registered", None, "anne"), MergeParty("registered", None, "bo"))


def test_a_file_has_its_messages_visibility_and_a_loose_one_depends_on_who_adds_it():
    assert attachment_visibility(True, "internal", None) == "internal"
    assert attachment_visibility(False, "external", "external") == "external"
    with pytest.raises(errors.ValidationFailed):
        attachment_visibility(True, "internal", "external")
    assert attachment_visibility(True, None, None) == "internal"
    assert attachment_visibility(True, None, "external") == "external"
    assert attachment_visibility(False, None, None) == "external"
    with pytest.raises(errors.Forbidden):
        attachment_visibility(False, None, "internal")
