"""Who hears what: the one table of notices (pure rules, no I/O).

Each event type maps to the rules that may fire for it.  A rule names the
notice ``kind`` (which is also its template, its preference switch and its
in-app title), the audience, whether the notice is mandatory (a user cannot
turn it off) and its channels.  Two rules hold for every notice:

* nobody is told of their own action (the actor, or the author of a message,
  is left out) - except the receipt, the requester's proof of the case number;
* what comes from an internal message or a task never reaches a requester or a
  follower: such rules (``internal``) only name staff audiences, and
  ``recipients`` removes the case's requester and followers from them once more.

Notices for staff alone (``staff_only``, and every ``internal`` one) are not
offered to requesters in their notification settings.  A rule's ``files`` names
the visibilities of the message's files its mail carries: a reply carries only
external files; a forward carries the files the agent chose, whatever theirs.

Mandatory kinds (see docs/architecture.md, "Notifications"): the receipt, a
staff reply to one's own or followed case, "we wait for your answer", "your
case is resolved", a case shared with you, the mail to external parties and
the approver's "task resolved".  Everything else may be turned off per channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

EMAIL, IN_APP = "email", "in_app"
CHANNELS = (EMAIL, IN_APP)

# audiences
REQUESTER = "requester"
FOLLOWERS = "followers"
ASSIGNEE = "assignee"
ASSIGNEE_OR_TEAM = "assignee_or_team"
TEAM = "team"
SHARED_USER = "shared_user"
APPROVER = "approver"
TASK_PEOPLE = "task_people"  # assignee, approver and creator of a task
EXTERNAL_PARTIES = "external_parties"  # the to/cc of a forward

CUSTOMER_AUDIENCES = frozenset({REQUESTER, FOLLOWERS, SHARED_USER})

# visibilities of messages and files
EXTERNAL, INTERNAL = "external", "internal"


def _always(_data: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    kind: str
    audience: tuple[str, ...]
    mandatory: bool = False
    channels: tuple[str, ...] = CHANNELS
    when: Callable[[Mapping[str, Any]], bool] = _always
    notify_actor: bool = False  # only the receipt
    staff_only: bool = False  # for staff: not offered to requesters in their settings
    internal: bool = False  # internal content: the case's requester and followers are removed, whatever their role
    key: str = "event"  # "event": one notice per event; else one per aggregate version and this topic
    files: tuple[str, ...] = ()  # the visibilities of the message's files its mail carries


# -- conditions on the event's data -----------------------------------------------------------------


def _message(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return data.get("message") or {}


def _customer_ids(data: Mapping[str, Any]) -> set[str]:
    ids = {str(i) for i in data.get("follower_ids") or ()}
    if data.get("requester_id"):
        ids.add(str(data["requester_id"]))
    return ids


def from_customer(data: Mapping[str, Any]) -> bool:
    """Written by the requester or a follower who is not staff (``author_is_staff``: see ``service.notices``)."""
    return str(_message(data).get("author_id")) in _customer_ids(data) and not data.get("author_is_staff")


def is_external(data: Mapping[str, Any]) -> bool:
    return _message(data).get("visibility") == EXTERNAL


def external_from_staff(data: Mapping[str, Any]) -> bool:
    return is_external(data) and not from_customer(data)


def external_from_customer(data: Mapping[str, Any]) -> bool:
    return is_external(data) and from_customer(data)


def internal_note(data: Mapping[str, Any]) -> bool:
    message = _message(data)
    return message.get("visibility") == INTERNAL and message.get("via") != "forward"


def status_is(*statuses: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda data: data.get("status") in statuses


def changed(field_name: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda data: field_name in (data.get("changes") or {})


def assignee_set(data: Mapping[str, Any]) -> bool:
    return changed("assignee_id")(data) and bool(data.get("assignee_id"))


def team_queue(data: Mapping[str, Any]) -> bool:
    """Moved to a team and nobody in it has it yet."""
    return changed("team_id")(data) and not data.get("assignee_id")


def _both(*conditions: Callable[[Mapping[str, Any]], bool]) -> Callable[[Mapping[str, Any]], bool]:
    return lambda data: all(c(data) for c in conditions)


OTHER_STATUSES = ("registered", "in_progress", "assigned", "waiting_internal")

STATUS_RULES = (
    Rule("case_waiting", (REQUESTER, FOLLOWERS), mandatory=True, when=status_is("waiting_requester"), key="status"),
    Rule("case_resolved", (REQUESTER, FOLLOWERS), mandatory=True, when=status_is("resolved"), key="status"),
    Rule("case_closed", (REQUESTER, FOLLOWERS), when=status_is("closed"), key="status"),
    Rule("case_status", (REQUESTER, FOLLOWERS), when=status_is(*OTHER_STATUSES), key="status"),
)
ASSIGNMENT_RULES = (
    Rule("case_assigned", (ASSIGNEE,), when=assignee_set, key="assignment", staff_only=True),
    Rule("case_team_queue", (TEAM,), when=team_queue, key="assignment", staff_only=True),
)

RULES: dict[str, tuple[Rule, ...]] = {
    "case.created": (
        Rule("case_receipt", (REQUESTER,), mandatory=True, channels=(EMAIL,), notify_actor=True),
        Rule("case_new", (TEAM,), staff_only=True),
    ),
    "case.status_changed": STATUS_RULES,
    "case.resolved": STATUS_RULES,
    "case.reopened": STATUS_RULES,
    "case.closed": STATUS_RULES,
    "case.assigned": ASSIGNMENT_RULES,
    "case.updated": tuple(replace(r, when=_both(changed("status"), r.when)) for r in STATUS_RULES) + ASSIGNMENT_RULES,
    "case.message_added": (
        Rule("case_reply", (REQUESTER, FOLLOWERS), mandatory=True, when=external_from_staff, files=(EXTERNAL,)),
        Rule("case_customer_message", (ASSIGNEE_OR_TEAM,), when=external_from_customer, staff_only=True,
             files=(EXTERNAL,)),
        Rule("case_internal_note", (ASSIGNEE,), channels=(IN_APP, EMAIL), when=internal_note, internal=True),
    ),
    "case.shared": (Rule("case_shared", (SHARED_USER,), mandatory=True),),
    "case.merged": (Rule("case_merged", (REQUESTER, FOLLOWERS)),),
    "case.forwarded": (Rule("case_forward", (EXTERNAL_PARTIES,), mandatory=True, channels=(EMAIL,),
                            files=(EXTERNAL, INTERNAL)),),  # the files the agent chose to send
    "task.created": (Rule("task_assigned", (ASSIGNEE_OR_TEAM,), internal=True),),
    "task.assigned": (
        Rule("task_assigned", (ASSIGNEE_OR_TEAM,), internal=True,
             when=lambda d: changed("assignee_id")(d) or changed("team_id")(d)),
    ),
    "task.resolved": (Rule("task_resolved", (APPROVER,), mandatory=True, internal=True),),
    "task.returned": (Rule("task_returned", (ASSIGNEE_OR_TEAM,), internal=True),),
    "task.reopened": (Rule("task_reopened", (ASSIGNEE_OR_TEAM,), internal=True),),
    "task.commented": (Rule("task_commented", (TASK_PEOPLE,), internal=True),),
    "sla.warning": (Rule("sla_warning", (ASSIGNEE, TEAM), staff_only=True),),
    "sla.breached": (Rule("sla_breached", (ASSIGNEE, TEAM), staff_only=True),),
}

MANDATORY_KINDS = frozenset(r.kind for rules in RULES.values() for r in rules if r.mandatory)
ALL_KINDS = tuple(dict.fromkeys(r.kind for rules in RULES.values() for r in rules))
KIND_CHANNELS: dict[str, tuple[str, ...]] = {r.kind: r.channels for rules in RULES.values() for r in rules}
STAFF_KINDS = frozenset(r.kind for rules in RULES.values() for r in rules if r.staff_only or r.internal)
# The visibilities of the message's files each kind's mail carries (kinds not named carry none).
KIND_FILES: dict[str, tuple[str, ...]] = {r.kind: r.files for rules in RULES.values() for r in rules if r.files}
# Kinds mailed to people outside the system: a link to the case does not open for them, so their files
# always go attached, whatever their size.
OUTSIDE_KINDS = frozenset(r.kind for rules in RULES.values() for r in rules if EXTERNAL_PARTIES in r.audience)


def rules_for(event_type: str, data: Mapping[str, Any]) -> list[Rule]:
    return [rule for rule in RULES.get(event_type, ()) if rule.when(data)]


# -- who exactly -----------------------------------------------------------------------------------


class Directory(Protocol):
    def team_member_ids(self, team_id: str) -> list[str]: ...

    def team_address(self, team_id: str) -> str | None: ...


@dataclass(frozen=True)
class Recipients:
    """Who one rule reaches.

    ``user_ids`` get the notice on every channel; a team with its own mailbox
    gets one mail there (``team_ids_by_mail``) and its members only the in-app
    notice (``in_app_only_ids``); ``addresses`` are external parties.
    """

    user_ids: tuple[str, ...] = ()
    in_app_only_ids: tuple[str, ...] = ()
    team_ids_by_mail: tuple[str, ...] = ()
    addresses: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.in_app_only_ids or self.team_ids_by_mail or self.addresses)


def actor_of(event_type: str, data: Mapping[str, Any]) -> str | None:
    if event_type == "case.message_added":
        return _message(data).get("author_id") or data.get("actor_id")
    if event_type == "task.commented":
        return (data.get("comment") or {}).get("author_id") or data.get("actor_id")
    return data.get("actor_id")


def _task_people(data: Mapping[str, Any]) -> list[str]:
    return [data.get("assignee_id"), data.get("approver_id"), data.get("created_by")]


def _audience_ids(audience: str, data: Mapping[str, Any], directory: Directory) -> tuple[list[str], list[str]]:
    """(user ids, team ids) of one audience."""
    team_id = data.get("team_id")
    if audience == REQUESTER:
        return [data.get("requester_id")], []
    if audience == FOLLOWERS:
        return list(data.get("follower_ids") or ()), []
    if audience == ASSIGNEE:
        return [data.get("assignee_id")], []
    if audience == TEAM:
        return [], [team_id]
    if audience == ASSIGNEE_OR_TEAM:
        return ([data["assignee_id"]], []) if data.get("assignee_id") else ([], [team_id])
    if audience == SHARED_USER:
        return [data.get("user_id")], []
    if audience == APPROVER:
        return [data.get("approver_id")], []
    if audience == TASK_PEOPLE:
        return _task_people(data), []
    raise ValueError(f"unknown audience {audience}")


def recipients(rule: Rule, event_type: str, data: Mapping[str, Any], directory: Directory) -> Recipients:
    """The people (and team mailboxes, and external addresses) one rule reaches for one event."""
    if EXTERNAL_PARTIES in rule.audience:
        message = data.get("message") or {}
        addresses = [a for a in (*(message.get("to") or ()), *(message.get("cc") or ())) if a]
        return Recipients(addresses=tuple(dict.fromkeys(addresses)))
    users: list[str] = []
    in_app_only: list[str] = []
    mailbox_teams: list[str] = []
    for audience in rule.audience:
        user_ids, team_ids = _audience_ids(audience, data, directory)
        users.extend(user_ids)
        for team_id in filter(None, team_ids):
            if directory.team_address(team_id):
                mailbox_teams.append(team_id)
                in_app_only.extend(directory.team_member_ids(team_id))
            else:
                users.extend(directory.team_member_ids(team_id))
    excluded: set[str] = set()
    actor = actor_of(event_type, data)
    if actor and not rule.notify_actor:
        excluded.add(str(actor))
    if rule.internal and event_type.startswith("case."):
        excluded |= _customer_ids(data)
    kept = _unique(users, excluded)
    return Recipients(user_ids=kept, in_app_only_ids=_unique(in_app_only, excluded | set(kept)),
                      team_ids_by_mail=tuple(dict.fromkeys(mailbox_teams)))


def _unique(ids: Iterable[str | None], excluded: set[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(i) for i in ids if i and str(i) not in excluded))


def notice_key(rule: Rule, event_type: str, event_id: str, subject: str, data: Mapping[str, Any]) -> str:
    """What makes a notice unique: the event, or (for status and assignment) the aggregate's version.

    The cases service may announce one change under more than one type (``case.status_changed``
    and ``case.resolved``); keyed by version, they make one notice.
    """
    if rule.key == "event":
        return f"{rule.kind}:{event_id}"
    aggregate = event_type.split(".", 1)[0]
    return f"{aggregate}:{subject}:{rule.key}:{data.get('version')}"


def visible_channels(kind: str, chosen: Iterable[tuple[str, bool]]) -> dict[str, bool]:
    """The channels of ``kind`` with the user's choices applied (mandatory kinds always on)."""
    result = {channel: True for channel in KIND_CHANNELS.get(kind, CHANNELS)}
    if kind in MANDATORY_KINDS:
        return result
    for channel, enabled in chosen:
        if channel in result:
            result[channel] = enabled
    return result
