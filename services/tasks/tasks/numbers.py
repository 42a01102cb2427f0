"""Task numbers: ``TSK 2611-0007`` (prefix, year and month of creation, a counter per month).

The month is the Danish calendar month (Europe/Copenhagen), so a task made at 00:30 on
1 December belongs to December.  The counter grows past four digits when it must.
Look-ups accept the number with or without the space, in any letter case, with or without
the prefix and with or without the leading zeros (``tsk2611-7``).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

NUMBER_ZONE = ZoneInfo("Europe/Copenhagen")
_LOOKUP = re.compile(r"^\s*([A-Za-z]{0,8})\s*(\d{4})\s*-\s*(\d{1,9})\s*$")


def period_of(moment: datetime) -> str:
    """``YYMM`` of the Danish calendar month ``moment`` falls in."""
    return moment.astimezone(NUMBER_ZONE).strftime("%y%m")


def format_number(prefix: str, period: str, sequence: int) -> str:
    return f"{prefix.upper()} {period}-{sequence:04d}"


def lookup_key(text: str, default_prefix: str) -> str | None:
    """The canonical key of a typed number (``TSK2611-0007``), or None when it is not a task number."""
    match = _LOOKUP.match(text or "")
    if not match:
        return None
    prefix, period, sequence = match.groups()
    return f"{(prefix or default_prefix).upper()}{period}-{int(sequence):04d}"


def key_of(number: str) -> str:
    """The look-up key of a stored number."""
    return number.replace(" ", "").upper()
