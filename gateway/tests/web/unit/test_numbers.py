"""Quick open by number: the forms people type (seed 001: Ctrl+O and TSK<nr>), and what each may name."""

import pytest

from gateway.web.numbers import CASE, TASK, NumberQuery, parse_number

PREFIXES = {"case_prefix": "SAG", "task_prefix": "TSK"}


@pytest.mark.parametrize("typed, expected", [
    ("SAG 2611-0042", NumberQuery("SAG", "2611-0042")),
    ("sag2611-0042", NumberQuery("SAG", "2611-0042")),
    ("  Sag 2611-12345 ", NumberQuery("SAG", "2611-12345")),
    ("SAM 2404-1030", NumberQuery("SAM", "2404-1030")),
    ("TSK2611-0007", NumberQuery("TSK", "2611-0007")),
    ("tsk 2611-0007", NumberQuery("TSK", "2611-0007")),
    ("2611-0042", NumberQuery("", "2611-0042")),
])
def test_case_and_task_numbers_are_recognised_in_any_spelling(typed, expected):
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed, kinds", [
    ("SAG 2611-0042", (CASE,)),
    ("tsk2611-0007", (TASK,)),
    ("2611-0042", (CASE, TASK)),  # no prefix: either
    ("OPG 2611-0007", (CASE, TASK)),  # a prefix of before a change of configuration: either
])
def test_only_a_current_prefix_decides_between_case_and_task(typed, kinds):
    assert parse_number(typed).kinds(**PREFIXES) == kinds


def test_the_prefixes_follow_the_configuration():
    assert parse_number("OPG2611-0007").kinds(case_prefix="SAG", task_prefix="OPG") == (TASK,)
    assert parse_number("TSK2611-0007").kinds(case_prefix="SAG", task_prefix="OPG") == (CASE, TASK)
    assert parse_number("SAG2611-0007").kinds(case_prefix="SAG", task_prefix="SAG") == (CASE, TASK)


def test_each_service_is_asked_in_the_form_its_look_up_takes():
    assert parse_number("2611-0042").case_number(case_prefix="sag") == "SAG 2611-0042"
    assert parse_number("sam 2404-1030").case_number(case_prefix="SAG") == "SAM 2404-1030"
    assert parse_number("ÆØÅ 2611-0007").task_number == "2611-0007"  # tasks ignore the prefix


@pytest.mark.parametrize("typed", ["", "printer virker ikke", "SAG", "2611", "SAG 26-0042", "SAG 2611-42"])
def test_text_that_is_no_number_is_not_taken_for_one(typed):
    assert parse_number(typed) is None
