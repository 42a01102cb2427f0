"""Pure rules of a case: the status machine, hand-over, priority matrix and case numbers. No I/O.

The status machine is two tables: the statuses an agent may set by hand from each
status (``MANUAL_TRANSITIONS``) and what happens by itself when something occurs
(``AUTOMATIC_TRANSITIONS``).  Everything else in the service asks these tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from servicekit import errors
from servicekit.i18n import N_

from .i18n import _


class Status(StrEnum):
    REGISTERED = "registered"  # Registreret: received, handling not started
    IN_PROGRESS = "in_progress"  # Påbegyndt: handling has started
    ASSIGNED = "assigned"  # Tildelt: given to a specific agent
    WAITING_INTERNAL = "waiting_internal"  # Afventer internt: passed on for internal handling
    WAITING_REQUESTER = "waiting_requester"  # Afventer rekvirent: waiting for the requester's answer
    RESOLVED = "resolved"  # Udført: answered; may be reopened, closes by itself after a while
    CLOSED = "closed"  # Lukket: final


STATUS_LABELS_DA = {
    Status.REGISTERED: "Registreret",
    Status.IN_PROGRESS: "Påbegyndt",
    Status.ASSIGNED: "Tildelt",
    Status.WAITING_INTERNAL: "Afventer internt",
    Status.WAITING_REQUESTER: "Afventer rekvirent",
    Status.RESOLVED: "Udført",
    Status.CLOSED: "Lukket",
}

# The same names in the message catalogue (msgids in English, Danish in translations/da).
STATUS_NAMES = {
    Status.REGISTERED: N_("Registered"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.ASSIGNED: N_("Assigned"),
    Status.WAITING_INTERNAL: N_("Waiting internally"),
    Status.WAITING_REQUESTER: N_("Waiting for the requester"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
}


def status_name(status: str) -> str:
    """The status as a word in the caller's language."""
    return _(STATUS_NAMES[Status(status)])


OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.IN_PROGRESS, Status.ASSIGNED, Status.WAITING_INTERNAL, Status.WAITING_REQUESTER}
)
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})

