"""Task numbers: ``TSK 2611-0007`` (prefix, year and month of creation, a counter per month).

The month is the Danish calendar month (Europe/Copenhagen), so a task made at 00:30 on
1 December belongs to December.  The counter grows past four digits when it must.

A task is found by its ``YYMM-NNNN`` part alone (its key, ``2611-0007``): the counter belongs to the
month, not to the prefix, so that part is unique however often ``TASK_NUMBER_PREFIX`` has changed.
Look-ups accept the number with or without the space, in any letter case, with any prefix or none
and with or without the leading zeros (``tsk2611-7``, ``OPG 2611-0007``, ``2611-7``).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

NUMBER_ZONE = ZoneInfo("Europe/Copenhagen")
_LOOKUP = re.compile(r"^\s*[A-Za-z]{0,8}\s*(\d{4})\s*-\s*(\d{1,9})\s*$")


def period_of(moment: datetime) -> str:
    """``YYMM`` of the Danish calendar month ``moment`` falls in."""
    return moment.astimezone(NUMBER_ZONE).strftime("%y%m")


def format_number(prefix: str, period: str, sequence: int) -> str:
    return f"{prefix.upper()} {period}-{sequence:04d}"


def key_of(period: str, sequence: int) -> str:
    """The look-up key of the number ``sequence`` of ``period``, whatever its prefix: ``2611-0007``."""
    return f"{period}-{sequence:04d}"


def lookup_key(text: str) -> str | None:
    """The key of a typed number (``2611-0007``), or None when it is not a task number."""
    match = _LOOKUP.match(text or "")
    if not match:
        return None
    period, sequence = match.groups()
    return key_of(period, int(sequence))
