"""The history timeline of a case in words: every change with the labels, names and numbers people know.

The cases API keeps each change as ``{field, old, new}`` with codes and ids; this turns an entry into a
line of the timeline (a field changed from one value to another, or a sentence for what is no field:
created, a message, an attachment, a merge), and leaves out the bookkeeping no person needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..i18n import _
from . import labels
from .client import page_api
from .formatting import parse_time, when

# Kept by the service for its own use; the timeline says the same with the status and its actor.
HIDDEN_FIELDS = frozenset({"updated_at", "updated_by", "version", "handed_over_by_id", "open_blocking_tasks"})
PEOPLE_FIELDS = ("assignee_id", "requester_id", "created_by")
CASE_FIELDS = ("parent_id", "merged_into_id", "related_case_id")


@dataclass(frozen=True)
class Names:
    """What the page knows by name: people, teams, cases (their numbers) and organisations, by id."""

    people: dict[str, str]
    teams: dict[str, str]
    cases: dict[str, str]
    organisations: dict[str, str]


@dataclass(frozen=True)
class HistoryLine:
    at: Any
    actor_id: str | None
    field: str | None = None  # the field's label when a field changed
    old: str = ""
    new: str = ""
    sentence: str | None = None  # what happened, for entries that are no field change
    task_id: str | None = None  # a task's event: the task the sentence is about, linked after it
    task_name: str = ""


def ids_to_name(entries: Iterable[dict]) -> dict[str, set[str]]:
    """The people, cases and organisations the entries name, to be looked up once for the whole timeline."""
    wanted: dict[str, set[str]] = {"people": set(), "cases": set(), "organisations": set()}
    for entry in entries:
        values = [entry.get("old"), entry.get("new")]
        field = entry.get("field")
        if entry.get("actor_id"):
            wanted["people"].add(str(entry["actor_id"]))
        if field in PEOPLE_FIELDS:
            wanted["people"].update(str(v) for v in values if v)
        elif field == "follower_ids":
            wanted["people"].update(str(v) for value in values for v in (value or []))
        elif field in CASE_FIELDS:
            wanted["cases"].update(str(v) for v in values if v)
        elif field == "organisation_id":
            wanted["organisations"].update(str(v) for v in values if v)
    return wanted


def case_numbers(ids: Iterable[str]) -> dict[str, str]:
    numbers = {}
    for case_id in ids:
        found = page_api().get(f"/api/v1/cases/{case_id}", cached=True)
        numbers[case_id] = found.data.get("number") if found.ok else _("another case")
    return numbers


def organisation_names(ids: Iterable[str]) -> dict[str, str]:
    names = {}
    for organisation_id in ids:
        found = page_api().get(f"/api/v1/organisations/{organisation_id}", cached=True)
        names[organisation_id] = found.data.get("name") if found.ok else _("Unknown")
    return names


def history_lines(entries: Iterable[dict], names: Names, tasks: Iterable[dict] = ()) -> list[HistoryLine]:
    """The timeline, newest first: the case's own entries (oldest first from the API) and its tasks' events."""
    lines = [line for entry in entries if (line := history_line(entry, names)) is not None]
    return sorted([*task_lines(tasks), *lines[::-1]], key=_moment, reverse=True)  # stable: ties stay newest first


def task_lines(tasks: Iterable[dict]) -> list[HistoryLine]:
    """A task's main events, read off the case's task list (one call for all tasks): created, and resolved.

    The task's own history (comments, reassignments, reopenings) stays on the task's page."""
    lines = []
    for task in tasks:
        name = f"{task.get('number') or ''} {task.get('subject') or ''}".strip()
        about = {"task_id": task.get("id"), "task_name": name}
        lines.append(HistoryLine(at=task.get("created_at"), actor_id=task.get("created_by"),
                                 sentence=_("created the task"), **about))
        if task.get("resolved_at"):
            lines.append(HistoryLine(at=task["resolved_at"], actor_id=task.get("resolved_by"),
                                     sentence=_("resolved the task"), **about))
    return lines


def _moment(line: HistoryLine) -> datetime:
    return parse_time(line.at) or datetime.min.replace(tzinfo=UTC)


def history_line(entry: dict, names: Names) -> HistoryLine | None:
    field, old, new = entry.get("field") or "", entry.get("old"), entry.get("new")
    base = {"at": entry.get("at"), "actor_id": entry.get("actor_id")}
    if field in HIDDEN_FIELDS:
        return None
    if (sentence := _sentence(field, old, new, names)) is not None:
        return HistoryLine(**base, sentence=sentence)
    show = _shown_as(field, names)
    return HistoryLine(**base, field=labels.label(labels.HISTORY_FIELDS, field), old=show(old), new=show(new))


def _sentence(field: str, old: Any, new: Any, names: Names) -> str | None:
    if field == "created":
        return _("created the case %(number)s", number=new or "")
    if field == "message":
        internal = isinstance(new, dict) and new.get("visibility") == "internal"
        return _("wrote an internal note") if internal else _("wrote a message on the case")
    if field == "attachment":
        return _("attached %(file)s", file=(new or {}).get("filename", "") if isinstance(new, dict) else new)
    if field == "merged_from":
        return _("merged %(number)s into this case", number=new or "")
    if field == "solution_message_id":
        return _("marked a message as the solution") if new else _("removed the mark of the solution")
    if field == "follower_ids":
        return _sharing(old or [], new or [], names)
    return None


def _sharing(old: list, new: list, names: Names) -> str:
    added = [names.people.get(str(i), _("Unknown")) for i in new if i not in old]
    removed = [names.people.get(str(i), _("Unknown")) for i in old if i not in new]
    parts = []
    if added:
        parts.append(_("shared the case with %(people)s", people=", ".join(added)))
    if removed:
        parts.append(_("stopped sharing the case with %(people)s", people=", ".join(removed)))
    return "; ".join(parts) or _("changed who the case is shared with")


def _shown_as(field: str, names: Names) -> Callable[[Any], str]:
    """How a value of the field reads: its label, a name, a number, a time, yes or no."""
    tables = {"status": labels.CASE_STATUSES, "priority": labels.PRIORITIES, "urgency": labels.LEVELS,
              "impact": labels.LEVELS, "type": labels.CASE_TYPES, "origin": labels.ORIGINS}
    if field in tables:
        return _or_dash(lambda v: labels.label(tables[field], v))
    if field in ("team_id", "handed_over_from_team_id", "owning_team_id"):
        return _or_dash(lambda v: names.teams.get(str(v), _("Unknown team")))
    if field in PEOPLE_FIELDS:
        return _or_dash(lambda v: names.people.get(str(v), _("Unknown")))
    if field in CASE_FIELDS:
        return _or_dash(lambda v: names.cases.get(str(v), _("another case")))
    if field == "organisation_id":
        return _or_dash(lambda v: names.organisations.get(str(v), _("Unknown")))
    if field.endswith("_at"):
        return _or_dash(lambda v: when(v, "short"))
    return _or_dash(_plain)


def _or_dash(show: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: "–" if value is None or value == "" else show(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)
