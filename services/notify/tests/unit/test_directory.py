"""The directory keeps the newest version of each user, team and case (SQLite is enough for these rules)."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from notify.consumers import build_handlers
from notify.models import Base, DirectoryUser, KnownCase
from notify.service.notices import NoticeSettings
from servicekit.db import Database, kit_metadata
from servicekit.events import Event


@pytest.fixture
def database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'notify.db'}")
    from servicekit import inbox, outbox  # noqa: F401  (their tables)

    Base.metadata.create_all(db.engine)
    kit_metadata.create_all(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def handlers():
    return build_handlers(NoticeSettings(mail_from="sd@sd.example"))


def handle(database, handlers, pattern, type_, data):
    with database.transaction() as session:
        handlers[pattern](session, Event(type=type_, source="servicedesk/gateway", subject=data["id"], data=data))


def user(version, name, **extra):
    return {"id": "u1", "email": "Anne@Kunde.example", "name": name, "roles": ["requester"], "language": "en",
            "active": True, "version": version, **extra}


def test_an_older_user_event_never_overwrites_a_newer_one(database, handlers):
    handle(database, handlers, "user.*", "user.updated", user(3, "Anne Hansen"))
    handle(database, handlers, "user.*", "user.updated", user(2, "Anne Gammel"))
    with database.transaction() as session:
        kept = session.get(DirectoryUser, "u1")
        assert (kept.name, kept.version, kept.email) == ("Anne Hansen", 3, "anne@kunde.example")


def test_a_user_event_without_an_address_is_refused_and_changes_nothing(database, handlers):
    broken = user(1, "Uden Adresse")
    del broken["email"]
    with pytest.raises(ValidationError):
        handle(database, handlers, "user.*", "user.created", broken)
    with database.transaction() as session:
        assert session.get(DirectoryUser, "u1") is None


def test_a_case_is_kept_by_version_and_a_message_event_at_the_same_version_does_not_bump_it(database, handlers):
    case = {"id": "c1", "number": "SAG 2611-0042", "title": "Printer", "status": "registered", "requester_id": "u1",
            "team_id": None, "assignee_id": None, "follower_ids": [], "version": 2, "actor_id": "u1", "changes": {}}
    handle(database, handlers, "case.*", "case.created", case)
    handle(database, handlers, "case.*", "case.status_changed", dict(case, version=1, status="closed"))
    with database.transaction() as session:
        assert session.get(KnownCase, "c1").status == "registered"


def test_a_staff_followers_external_message_goes_to_the_requester_when_only_the_directory_knows_the_role(
        database, handlers):
    from sqlalchemy import select

    from notify.models import OutgoingMail

    handle(database, handlers, "user.*", "user.created", user(1, "Carl Agent", id="agent", roles=["agent"]))
    case = {"id": "c1", "number": "SAG 2611-0042", "title": "Printer", "status": "in_progress",
            "requester_id": "u1", "team_id": None, "assignee_id": "mate", "follower_ids": ["agent"], "version": 2,
            "actor_id": "agent", "changes": {},
            "message": {"id": "m1", "author_id": "agent", "visibility": "external", "body": "Vi kigger på det."}}
    handle(database, handlers, "case.*", "case.message_added", case)  # no author_is_staff: an older publisher
    with database.transaction() as session:
        mails = set(session.execute(select(OutgoingMail.kind, OutgoingMail.recipient)).all())
    assert mails == {("case_reply", "user:u1")}
