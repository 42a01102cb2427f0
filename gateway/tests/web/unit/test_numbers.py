"""Quick open by number: the forms people type (seed 001: Ctrl+O and TSK<nr>)."""

import pytest

from gateway.web.numbers import NumberQuery, parse_number


@pytest.mark.parametrize("typed, expected", [
    ("SAG 2611-0042", NumberQuery("case", "SAG 2611-0042")),
    ("sag2611-0042", NumberQuery("case", "SAG 2611-0042")),
    ("  Sag 2611-12345 ", NumberQuery("case", "SAG 2611-12345")),
    ("SAM 2404-1030", NumberQuery("case", "SAM 2404-1030")),
    ("TSK2611-0007", NumberQuery("task", "TSK 2611-0007")),
    ("tsk 2611-0007", NumberQuery("task", "TSK 2611-0007")),
    ("2611-0042", NumberQuery("either", "2611-0042")),
])
def test_case_and_task_numbers_are_recognised_in_any_spelling(typed, expected):
    assert parse_number(typed) == expected


def test_the_task_prefix_follows_the_configuration():
    assert parse_number("OPG2611-0007", task_prefix="OPG") == NumberQuery("task", "OPG 2611-0007")
    assert parse_number("TSK2611-0007", task_prefix="OPG").kind == "case"


@pytest.mark.parametrize("typed", ["", "printer virker ikke", "SAG", "2611", "SAG 26-0042", "SAG 2611-42"])
def test_text_that_is_no_number_is_not_taken_for_one(typed):
    assert parse_number(typed) is None
