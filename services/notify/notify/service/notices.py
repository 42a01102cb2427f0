"""From an event to notices: the rule table applied, preferences honoured, mails and in-app notices queued.

Runs inside the consumer's transaction, so the queued mails and notices commit
with the inbox claim: an event handled twice queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from servicekit.db import utcnow
from servicekit.events import Event

from .. import domain
from ..mail.headers import mail_domain, new_message_id, thread_root
from ..mail.outbound import AUTO_GENERATED, AUTO_REPLIED, auto_replies_since
from ..models import InboundMail, KnownCase, Notification, NotificationPreference, OutgoingMail, new_id
from .directory import SessionDirectory

MAX_BODY = 20_000


@dataclass(frozen=True)
class NoticeSettings:
    mail_from: str
    auto_reply_limit: int = 10

    @property
    def domain(self) -> str:
        return mail_domain(self.mail_from)


def notify_about(session: Session, event: Event, settings: NoticeSettings, *, stale: bool = False) -> int:
    """Queue every notice the rules give for ``event``; return how many mails and notices were queued.

    ``stale`` says we already hold a newer version of the aggregate: notices about
    a state (status, assignment) are then skipped, since that state is overtaken.
    """
    directory = SessionDirectory(session)
    data = _with_author_role(event.data, directory)
    queued = 0
    for rule in domain.rules_for(event.type, data):
        if stale and rule.key != "event":
            continue
        reached = domain.recipients(rule, event.type, data, directory)
        if not reached:
            continue
        key = domain.notice_key(rule, event.type, event.id, event.subject, data)
        context = build_context(session, directory, event, rule.kind)
        queued += _queue(session, event, rule, key, reached, context, settings)
    return queued


def _with_author_role(data: Mapping[str, Any], directory: SessionDirectory) -> Mapping[str, Any]:
    """A message's ``author_is_staff`` as the cases service says it, or else as the directory knows the author."""
    message = data.get("message")
    if not message or "author_is_staff" in data:
        return data
    return {**data, "author_is_staff": directory.is_staff(message.get("author_id"))}


def _queue(session: Session, event: Event, rule: domain.Rule, key: str, reached: domain.Recipients,
           context: dict[str, Any], settings: NoticeSettings) -> int:
    """Queue this rule's mails and in-app notices: one insert for each, whatever the number of people."""
    choices = _preferences(session, rule.kind, [*reached.user_ids, *reached.in_app_only_ids])
    case_id = (context.get("case") or {}).get("id") or (context.get("task") or {}).get("case_id")
    task_id = (context.get("task") or {}).get("id")
    mail_to: list[str] = []
    in_app: list[str] = []
    for user_id in reached.user_ids:
        channels = domain.visible_channels(rule.kind, choices.get(user_id, []))
        if channels.get(domain.EMAIL) and _may_mail(session, event, rule, user_id, settings):
            mail_to.append(f"user:{user_id}")
        if channels.get(domain.IN_APP):
            in_app.append(user_id)
    in_app += [u for u in reached.in_app_only_ids
               if domain.visible_channels(rule.kind, choices.get(u, [])).get(domain.IN_APP)]
    mail_to += [f"team:{team_id}" for team_id in reached.team_ids_by_mail]
    if reached.addresses:
        mail_to.append("external")
    mails = [_mail_row(session, event, rule, key, recipient, case_id, context, settings) for recipient in mail_to]
    notices = [{"id": new_id(), "user_id": user_id, "notice_key": key, "kind": rule.kind, "case_id": case_id,
                "task_id": task_id, "params": context, "created_at": utcnow()} for user_id in in_app]
    return (_insert_new(session, OutgoingMail, mails, ["notice_key", "recipient"])
            + _insert_new(session, Notification, notices, ["notice_key", "user_id"]))


def _insert_new(session: Session, model, rows: list[dict[str, Any]], unique: list[str]) -> int:
    """Insert the rows that are not there yet (by ``unique``); return how many were new."""
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model.__table__).on_conflict_do_nothing(index_elements=unique).returning(model.__table__.c.id)
    return len(session.execute(statement, rows).all())  # executemany: one cached statement, rows in batches


def _preferences(session: Session, kind: str, user_ids: list[str]) -> dict[str, list[tuple[str, bool]]]:
    if kind in domain.MANDATORY_KINDS or not user_ids:
        return {}
    found: dict[str, list[tuple[str, bool]]] = {}
    for pref in session.scalars(select(NotificationPreference).where(
            NotificationPreference.kind == kind, NotificationPreference.user_id.in_(user_ids))):
        found.setdefault(pref.user_id, []).append((pref.channel, pref.enabled))
    return found


