"""What a webhook sees of an event unless its subscription says ``include_internal``: no internal text.

The rules are a table, not a list of special cases.  Per event family it names

* the aggregate's fields that hold internal text: blanked in ``data`` and in
  ``changes.<field>.old/new`` (where the old and new values of a change travel);
* the event's own free-text members (a reopening's ``reason``), per event type;
* the nested objects whose text is internal: a task comment always, a case
  message or attachment unless it is ``external``; a message's ``changes.body``
  goes with it.

Every blanked value becomes ``null`` and says so (``<name>_redacted: true``, or
``"redacted": true`` in a change), so a receiver can tell "empty" from "withheld".
Tasks have no external user (seed 001): all their text is internal.  A case's
reopening reason is the requester's own words when the requester (or a
follower) reopened it, and an internal note when staff did - also staff who
follow the case (``is_staff`` says who is staff).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Data = dict[str, Any]
IsStaff = Callable[[str], bool]


def _nobody_is_staff(_user_id: str) -> bool:
    return False


def _always(_item: Mapping[str, Any], _data: Mapping[str, Any]) -> bool:
    return True


def _not_external(item: Mapping[str, Any], _data: Mapping[str, Any]) -> bool:
    return item.get("visibility") != "external"


def _not_from_the_requester_side(_item: Any, data: Mapping[str, Any], is_staff: IsStaff) -> bool:
    customers = {str(i) for i in data.get("follower_ids") or ()} | {str(data.get("requester_id"))}
    actor = data.get("actor_id")
    return not actor or str(actor) not in customers or is_staff(str(actor))


@dataclass(frozen=True)
class Nested:
    """A sub-object of ``data`` (``message``) whose ``texts`` are internal when ``internal`` says so."""

    texts: tuple[str, ...]
    internal: Callable[[Mapping[str, Any], Mapping[str, Any]], bool] = _always
    changes: tuple[str, ...] = ()  # its texts as they may appear in ``changes``


@dataclass(frozen=True)
class FamilyRules:
    fields: tuple[str, ...] = ()
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # event type -> free-text members
    member_internal: Callable[[Any, Mapping[str, Any], IsStaff], bool] = lambda _value, _data, _is_staff: True
    nested: Mapping[str, Nested] = field(default_factory=dict)


INTERNAL_TEXTS: dict[str, FamilyRules] = {
    "task": FamilyRules(
        fields=("description", "solution"),
        members={"task.reopened": ("reason",)},
        nested={"comment": Nested(("body",))},
    ),
    "case": FamilyRules(
        members={"case.reopened": ("reason",)},
        member_internal=_not_from_the_requester_side,
        nested={"message": Nested(("body",), _not_external, changes=("body",)),
                "attachment": Nested(("filename",), _not_external)},
    ),
}


def redact(event_type: str, data: Mapping[str, Any], is_staff: IsStaff = _nobody_is_staff) -> Data:
    """A copy of ``data`` without the internal texts the table names for this event's family."""
    rules = INTERNAL_TEXTS.get(event_type.split(".", 1)[0])
    data = copy.deepcopy(dict(data))
    if rules is None:
        return data
    for name in rules.fields:
        _blank(data, name)
        _blank_change(data, name)
    for name in rules.members.get(event_type, ()):
        if rules.member_internal(data.get(name), data, is_staff):
            _blank(data, name)
    for name, nested in rules.nested.items():
        item = data.get(name)
        if isinstance(item, dict) and nested.internal(item, data):
            for text in nested.texts:
                _blank(item, text)
            for text in nested.changes:
                _blank_change(data, text)
    return data


def _blank(container: Data, name: str) -> None:
    if container.get(name) not in (None, ""):
        container[name] = None
        container[f"{name}_redacted"] = True


def _blank_change(data: Data, name: str) -> None:
    change = (data.get("changes") or {}).get(name)
    if isinstance(change, dict):
        data["changes"][name] = {"old": None, "new": None, "redacted": True}
