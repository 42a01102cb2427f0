"""Quick open by number (seed 001: Ctrl+O and ``TSK<nr>``): what a typed number may name.

The prefixes change with the configuration (``CASE_NUMBER_PREFIX``, ``TASK_NUMBER_PREFIX``), and numbers made
before a change keep their old prefix. So only the current prefixes decide: a number with the current case
prefix is a case, one with the current task prefix a task, and one with any other prefix or none may be
either (the tasks service finds a task by its ``YYMM-NNNN`` part whatever the prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

_NUMBER = re.compile(r"^\s*(?P<prefix>[A-Za-zÆØÅæøå]*)\s*[-:]?\s*(?P<serial>\d{4}-\d{4,})\s*$")
CASE, TASK = "case", "task"


def case_prefix() -> str:
    return current_app.extensions["servicekit"].settings.case_number_prefix


def task_prefix() -> str:
    return current_app.extensions["servicekit"].settings.task_number_prefix


@dataclass(frozen=True)
class NumberQuery:
    prefix: str  # as typed, in capitals; "" when none was typed
    serial: str  # the YYMM-NNNN part: "2611-0042"

    def kinds(self, *, case_prefix: str, task_prefix: str) -> tuple[str, ...]:
        """What the number may name, in the order to try: a case, a task, or (another prefix, none) both."""
        case, task = case_prefix.upper(), task_prefix.upper()
        if case != task and self.prefix in (case, task):
            return (CASE,) if self.prefix == case else (TASK,)
        return (CASE, TASK)

    def case_number(self, *, case_prefix: str) -> str:
        """As the cases service's look-up takes it: the typed prefix, else the current one."""
        return f"{self.prefix or case_prefix.upper()} {self.serial}"

    @property
    def task_number(self) -> str:
        """As the tasks service's look-up takes it: the YYMM-NNNN part finds the task whatever its prefix."""
        return self.serial


def parse_number(text: str) -> NumberQuery | None:
    """``SAG 2611-0042``, ``sag2611-0042``, ``TSK2611-0007`` or ``2611-0042``; None when it is no number."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    return NumberQuery(match.group("prefix").upper(), match.group("serial"))