# The statuses an agent may choose by hand, from each status.  Moving to RESOLVED or CLOSED
# this way runs the same rules as the resolve and close actions.
MANUAL_TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.REGISTERED: frozenset(
        {Status.IN_PROGRESS, Status.ASSIGNED, Status.WAITING_INTERNAL, Status.WAITING_REQUESTER, Status.RESOLVED,
         Status.CLOSED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.ASSIGNED, Status.WAITING_INTERNAL, Status.WAITING_REQUESTER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.ASSIGNED: frozenset(
        {Status.REGISTERED, Status.IN_PROGRESS, Status.WAITING_INTERNAL, Status.WAITING_REQUESTER, Status.RESOLVED,
         Status.CLOSED}
    ),
    Status.WAITING_INTERNAL: frozenset(
        {Status.IN_PROGRESS, Status.ASSIGNED, Status.WAITING_REQUESTER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.WAITING_REQUESTER: frozenset(
        {Status.IN_PROGRESS, Status.ASSIGNED, Status.WAITING_INTERNAL, Status.RESOLVED, Status.CLOSED}
    ),
    # Reopening: back to work; or closing.
    Status.RESOLVED: frozenset({Status.REGISTERED, Status.IN_PROGRESS, Status.ASSIGNED, Status.CLOSED}),
    Status.CLOSED: frozenset(),  # final
}


class Trigger(StrEnum):
    ASSIGNEE_SET = "assignee_set"
    ASSIGNEE_CLEARED = "assignee_cleared"
    REQUESTER_REPLIED = "requester_replied"
    REOPENED = "reopened"
    AUTO_CLOSE_DUE = "auto_close_due"


# What happens by itself.  A (trigger, status) pair that is not here changes nothing.
AUTOMATIC_TRANSITIONS: Mapping[tuple[Trigger, Status], Status] = {
    (Trigger.ASSIGNEE_SET, Status.REGISTERED): Status.ASSIGNED,
    (Trigger.ASSIGNEE_CLEARED, Status.ASSIGNED): Status.REGISTERED,
    (Trigger.REQUESTER_REPLIED, Status.WAITING_REQUESTER): Status.IN_PROGRESS,
    (Trigger.REQUESTER_REPLIED, Status.RESOLVED): Status.IN_PROGRESS,
    (Trigger.REOPENED, Status.RESOLVED): Status.IN_PROGRESS,
    (Trigger.AUTO_CLOSE_DUE, Status.RESOLVED): Status.CLOSED,
}


def is_open(status: str) -> bool:
    return Status(status) in OPEN_STATUSES


def automatic_transition(trigger: Trigger, status: str) -> Status | None:
    """The status ``trigger`` moves a case in ``status`` to, or None when it changes nothing."""
    return AUTOMATIC_TRANSITIONS.get((trigger, Status(status)))


def check_may_change(status: str) -> None:
    """A closed case is final: none of its fields change any more (409)."""
    if Status(status) == Status.CLOSED:
        raise errors.InvalidTransition(_("The case is closed, and a closed case cannot be changed."))


def check_may_write(status: str) -> None:
    """Nothing new is written or attached on a closed case: the conversation goes on in a new case (409)."""
    if Status(status) == Status.CLOSED:
        raise errors.InvalidTransition(_("The case is closed; write a new case instead."))


def check_manual_transition(current: str, target: str) -> None:
    """Refuse a hand-made status change the machine does not allow (409)."""
    current_status, target_status = Status(current), Status(target)
    if current_status == target_status:
        return
    check_may_change(current)
    if target_status not in MANUAL_TRANSITIONS[current_status]:
        raise errors.InvalidTransition(
            _("A case cannot go from %(current)s to %(target)s.", current=status_name(current_status),
              target=status_name(target_status))
        )


def reopen_status(status: str) -> Status:
    """Where a reopened case goes; only a resolved case can be reopened."""
    if Status(status) == Status.CLOSED:
        raise errors.InvalidTransition(_("A closed case cannot be reopened. Create a new case instead."))
    target = automatic_transition(Trigger.REOPENED, status)
    if target is None:
        raise errors.InvalidTransition(_("Only a resolved case can be reopened."))
    return target


def assignee_for_status(status: str, assignee_id: str | None, *, named: bool) -> str | None:
    """A case set back to registered by hand loses its agent (back in the queue), unless the change names one."""
    if Status(status) == Status.REGISTERED and not named:
        return None
    return assignee_id


def check_assignment(status: str, assignee_id: str | None) -> None:
    """An assigned case has an agent, and a registered one has none yet (422)."""
    if Status(status) == Status.ASSIGNED and not assignee_id:
        message = _("An assigned case needs an agent.")
        raise errors.ValidationFailed(message, errors={"assignee_id": [message]})
    if Status(status) == Status.REGISTERED and assignee_id:
        message = _("A registered case has no agent yet: choose another status, or leave the agent out.")
        raise errors.ValidationFailed(message, errors={"assignee_id": [message]})


def status_after_assignment(status: str, old_assignee: str | None, new_assignee: str | None) -> Status:
    """Setting an agent on a registered case makes it assigned; removing the agent of an assigned one undoes it."""
    if new_assignee and not old_assignee:
        return automatic_transition(Trigger.ASSIGNEE_SET, status) or Status(status)
    if old_assignee and not new_assignee:
        return automatic_transition(Trigger.ASSIGNEE_CLEARED, status) or Status(status)
    return Status(status)


# -- who may close: the hand-over rule of seed 001 --------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """A case moved away from the team that owns it remembers that team and the agent who moved it."""

    from_team_id: str
    by_id: str | None


def handover_after_team_change(current: Handover | None, old_team: str | None, new_team: str | None,
                               actor_id: str | None) -> Handover | None:
    """The hand-over state after a case moves from ``old_team`` to ``new_team``."""
    if new_team == old_team:
        return current
    if current is not None:
        return None if new_team == current.from_team_id else current
    if old_team is None:
        return None
    return Handover(from_team_id=old_team, by_id=actor_id)


@dataclass(frozen=True)
class ReturnToOwner:
    team_id: str
    assignee_id: str | None


def resolution_route(handover: Handover | None, resolver_in_owning_team: bool, created_by: str | None,
                     created_by_is_staff: bool) -> ReturnToOwner | None:
    """A handed-over case resolved by the receiving team goes back to the owning team and its agent."""
    if handover is None or resolver_in_owning_team:
        return None
    agent = handover.by_id or (created_by if created_by_is_staff else None)
    return ReturnToOwner(team_id=handover.from_team_id, assignee_id=agent)


class Closer(StrEnum):
    REQUESTER = "requester"
    AGENT = "agent"
    ADMIN = "admin"
    SYSTEM = "system"


def closer_of(*, system: bool, staff: bool, admin: bool, requester: bool) -> Closer:
    """Who is closing; of the requester's side only the requester may close (their own case: regret)."""
    if system:
        return Closer.SYSTEM
    if not staff:
        if not requester:
            raise errors.Forbidden(_("Only the requester may close their case."))
        return Closer.REQUESTER
    return Closer.ADMIN if admin else Closer.AGENT


def owning_team_after(owner: str | None, handover: Handover | None) -> str | None:
    """The team that owns a case: the one that handed it over, for good, also once the case is back home."""
    return owner or (handover.from_team_id if handover else None)


def check_may_close(status: str, closer: Closer, owning_team_id: str | None, handed_over: bool,
                    closer_in_owning_team: bool) -> None:
    """Closing rules apart from blocking tasks (the caller counts those).

    A case that was ever handed over is closed only by its owning team (or an admin, the requester,
    the system); one never handed over has no owning team and is closed by any agent.
    """
    if Status(status) == Status.CLOSED:
        return
    if closer == Closer.SYSTEM and Status(status) != Status.RESOLVED:
        raise errors.InvalidTransition(_("Only a resolved case closes by itself."))
    if closer != Closer.AGENT or owning_team_id is None or closer_in_owning_team:
        return
    if handed_over:
        raise errors.Forbidden(
            _("This case was handed over from another team; only that team may close it. Resolve it to send it back.")
        )
    raise errors.Forbidden(_("This case belongs to the team that handed it over; only that team may close it."))


# -- merging ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeParty:
    """What the merge rules need of each case."""

    status: str
    organisation_id: str | None
    requester_id: str | None


def check_mergeable(source: MergeParty, target: MergeParty) -> None:
    """Cases merge only when open and when the source's people may see the target (they follow it after)."""
    if Status.CLOSED in (Status(source.status), Status(target.status)):
        raise errors.InvalidTransition(_("Closed cases cannot be merged."))
    if source.organisation_id != target.organisation_id:
        raise _into_error(_("Only cases of the same organisation can be merged."))
    if source.organisation_id is None and source.requester_id != target.requester_id:
        raise _into_error(_("Cases of different requesters outside any organisation cannot be merged: "
                            "neither may see the other's case."))


def _into_error(message: str) -> errors.ValidationFailed:
    return errors.ValidationFailed(message, errors={"into_id": [message]})


# -- attachments ------------------------------------------------------------------------------------

FILE_VISIBILITIES = ("external", "internal")


def attachment_visibility(by_staff: bool, message_visibility: str | None, requested: str | None) -> str:
    """Who may see a file: that of its message; a loose file from the requester's side is external, and one
    from staff internal unless they say otherwise (a file an agent drops on a case is a working file)."""
    if message_visibility is not None:
        if requested not in (None, message_visibility):
            message = _("A file on a message has the visibility of its message.")
            raise errors.ValidationFailed(message, errors={"visibility": [message]})
        return message_visibility
    if not by_staff:
        if requested not in (None, "external"):
            raise errors.Forbidden(_("Only staff may add internal files."))
        return "external"
    return requested or "internal"


# -- priority ---------------------------------------------------------------------------------------


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
STATUS_RANK = {status: rank for rank, status in enumerate(Status)}

# urgency -> impact -> priority (the contract's default).
DEFAULT_PRIORITY_MATRIX: dict[str, dict[str, str]] = {
    "high": {"high": "critical", "medium": "high", "low": "normal"},
    "medium": {"high": "high", "medium": "normal", "low": "low"},
    "low": {"high": "normal", "medium": "low", "low": "low"},
}


def priority_for(urgency: str, impact: str, matrix: Mapping[str, Mapping[str, str]] | None = None) -> Priority:
    table = matrix or DEFAULT_PRIORITY_MATRIX
    return Priority(table[Level(urgency).value][Level(impact).value])


def matrix_problems(matrix: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What is wrong with a priority matrix: every urgency × impact pair needs a known priority."""
    problems = []
    for urgency in Level:
        row = matrix.get(urgency.value)
        if not isinstance(row, Mapping):
            problems.append(f"{urgency.value}: missing")
            continue
        for impact in Level:
            value = row.get(impact.value)
            if value not in {p.value for p in Priority}:
                problems.append(f"{urgency.value}.{impact.value}: {value!r}")
        problems.extend(f"{urgency.value}.{extra}: unknown impact" for extra in set(row) - {i.value for i in Level})
    problems.extend(f"{extra}: unknown urgency" for extra in set(matrix) - {u.value for u in Level})
    return problems


# -- case numbers: "SAG 2611-0042" ---------------------------------------------------------------------

_NUMBER = re.compile(r"^([A-Z]{1,10})(\d{4})-(\d{1,9})$")


def number_period(moment: datetime, timezone: str) -> str:
    """The YYMM part of a number, on the organisation's clock."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%y%m")


def format_number(prefix: str, period: str, counter: int) -> str:
    return f"{prefix} {period}-{counter:04d}"


def number_key(text: str) -> str | None:
    """A number as typed ("sag2611-42", "SAG 2611-0042") in the one form stored for look-ups, or None."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _NUMBER.match(compact)
    if not match:
        return None
    prefix, period, counter = match.groups()
    return f"{prefix}{period}-{int(counter):04d}"


# -- user text --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Plain text as stored: unified line breaks, no control characters, no surrounding blank space."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
