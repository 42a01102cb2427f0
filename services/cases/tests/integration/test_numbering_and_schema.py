"""Case numbers under concurrency across replicas, and the schema on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from helpers import Api, World, make_settings
from sqlalchemy import create_engine, inspect, text

from cases.app import MIGRATIONS_DIR, build_context, create_app
from cases.domain import number_period
from cases.models import Base
from cases.service.creating import next_counter
from servicekit import inbox, outbox  # noqa: F401  (registers the shared tables)
from servicekit.db import normalise_url
from servicekit.migrations import upgrade
from servicekit.testing.schema import assert_migrations_build_the_models


def test_two_hundred_cases_opened_at_once_on_three_replicas_get_two_hundred_distinct_numbers(
        app, cases_database_url, tmp_path, identity_keys, sign_identity):
    world = World(app)
    org = world.organisation()
    world.team("Support")
    requesters = [world.user(organisation_id=org) for _ in range(4)]
    replicas = []
    for n in range(3):
        settings = make_settings(cases_database_url, str(tmp_path / f"replica{n}"), identity_keys[1])
        replicas.append(Api(create_app(settings, build_context(settings)), sign_identity))

    def open_one(i):
        replica = replicas[i % len(replicas)]
        answer = replica.as_(requesters[i % len(requesters)]).post(
            "/api/v1/cases", {"title": f"Samtidig {i}", "description": "Mange på én gang"})
        assert answer.status == 201, answer.json
        return answer.json["number"]

    with ThreadPoolExecutor(max_workers=24) as pool:
        numbers = list(pool.map(open_one, range(200)))
    assert len(set(numbers)) == 200
    counters = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert counters == list(range(1, 201))
    for replica in replicas:
        replica.app.extensions["servicekit"].database.dispose()


def test_the_counter_starts_again_each_month_and_for_each_prefix(app):
    with app.extensions["servicekit"].database.transaction() as session:
        november = [next_counter(session, "SAG", "2611") for _ in range(3)]
        december = [next_counter(session, "SAG", "2612") for _ in range(2)]
        other_prefix = next_counter(session, "HD", "2611")
        later_in_november = next_counter(session, "SAG", "2611")
    assert (november, december, other_prefix, later_in_november) == ([1, 2, 3], [1, 2], 1, 4)


def test_case_number_prefix_names_the_numbers_and_look_ups_take_it_in_any_form(
        app, cases_database_url, tmp_path, identity_keys, sign_identity):
    world = World(app)
    world.team("Support")
    requester = world.user(organisation_id=world.organisation())
    settings = make_settings(cases_database_url, str(tmp_path / "hd"), identity_keys[1], CASE_NUMBER_PREFIX="HD")
    context = build_context(settings)
    try:
        api = Api(create_app(settings, context), sign_identity).as_(requester)
        case = api.post("/api/v1/cases", {"title": "Helpdesk", "description": "Eget præfiks"}).json
        period = number_period(datetime.fromisoformat(case["created_at"]), settings.local_timezone)
        assert case["number"] == f"HD {period}-0001"
        assert api.get(f"/api/v1/cases/by-number/hd{period}-1").json["id"] == case["id"]
        assert api.get(f"/api/v1/cases/by-number/SAG {period}-0001").status == 404
    finally:
        context.database.dispose()


def test_the_migrations_build_exactly_the_models_on_postgresql(postgres_databases):
    url = postgres_databases.create("cases_schema")
    assert_migrations_build_the_models(url, MIGRATIONS_DIR, Base.metadata, accepted=_is_search_index)
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("cases")}
        assert {"ix_cases_search_document", "ix_cases_team_id_status", "ix_cases_assignee_id_status"} <= indexes
    finally:
        engine.dispose()


def _is_search_index(difference) -> bool:
    """The messages' Danish GIN index lives in the migration only (SQLite cannot build it)."""
    return difference[0] == "remove_index" and difference[1].name == "ix_case_messages_search"


def test_the_migrations_also_run_on_sqlite_for_the_embedded_mode(tmp_path):
    url = f"sqlite:///{tmp_path}/embedded.db"
    upgrade(url, MIGRATIONS_DIR)
    engine = create_engine(url)
    try:
        assert {"cases", "case_messages", "outbox", "inbox"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_owning_team_migration_finds_the_owner_of_cases_handed_over_before_it(postgres_databases):
    url = postgres_databases.create("cases_owner")
    upgrade(url, MIGRATIONS_DIR, "e58d2292dba3")
    engine = create_engine(normalise_url(url))
    columns = ("id, number, number_key, title, description, status, priority, priority_overridden, urgency, impact, "
               "type, origin, private, team_id, created_at, updated_at, solution_is_internal, open_blocking_tasks, "
               "version, handed_over_from_team_id")
    values = ("'{id}', '{id}', '{id}', 't', 'd', 'resolved', 'normal', false, 'medium', 'medium', 'incident', "
              "'portal', false, 'support', now(), now(), false, 0, 3, {handed}")
    try:
        with engine.begin() as conn:
            for case_id, handed in (("away", "'support'"), ("back", "NULL"), ("never", "NULL")):
                conn.execute(text(f"INSERT INTO cases ({columns}) VALUES ({values.format(id=case_id, handed=handed)})"))
            conn.execute(text(
                "INSERT INTO case_history (case_id, at, field, old_value, new_value, internal, version) VALUES "
                "('back', now(), 'handed_over_from_team_id', 'null', '\"support\"', true, 2), "
                "('back', now(), 'handed_over_from_team_id', '\"support\"', 'null', true, 3)"))
        upgrade(url, MIGRATIONS_DIR)
        with engine.connect() as conn:
            owners = dict(conn.execute(text("SELECT id, owning_team_id FROM cases")).all())
        assert owners == {"away": "support", "back": "support", "never": None}
    finally:
        engine.dispose()