def _cause(session: Session, event: Event) -> InboundMail | None:
    """The inbound mail whose ``email.received`` led to this event, if one did."""
    if not event.causationid:
        return None
    return session.scalar(select(InboundMail).where(InboundMail.event_id == event.causationid))


def _may_mail(session: Session, event: Event, rule: domain.Rule, user_id: str, settings: NoticeSettings) -> bool:
    """Loop protection for the receipt, the one mail we send in answer to someone else's."""
    if rule.kind != "case_receipt":
        return True
    cause = _cause(session, event)
    if cause is not None and cause.automatic:
        return False
    since = utcnow() - timedelta(hours=1)
    return auto_replies_since(session, f"user:{user_id}", since) < settings.auto_reply_limit


def _mail_row(session: Session, event: Event, rule: domain.Rule, key: str, recipient: str, case_id: str | None,
              context: dict[str, Any], settings: NoticeSettings) -> dict[str, Any]:
    root = thread_root("case", case_id, settings.domain) if case_id else None
    references = [root] if root else []
    in_reply_to = root
    if rule.kind == "case_receipt" and (cause := _cause(session, event)) is not None:
        in_reply_to, references = cause.message_id, [*references, cause.message_id]
    if recipient == "external":
        message = context.get("message") or {}
        context = {**context, "to": list(message.get("to") or []), "cc": list(message.get("cc") or [])}
    if rule.kind == "case_forward":
        auto_submitted = None  # a person's message to a partner, not an automatic one
    else:
        auto_submitted = AUTO_REPLIED if rule.kind == "case_receipt" else AUTO_GENERATED
    return {"id": new_id(), "notice_key": key, "recipient": recipient, "kind": rule.kind, "case_id": case_id,
            "context": context, "message_id": new_message_id(settings.domain), "in_reply_to": in_reply_to,
            "references": references, "auto_submitted": auto_submitted, "status": "pending", "attempts": 0,
            "next_attempt_at": utcnow(), "created_at": utcnow()}


# -- what the templates see ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value or "")[:MAX_BODY]


def _case_part(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in ("id", "number", "title", "status", "requester_id")} | {
        "description": _text(data.get("description"))}


def _task_part(data: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "number", "case_id", "case_number", "case_title", "subject", "deadline", "blocks_case_closure",
            "team_id")
    return {key: data.get(key) for key in keys} | {"description": _text(data.get("description")),
                                                   "solution": _text(data.get("solution"))}


def _message_part(message: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": message.get("id"), "author_id": message.get("author_id"), "visibility": message.get("visibility"),
            "body": _text(message.get("body")), "attachment_ids": list(message.get("attachment_ids") or []),
            "to": list(message.get("to") or []), "cc": list(message.get("cc") or [])}


def build_context(session: Session, directory: SessionDirectory, event: Event, kind: str) -> dict[str, Any]:
    """What the notice's templates see. The names in it are those known now; the mail sender and the
    notice list take them again from the directory (``SessionDirectory.names``), so a person heard of
    after the event is still named."""
    data = event.data
    aggregate = event.type.split(".", 1)[0]
    team = directory.team(data["team_id"]) if data.get("team_id") else None
    actor_id = domain.actor_of(event.type, data)
    directory.users([actor_id, data.get("requester_id")])  # one query for the names below
    actor = directory.user(actor_id)
    context: dict[str, Any] = {
        "actor_id": actor_id,
        "actor_name": actor.name if actor else "",
        "team_id": data.get("team_id"),
        "team_name": team.name if team else "",
    }
    if aggregate == "case":
        context["case"] = _case_part(data)
        context["old_status"] = ((data.get("changes") or {}).get("status") or {}).get("old")
        requester = directory.user(data.get("requester_id"))
        context["requester_name"] = requester.name if requester else ""
        if data.get("message"):
            context["message"] = _message_part(data["message"])
            context["author_name"] = context["actor_name"]  # the actor of a message is its author
        if data.get("into_id"):
            into = session.get(KnownCase, str(data["into_id"]))
            context["into_number"] = into.number if into else ""
    elif aggregate == "task":
        context["task"] = _task_part(data)
        context["assigned_to_team"] = not data.get("assignee_id")
        context["reason"] = _text(data.get("reason"))
        if data.get("comment"):
            context["comment"] = {"body": _text(data["comment"].get("body"))}
            context["author_name"] = context["actor_name"]
    elif aggregate == "sla":
        known = session.get(KnownCase, str(data.get("case_id")))
        context["case"] = {"id": data.get("case_id"), "number": data.get("case_number"),
                           "title": known.title if known else ""}
        context["metric"] = data.get("metric")
        context["due_at"] = data.get("due_at")
    return context
