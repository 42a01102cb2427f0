"""Every notice renders in Danish and English, as text and escaped HTML."""

from __future__ import annotations

import pytest

from notify import domain
from notify.mail.compose import Addressee, Composer

CONTEXT = {
    "case": {"id": "c1", "number": "SAG 2611-0042", "title": "Printer <script>", "status": "resolved",
             "description": "Den blinker & bipper"},
    "task": None, "message": {"body": "Hej <b>Anne</b>", "author_id": "a"}, "actor_name": "Carl Agent",
    "author_name": "Carl Agent", "team_name": "Kundebetjening", "requester_name": "Anne", "old_status": "in_progress",
    "comment": {"body": "note"}, "metric": "resolution", "due_at": "2026-11-26T09:06:00+00:00",
    "into_number": "SAG 2611-0001", "assigned_to_team": False, "reason": "",
}
TASK = {"id": "t1", "number": "TSK 2611-0007", "case_id": "c1", "case_number": "SAG 2611-0042", "subject": "Toner",
        "case_title": "Printer",
        "description": "Skift den", "deadline": "2026-11-30T12:00:00+00:00", "blocks_case_closure": True,
        "solution": "Skiftet"}


@pytest.fixture(scope="module")
def composer():
    return Composer(mail_from="Servicedesk <servicedesk@sd.example>", reply_to="sag@sd.example",
                    public_url="https://sd.example", case_prefix="SAG", time_zone="Europe/Copenhagen", strict=True)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", domain.ALL_KINDS)
def test_every_kind_renders_in_both_languages(composer, kind, language):
    context = dict(CONTEXT, task=TASK) if kind.startswith("task_") else CONTEXT
    addressee = Addressee(to=("anne@kunde.example",), name="Anne Hansen", language=language,
                          cc=("cc@partner.example",) if kind == "case_forward" else ())
    message = composer.build(kind, addressee, context, message_id="<m@sd.example>", in_reply_to="<r@sd.example>",
                             references=["<r@sd.example>"], auto_submitted="auto-generated")
    assert message["Subject"].startswith("[SAG 2611-0042] ")
    assert len(message["Subject"]) > len("[SAG 2611-0042] ") + 5
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Anne" not in html
    assert text.strip()
    if kind == "case_forward":
        assert "Hej <b>Anne</b>" in text and "Kære" not in text and message["Auto-Submitted"] == "auto-generated"
        assert message["Cc"] == "cc@partner.example"


def test_dates_are_shown_in_danish_time(composer):
    assert composer.when("2026-11-26T09:06:00+00:00", "da") == "26. nov. 2026 kl. 10:06"
    assert composer.when("2026-07-01T09:06:00Z", "en") == "1 Jul 2026, 11:06"


# -- contexts as the consumer queues them, names as the sender finds them ---------------------------

AGENT, REQUESTER, TEAM = "u-agent", "u-requester", "t-team"
CASE_DATA = {"id": "c1", "number": "SAG 2611-0042", "title": "Printer", "description": "Den blinker.",
             "status": "in_progress", "requester_id": REQUESTER, "follower_ids": [], "team_id": TEAM,
             "assignee_id": AGENT, "version": 3, "actor_id": AGENT, "changes": {}}
TASK_DATA = {"id": "t1", "number": "TSK 2611-0007", "case_id": "c1", "case_number": "SAG 2611-0042",
             "subject": "Toner", "description": "Skift den", "team_id": TEAM, "assignee_id": AGENT,
             "approver_id": "u-approver", "created_by": AGENT, "deadline": "2026-11-30", "blocks_case_closure": True,
             "status": "resolved", "solution": "Skiftet", "version": 2, "actor_id": AGENT, "changes": {}}
SLA_DATA = {"case_id": "c1", "case_number": "SAG 2611-0042", "metric": "resolution", "team_id": TEAM,
            "assignee_id": AGENT, "due_at": "2026-11-26T15:00:00+00:00"}


def _message(visibility, author=AGENT, **extra):
    return dict(CASE_DATA, message={"id": "m1", "author_id": author, "visibility": visibility, "body": "Hej",
                                    "attachment_ids": [], **extra})


