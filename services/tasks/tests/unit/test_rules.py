"""Task numbers, the "real description" rule of seed 001, and who may do what."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from servicekit.auth import Identity
from servicekit.errors import ValidationFailed
from tasks.access import may_change, may_change_approver, may_create, may_read
from tasks.descriptions import Verdict, judge, require_description
from tasks.numbers import format_number, key_of, lookup_key, period_of


def test_numbers_look_like_tsk_year_month_and_a_four_digit_counter():
    assert format_number("tsk", "2611", 7) == "TSK 2611-0007"
    assert format_number("TSK", "2611", 12345) == "TSK 2611-12345"


def test_the_month_of_a_number_is_the_danish_month():
    assert period_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2612"  # 00:30 on 1 December in Denmark
    assert period_of(datetime(2026, 11, 30, 22, 30, tzinfo=UTC)) == "2611"


@pytest.mark.parametrize("typed", ["TSK 2611-0007", "tsk2611-0007", " Tsk 2611-0007 ", "TSK2611-7", "2611-0007"])
def test_a_number_is_found_with_or_without_space_prefix_case_and_zeros(typed):
    assert lookup_key(typed) == key_of("2611", 7) == "2611-0007"


@pytest.mark.parametrize("typed", ["OPG 2611-0007", "opg2611-7", "Ab 2611-0007"])
def test_a_number_is_found_by_its_month_and_counter_whatever_the_prefix(typed):
    """The prefix may have changed since the task was numbered (TASK_NUMBER_PREFIX)."""
    assert lookup_key(typed) == "2611-0007"


def test_a_counter_past_four_digits_keeps_its_digits_in_the_key():
    assert lookup_key(format_number("TSK", "2611", 12345)) == key_of("2611", 12345) == "2611-12345"


@pytest.mark.parametrize("typed", ["", "TSK", "hello", "SAG-2611", "2611", "TSK 2611-", "TSK 2611-7x"])
def test_text_that_is_no_task_number_finds_nothing(typed):
    assert lookup_key(typed) is None


@pytest.mark.parametrize("text", ["se sag", "Se sag!", "SE SAGEN", "se sag SAG 2611-0042", "Se sag, haster! Tak",
                                  "see ticket #1234 asap", "Som aftalt, se vedhæftede fil. Mvh", "se vedhæftet",
                                  "Se vedhæftede fil og ret det", "Se sag, hurtigt tak", "Som aftalt, tak",
                                  "se sag TSK2611-7 og SAG 2611-0042", "N/A", "TODO"])
def test_pointers_to_the_case_are_not_descriptions(text):
    assert judge(text, 15) is not Verdict.OK


@pytest.mark.parametrize("text", ["Åbn port 8080-8090", "Luk adgang 2026-11", "Urgent: restart db",
                                  "TODO: opret bruger",
                                  "Åbn portene 8080-8090 i firewallen til den nye server.",
                                  "Certifikatet udløber 2026-11-30; forny det i portalen.",
                                  "Hi Anders, please restart the print server PRN-03.",
                                  "Tak for sidst. Genstart printserveren PRN-03 og tøm køen.",
                                  "Urgent: the backup job has failed every night since Monday.",
                                  "Opdater TODO-listen i Jira for teamet.",
                                  "Feltet står som n/a i lønsystemet; ret det til 37 timer."])
def test_numbers_and_pleasantries_inside_a_real_description_are_kept(text):
    assert judge(text, 15) is Verdict.OK


def test_only_case_and_task_numbers_with_their_prefix_count_as_references():
    assert judge("Ret SAG 2611-0042", 15) is Verdict.NOT_A_DESCRIPTION  # "ret" is all there is
    assert judge("Ret port 2611-0042", 15) is Verdict.OK  # no case prefix: a range of ports
    assert judge("Luk HD 2611-0042 nu", 15, ("HD",)) is Verdict.NOT_A_DESCRIPTION  # a configured case prefix
    assert judge("Luk HD 2611-0042 nu", 15) is Verdict.OK


def test_a_short_text_is_too_short_and_a_long_pointer_is_no_description():
    assert judge("Genstart", 15) is Verdict.TOO_SHORT
    assert judge("Se sag SAG 2611-0042 — som aftalt", 15) is Verdict.NOT_A_DESCRIPTION


@pytest.mark.parametrize("text", ["Genstart printserveren i Vejle og tjek køen bagefter.",
                                  "Opret brugeren i AD, se sag SAG 2611-0042 for navnet.",
                                  "Please reset the VPN certificate for the user."])
def test_a_real_description_passes(text):
    assert judge(text, 15) is Verdict.OK


def test_a_refused_description_names_the_field_and_says_why():
    with pytest.raises(ValidationFailed) as refused:
        require_description("se sag", 15)
    assert "description" in refused.value.errors


def test_the_minimum_length_is_a_setting():
    assert judge("Ring til Bo", 5) is Verdict.OK
    assert judge("Ring til Bo", 15) is Verdict.TOO_SHORT


def task_of(team_id="drift", created_by="creator", approver_id=None, assignee_id=None):
    return SimpleNamespace(team_id=team_id, created_by=created_by, approver_id=approver_id, assignee_id=assignee_id)


def who(*roles, user_id="u", teams=(), dispatches=()):
    return Identity(user_id=user_id, roles=frozenset(roles), team_ids=frozenset(teams),
                    dispatcher_team_ids=frozenset(dispatches))


@pytest.mark.parametrize("identity, allowed", [
    (who("agent", teams=["drift"]), True),
    (who("dispatcher", dispatches=["drift"]), True),
    (who("agent", user_id="creator", teams=["support"]), True),
    (who("agent", user_id="approver"), True),
    (who("agent", user_id="assignee"), True),
    (who("admin"), True),
    (who("agent", teams=["support"]), False),
    (who("dispatcher", dispatches=["support"], teams=["support"]), False),
    (who("requester", user_id="creator"), False),
    (who("service", user_id="service:notify"), False),
])
def test_who_may_change_a_task(identity, allowed):
    assert may_change(identity, task_of(approver_id="approver", assignee_id="assignee")) is allowed


def test_staff_and_services_read_tasks_but_requesters_do_not_and_services_do_not_create():
    assert may_read(who("agent")) and may_read(who("service"))
    assert not may_read(who("requester"))
    assert may_create(who("agent")) and not may_create(who("service")) and not may_create(who("requester"))


def test_only_the_approver_or_an_admin_may_change_a_set_approver():
    task = task_of(approver_id="approver")
    assert may_change_approver(who("agent", user_id="approver"), task)
    assert may_change_approver(who("admin"), task)
    assert not may_change_approver(who("agent", teams=["drift"]), task)
    assert not may_change_approver(who("agent", user_id="creator"), task)
    assert may_change_approver(who("agent", user_id="creator"), task_of(approver_id=None))
