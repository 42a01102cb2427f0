"""The migrations build exactly the tables of the models on PostgreSQL, and can be undone and redone."""

from datetime import UTC, datetime

from sqlalchemy import JSON, column, create_engine, select, table

from servicekit import inbox, outbox  # noqa: F401  (their tables join the kit's metadata)
from servicekit.db import normalise_url
from servicekit.migrations import upgrade
from servicekit.testing.schema import assert_migrations_build_the_models
from sla.app import MIGRATIONS_DIR
from sla.models import Base


def test_upgrade_head_on_postgresql_matches_the_models_and_downgrade_undoes_it(postgres_databases):
    url = postgres_databases.create("sla_migrations")
    tables = assert_migrations_build_the_models(url, MIGRATIONS_DIR, Base.metadata)
    assert {"calendars", "policies", "case_clocks", "case_transitions", "timers", "replan_jobs", "outbox",
            "inbox"} <= tables


def test_stored_special_days_get_a_mode_that_keeps_one_offs_as_they_were_and_limits_recurring_part_days(
        postgres_databases):
    url = postgres_databases.create("sla_special_day_modes")
    upgrade(url, MIGRATIONS_DIR, "d731f76559bc")
    engine = create_engine(normalise_url(url))
    calendars = table("calendars", column("id"), column("name"), column("special_days", JSON))
    morning = [{"start": "08:00", "end": "12:00"}]
    try:
        with engine.begin() as connection:
            connection.execute(calendars.update().where(calendars.c.name == "Døgnåben (24/7)").values(special_days=[
                {"date": "2026-12-23", "name": "Lillejuleaften", "recurring": False, "hours": []},
                {"date": "2026-12-26", "name": "Vagt", "recurring": False, "hours": morning},
                {"date": "2000-05-01", "name": "1. maj", "recurring": True, "hours": morning},
            ]))
        upgrade(url, MIGRATIONS_DIR)
        with engine.connect() as connection:
            stored = dict(connection.execute(select(calendars.c.name, calendars.c.special_days)).all())
        assert [(d["name"], d["mode"]) for d in stored["Døgnåben (24/7)"]] == [
            ("Lillejuleaften", "closed"), ("Vagt", "open"), ("1. maj", "limit")]
        assert [(d["name"], d["mode"]) for d in stored["Dansk arbejdstid"]] == [
            ("Grundlovsdag", "limit"), ("Juleaftensdag", "closed"), ("Nytårsaftensdag", "closed")]
    finally:
        engine.dispose()


def test_clocks_kept_before_transitions_were_recorded_get_the_version_they_hold_and_the_one_that_resolved_them(
        postgres_databases):
    url = postgres_databases.create("sla_case_transitions")
    upgrade(url, MIGRATIONS_DIR, "42f44a147687")
    engine = create_engine(normalise_url(url))
    clocks = table("case_clocks", *(column(name) for name in (
        "case_id", "number", "version", "status", "priority", "follower_ids", "created_at", "resolved_at",
        "resolved_version", "closed_at", "policy_id")))
    created, resolved = datetime(2026, 11, 23, 8, tzinfo=UTC), datetime(2026, 11, 23, 10, tzinfo=UTC)
    common = {"number": "", "priority": "high", "follower_ids": "[]", "created_at": created, "closed_at": None}
    try:
        with engine.begin() as connection:
            policy_id = connection.execute(select(column("id")).select_from(table("policies"))).scalar_one()
            connection.execute(clocks.insert(), [
                {**common, "case_id": "waiting", "version": 5, "status": "waiting_requester", "resolved_at": None,
                 "resolved_version": None, "policy_id": policy_id},
                {**common, "case_id": "resolved", "version": 6, "status": "resolved", "resolved_at": resolved,
                 "resolved_version": 4, "policy_id": policy_id},
            ])
        upgrade(url, MIGRATIONS_DIR)
        transitions = table("case_transitions", column("case_id"), column("version"), column("status"), column("at"))
        with engine.connect() as connection:
            rows = connection.execute(select(transitions).order_by(transitions.c.case_id, transitions.c.version))
            assert [tuple(row) for row in rows] == [
                ("resolved", 4, "resolved", resolved), ("resolved", 6, "resolved", resolved),
                ("waiting", 5, "waiting_requester", created)]
    finally:
        engine.dispose()