KIND_EVENTS = {
    "case_receipt": ("case.created", CASE_DATA),
    "case_new": ("case.created", CASE_DATA),
    "case_reply": ("case.message_added", _message("external")),
    "case_customer_message": ("case.message_added", _message("external", author=REQUESTER)),
    "case_internal_note": ("case.message_added", _message("internal")),
    "case_assigned": ("case.assigned", dict(CASE_DATA, changes={"assignee_id": {"old": None, "new": AGENT}})),
    "case_team_queue": ("case.assigned", dict(CASE_DATA, assignee_id=None, changes={"team_id": {"new": TEAM}})),
    "case_status": ("case.status_changed", dict(CASE_DATA, changes={"status": {"old": "registered"}})),
    "case_waiting": ("case.status_changed", dict(CASE_DATA, status="waiting_requester")),
    "case_resolved": ("case.resolved", dict(CASE_DATA, status="resolved")),
    "case_closed": ("case.closed", dict(CASE_DATA, status="closed")),
    "case_shared": ("case.shared", dict(CASE_DATA, user_id="u-other")),
    "case_merged": ("case.merged", dict(CASE_DATA, status="closed", into_id="c0")),
    "case_forward": ("case.forwarded", _message("internal", via="forward", to=["lev@partner.example"])),
    "task_assigned": ("task.created", TASK_DATA),
    "task_resolved": ("task.resolved", TASK_DATA),
    "task_returned": ("task.returned", TASK_DATA),
    "task_reopened": ("task.reopened", dict(TASK_DATA, reason="Virker ikke")),
    "task_commented": ("task.commented", dict(TASK_DATA, comment={"author_id": AGENT, "body": "Ring til Jens"})),
    "sla_warning": ("sla.warning", SLA_DATA),
    "sla_breached": ("sla.breached", SLA_DATA),
}


@pytest.fixture(scope="module")
def directory_session(tmp_path_factory):
    """A directory that knows the agent, the requester and the team (read only by the tests)."""
    from notify.models import Base, DirectoryTeam, DirectoryUser
    from servicekit.db import Database

    database = Database(f"sqlite:///{tmp_path_factory.mktemp('directory') / 'notify.db'}")
    Base.metadata.create_all(database.engine)
    with database.transaction() as session:
        session.add_all([DirectoryUser(id=AGENT, email="carl@sd.example", name="Carl Agent", roles=["agent"],
                                       version=1),
                         DirectoryUser(id=REQUESTER, email="anne@kunde.example", name="Anne Hansen",
                                       roles=["requester"], version=1),
                         DirectoryTeam(id=TEAM, name="Kundebetjening", member_ids=[AGENT], version=1)])
    with database.transaction() as session:
        yield session
    database.dispose()


def queued_context(session, kind):
    from notify.service.directory import SessionDirectory
    from notify.service.notices import build_context
    from servicekit.events import Event

    event_type, data = KIND_EVENTS[kind]
    event = Event(type=event_type, source="servicedesk/tests", subject="c1", data=data)
    directory = SessionDirectory(session)
    context = build_context(session, directory, event, kind)
    return {**context, **directory.names(context)[0]}


def test_every_kind_has_a_sample_event():
    assert set(KIND_EVENTS) == set(domain.ALL_KINDS)
    for kind, (event_type, data) in KIND_EVENTS.items():
        assert kind in [r.kind for r in domain.rules_for(event_type, data)], kind


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", domain.ALL_KINDS)
def test_every_kind_renders_strictly_from_the_context_the_consumer_queues(composer, directory_session, kind,
                                                                          language):
    context = queued_context(directory_session, kind)
    message = composer.build(kind, Addressee(to=("anne@kunde.example",), name="Anne Hansen", language=language),
                             context, message_id="<m@sd.example>", in_reply_to=None, references=[],
                             auto_submitted=None)
    assert message.get_body(("plain",)).get_content().strip()


def signature(message, opening="Med venlig hilsen") -> list[str]:
    lines = message.get_body(("plain",)).get_content().splitlines()
    start = lines.index(opening) + 1
    return lines[start:lines.index("", start)]


