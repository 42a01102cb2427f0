"""Optimistic concurrency for admin changes: ``If-Match: <version>`` refuses a lost update."""

from __future__ import annotations

from servicekit import errors

from ..i18n import _


def parse_if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names (bare, quoted or weak); None when absent or ``*``."""
    if not header or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise errors.BadRequest(_("If-Match must name a version number.")) from None


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise errors.PreconditionFailed(
            _("It was changed by someone else (now version %(version)s). Read it again and retry.",
              version=current)
        )
