"""Turning a queued notice into a mail: templates per language, plain text and HTML parts.

The templates (``templates/mail/<language>.txt``) hold a subject and a body
block per notice kind, in plain text.  The HTML part is the same text poured
into ``layout.html`` with Jinja's autoescaping, so no user text ever becomes
markup.  Subjects carry the case number (``[SAG 2611-0042]``) so that a reply
finds its case.  A message's files (``files.MailFiles``) go attached; those it
does not carry are named in both parts, too large ones with a link to each.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from servicekit.db import utcnow

from .files import NO_FILES, MailFiles

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
LANGUAGES = ("da", "en")
DEFAULT_PRODUCT = "Servicedesk"

STATUS_LABELS = {
    "da": {"registered": "Registreret", "in_progress": "Påbegyndt", "assigned": "Tildelt",
           "waiting_internal": "Afventer internt", "waiting_requester": "Afventer rekvirent",
           "resolved": "Udført", "closed": "Lukket"},
    "en": {"registered": "Registered", "in_progress": "In progress", "assigned": "Assigned",
           "waiting_internal": "Waiting (internal)", "waiting_requester": "Waiting for requester",
           "resolved": "Resolved", "closed": "Closed"},
}
METRIC_LABELS = {
    "da": {"first_response": "første svar", "resolution": "løsning"},
    "en": {"first_response": "first response", "resolution": "resolution"},
}
# Headers are folded only past 998 characters: Python's folding of encoded words at 78 doubles the
# space before them ("Printeren  på"); bodies go quoted-printable, so no line is long on the wire.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)
# Kinds whose mail invites the recipient to answer by mail (the answer lands on the case).
REPLYABLE = frozenset({"case_receipt", "case_reply", "case_status", "case_waiting", "case_resolved",
                       "case_shared", "case_merged"})
CUSTOMER_FACING = REPLYABLE | {"case_closed"}


@dataclass(frozen=True)
class Addressee:
    """Where a mail goes and how to speak to them."""

    to: tuple[str, ...]
    name: str = ""
    language: str = "da"
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileLine:
    """A file the mail names instead of carrying it."""

    name: str
    size: str = ""
    link: str | None = None


@dataclass(frozen=True)
class FileSection:
    heading: str
    files: tuple[FileLine, ...]


def _language(language: str | None) -> str:
    return language if language in LANGUAGES else "da"


class Composer:
    """Renders notices; the Jinja environment and templates are built once per process."""

    def __init__(self, *, mail_from: str, reply_to: str, public_url: str, case_prefix: str, time_zone: str,
                 strict: bool = False):
        """``strict``: a template that names a field the context lacks fails (tests); otherwise it shows nothing."""
        self.mail_from = mail_from
        self.product = parseaddr(mail_from)[0] or DEFAULT_PRODUCT  # the sender's display name signs our mails
        self.reply_to = reply_to
        self.public_url = public_url
        self.case_prefix = case_prefix
        self.zone = ZoneInfo(time_zone)
        self.text_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, trim_blocks=True,
                                    lstrip_blocks=True, undefined=StrictUndefined if strict else ChainableUndefined,
                                    keep_trailing_newline=False)
        self.html_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                                    undefined=StrictUndefined)
        self._templates = {lang: self.text_env.get_template(f"{lang}.txt") for lang in LANGUAGES}
        self._layout = self.html_env.get_template("layout.html")

    # -- text --------------------------------------------------------------------------------------

    def block(self, language: str, name: str, context: dict[str, Any]) -> str:
        template: Template = self._templates[_language(language)]
        render = template.blocks.get(name)
        if render is None:
            raise KeyError(f"no template block {name!r}")
        return "".join(render(template.new_context(context))).strip()

    def context_for(self, kind: str, language: str, context: dict[str, Any], recipient_name: str) -> dict[str, Any]:
        lang = _language(language)
        case = context.get("case") or {}
        values = dict(context)
        stand_in = context.get("team_name") or self.product  # for a person nobody knows (yet), or the system
        values.update(
            actor_name=context.get("actor_name") or stand_in,
            author_name=context.get("author_name") or stand_in,
            product=self.product,
            recipient_name=recipient_name or ("kunde" if lang == "da" else "customer"),
            status_label=STATUS_LABELS[lang].get(case.get("status"), case.get("status") or ""),
            old_status_label=STATUS_LABELS[lang].get(context.get("old_status") or "", ""),
            metric_label=METRIC_LABELS[lang].get(context.get("metric") or "", context.get("metric") or ""),
            due_text=self.when(context.get("due_at"), lang),
        )
        if values.get("task"):
            task = dict(values["task"])
            task["deadline_text"] = self.when(task.get("deadline"), lang)
            values["task"] = task
        return values

    def title(self, kind: str, language: str, context: dict[str, Any], recipient_name: str = "") -> str:
        """The subject without the case number: also the in-app notice's title."""
        return _one_line(self.block(language, f"{kind}_subject", self.context_for(kind, language, context,
                                                                                   recipient_name)))

    def when(self, value: str | None, language: str) -> str:
        if not value:
            return ""
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
        if moment.tzinfo is None:
            return babel_datetime(moment, "d. MMMM y" if language == "da" else "d MMMM y", locale=language)
        pattern = "d. MMM y 'kl.' HH:mm" if language == "da" else "d MMM y, HH:mm"
        return babel_datetime(moment, pattern, tzinfo=self.zone, locale=language)

    # -- the message -------------------------------------------------------------------------------

    def subject(self, kind: str, addressee: Addressee, context: dict[str, Any]) -> str:
        title = self.title(kind, addressee.language, context, addressee.name)
        number = (context.get("case") or {}).get("number") or (context.get("task") or {}).get("case_number")
        return f"[{number}] {title}" if number else title

    def link(self, context: dict[str, Any]) -> str | None:
        if (context.get("task") or {}).get("id"):
            return f"{self.public_url}/opgaver/{context['task']['id']}"
        if (context.get("case") or {}).get("id"):
            return f"{self.public_url}/sager/{context['case']['id']}"
        return None

    def file_sections(self, language: str, context: dict[str, Any], files: MailFiles) -> list[FileSection]:
        """The files named in the body: those too large to attach (with links to them on the case) and those
        the case no longer has."""
        sections = []
        case_id = (context.get("case") or {}).get("id")
        if files.linked:
            sections.append(FileSection(self.block(language, "files_too_large", {}), tuple(
                FileLine(f.filename, _size(f.size, language), f"{self.public_url}/sager/{case_id}/bilag/{f.id}")
                for f in files.linked)))
        if files.gone:
            unnamed = self.block(language, "file_unnamed", {})
            sections.append(FileSection(self.block(language, "files_gone", {}),
                                        tuple(FileLine(name or unnamed) for name in files.gone)))
        return sections

    def build(self, kind: str, addressee: Addressee, context: dict[str, Any], *, message_id: str,
              in_reply_to: str | None, references: list[str], auto_submitted: str | None,
              files: MailFiles = NO_FILES) -> EmailMessage:
        """The mail, with ``files`` attached or named in its body."""
        lang = _language(addressee.language)
        values = self.context_for(kind, lang, context, addressee.name)
        body = self.block(lang, f"{kind}_body", values)
        is_forward = kind == "case_forward"
        marker = self.block(lang, "reply_marker", values) if kind in REPLYABLE else ""
        footer = "" if is_forward else self.block(lang, "footer" if kind in CUSTOMER_FACING else "footer_staff",
                                                  values)
        link = None if is_forward else self.link(context)
        link_label = self.block(lang, "open_task" if (context.get("task") or {}).get("id") else "open_case", values)
        subject = self.subject(kind, addressee, context)
        sections = self.file_sections(lang, context, files)

        message = EmailMessage(policy=MAIL_POLICY)
        message["Subject"] = subject
        message["From"] = self.mail_from
        message["To"] = ", ".join(addressee.to) if is_forward else _address(addressee.name, addressee.to[0])
        if addressee.cc:
            message["Cc"] = ", ".join(addressee.cc)
        message["Reply-To"] = self.reply_to
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = message_id
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
        if references:
            message["References"] = " ".join(references)
        if auto_submitted:
            message["Auto-Submitted"] = auto_submitted
            message["X-Auto-Response-Suppress"] = "All"
        message.set_content(_text_part(marker, body, sections, link, link_label, footer), cte="quoted-printable")
        message.add_alternative(self._layout.render(
            language=lang, subject=subject, reply_marker=marker, paragraphs=_paragraphs(body),
            file_sections=sections, link=link, link_label=link_label, footer=footer,
        ), subtype="html", cte="quoted-printable")
        for attachment in files.attached:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(attachment.content, maintype=maintype or "application",
                                   subtype=subtype or "octet-stream", filename=attachment.filename)
        message["Content-Language"] = lang  # after the parts: making a multipart moves Content-* headers down
        return message


def _text_part(marker: str, body: str, sections: list[FileSection], link: str | None, link_label: str,
               footer: str) -> str:
    parts = [marker, body, *(_text_section(section) for section in sections)]
    if link:
        parts.append(f"{link_label}: {link}")
    if footer:
        parts.append(f"-- \n{footer}")
    return "\n\n".join(p for p in parts if p) + "\n"


def _text_section(section: FileSection) -> str:
    lines = [section.heading]
    for file in section.files:
        size = f" ({file.size})" if file.size else ""
        lines.append(f"- {file.name}{size}" + (f": {file.link}" if file.link else ""))
    return "\n".join(lines)


def _size(size: int, language: str) -> str:
    """A file's size as people read it: "850 KB", "12,5 MB" (Danish) or "12.5 MB"."""
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)), locale=language)} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1), locale=language)} MB"


def _paragraphs(text: str) -> list[list[str]]:
    return [block.split("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _address(name: str, addr: str) -> str:
    user, _, domain = parseaddr(addr)[1].partition("@")
    try:
        return str(Address(display_name=name or "", username=user, domain=domain))
    except (ValueError, IndexError):
        return addr
