"""What the database refuses: a duplicate of a unique key is a 409 (a concurrent writer won); any other
integrity error is a bug, answered 500 and logged, never passed off as the caller's conflict."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint
from gatewaykit import GatewayHarness
from sqlalchemy import func, select

from gateway.models import Organisation, TeamMember
from servicekit.web import db_session

PAGES = Blueprint("integrity_test_pages", __name__)


@PAGES.post("/api/test/same-organisation-twice/<name>")
def same_organisation_twice(name):
    session = db_session()
    session.add_all([Organisation(name=name), Organisation(name=name)])
    session.commit()
    return "", 204


@PAGES.post("/api/test/member-of-no-team")
def member_of_no_team():
    session = db_session()
    session.add(TeamMember(team_id="no-such-team", user_id="no-such-user"))
    session.commit()
    return "", 204


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys)
    h.app.register_blueprint(PAGES)
    yield h
    h.stop()


def _organisations(harness, name: str) -> int:
    with harness.context.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name == name))


def test_a_duplicate_of_a_unique_key_is_a_409_and_nothing_is_kept(harness, client, unique):
    name = unique("Dobbelt")
    response = client.post(f"/api/test/same-organisation-twice/{name}", headers=harness.admin)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert _organisations(harness, name) == 0


def test_another_integrity_error_is_a_logged_500(harness, client, caplog):
    headers = harness.admin
    with caplog.at_level(logging.ERROR, logger="gateway.app"):
        response = client.post("/api/test/member-of-no-team", headers=headers)
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert any(record.exc_info and "ForeignKeyViolation" in repr(record.exc_info[1].orig)
               for record in caplog.records)
