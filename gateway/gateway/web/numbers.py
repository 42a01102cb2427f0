"""Quick open by number (seed 001: Ctrl+O and ``TSK<nr>``): tell a case number from a task number."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"^\s*(?P<prefix>[A-Za-zÆØÅæøå]*)\s*[-:]?\s*(?P<serial>\d{4}-\d{4,})\s*$")


@dataclass(frozen=True)
class NumberQuery:
    kind: str  # "case", "task" or "either" (no prefix given)
    number: str  # as the API's by-number look-ups accept it: "SAG 2611-0042" or "2611-0042"


def parse_number(text: str, *, task_prefix: str = "TSK") -> NumberQuery | None:
    """``SAG 2611-0042``, ``sag2611-0042``, ``TSK2611-0007`` or ``2611-0042``; None when it is no number."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    prefix, serial = match.group("prefix").upper(), match.group("serial")
    if not prefix:
        return NumberQuery("either", serial)
    kind = "task" if prefix == task_prefix.upper() else "case"
    return NumberQuery(kind, f"{prefix} {serial}")