def reply(composer, context, language="da"):
    return composer.build("case_reply", Addressee(to=("anne@kunde.example",), name="Anne Hansen", language=language),
                          context, message_id="<m@sd.example>", in_reply_to=None, references=[], auto_submitted=None)


def test_a_reply_is_signed_by_its_author_and_team(composer, directory_session):
    context = queued_context(directory_session, "case_reply")
    assert signature(reply(composer, context)) == ["Carl Agent", "Kundebetjening"]
    assert signature(reply(composer, context, "en"), "Kind regards") == ["Carl Agent", "Kundebetjening"]


def test_a_reply_whose_author_nobody_knows_is_signed_by_the_team_else_the_product(composer):
    unknown = dict(CONTEXT, author_name="", actor_name="")
    assert signature(reply(composer, unknown)) == ["Kundebetjening"]
    assert signature(reply(composer, dict(unknown, team_name=""))) == ["Servicedesk"]


def test_an_action_by_nobody_known_names_the_team(composer):
    message = composer.build("case_assigned", Addressee(to=("carl@sd.example",), name="Carl"),
                             dict(CONTEXT, actor_name=""), message_id="<m@sd.example>", in_reply_to=None,
                             references=[], auto_submitted=None)
    assert "Kundebetjening har tildelt dig sag SAG 2611-0042" in message.get_body(("plain",)).get_content()


def test_a_strict_composer_names_a_missing_field():
    from jinja2 import UndefinedError

    strict = Composer(mail_from="Servicedesk <servicedesk@sd.example>", reply_to="sag@sd.example",
                      public_url="https://sd.example", case_prefix="SAG", time_zone="Europe/Copenhagen", strict=True)
    without_message = {k: v for k, v in CONTEXT.items() if k != "message"}
    with pytest.raises(UndefinedError, match="message"):
        reply(strict, without_message)


# -- a message's files ------------------------------------------------------------------------------------


def test_files_go_attached_and_those_too_large_or_gone_are_named_in_both_parts(composer):
    from notify.gateway import Attachment, CaseFile
    from notify.mail.files import MailFiles

    files = MailFiles(attached=(Attachment("tilbud.pdf", "application/pdf", b"%PDF-1.4 tilbud"),),
                      linked=(CaseFile("f1", "video <1>.mp4", 12_800_000, "video/mp4", "external"),),
                      gone=("faktura.pdf", None))
    for language, too_large, gone, unnamed, size in (
            ("da", "Filerne er for store", "Disse filer findes ikke længere", "en fil uden navn", "12,2 MB"),
            ("en", "The files are too large", "These files are no longer", "a file without a name", "12.2 MB")):
        message = composer.build("case_reply", Addressee(to=("anne@kunde.example",), name="Anne", language=language),
                                 CONTEXT, message_id="<m@sd.example>", in_reply_to=None, references=[],
                                 auto_submitted=None, files=files)
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        link = "https://sd.example/sager/c1/bilag/f1"
        assert f"- video <1>.mp4 ({size}): {link}" in text
        assert f"\n- faktura.pdf\n- {unnamed}\n" in text
        assert text.index("Hej <b>Anne</b>") < text.index(too_large) < text.index(gone) < text.index("-- \n")
        assert f'<a href="{link}" style="color:#1f5fbf;">video &lt;1&gt;.mp4</a> ({size})' in html
        assert too_large in html and gone in html and f"<li>{unnamed}</li>" in html
        assert [(p.get_filename(), p.get_content()) for p in message.iter_attachments()] == [
            ("tilbud.pdf", b"%PDF-1.4 tilbud")]
        assert message["Content-Language"] == language and message.get_content_type() == "multipart/mixed"


def test_a_mail_without_files_names_none():
    composer = Composer(mail_from="Servicedesk <servicedesk@sd.example>", reply_to="sag@sd.example",
                        public_url="https://sd.example", case_prefix="SAG", time_zone="Europe/Copenhagen")
    message = reply(composer, CONTEXT)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    assert "Filerne" not in text and "findes ikke længere" not in text
