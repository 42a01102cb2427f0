"""Views, status filters, sorting, pages and Danish full-text search: one query per page."""

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text


def open_case(api, who, title="Sag", description="Beskrivelse", **fields):
    answer = api.as_(who).post("/api/v1/cases", {"title": title, "description": description, **fields})
    assert answer.status == 201, answer.json
    return answer.json


def ids(answer):
    assert answer.status == 200, answer.json
    return [c["id"] for c in answer.json["items"]]


def test_views_mine_shared_team_assigned_to_me_unassigned_and_all(api, office):
    mine = open_case(api, office.requester)
    shared = open_case(api, office.colleague)
    api.as_(office.colleague).post(f"/api/v1/cases/{shared['id']}/shares", {"user_id": office.requester.user_id})
    drift_case = open_case(api, office.agent, team_id=office.drift, requester_id=office.outsider.user_id)
    api.as_(office.agent).patch(f"/api/v1/cases/{mine['id']}", {"assignee_id": office.agent.user_id})
    requester, agent = api.as_(office.requester), api.as_(office.agent)

    assert ids(requester.get("/api/v1/cases?view=mine")) == [mine["id"]]
    assert ids(requester.get("/api/v1/cases?view=shared")) == [shared["id"]]
    assert set(ids(requester.get("/api/v1/cases?view=all"))) == {mine["id"], shared["id"]}
    assert set(ids(agent.get("/api/v1/cases?view=team"))) == {mine["id"], shared["id"]}
    assert ids(api.as_(office.drift_agent).get("/api/v1/cases?view=team")) == [drift_case["id"]]
    assert ids(agent.get("/api/v1/cases?view=assigned_to_me")) == [mine["id"]]
    assert set(ids(agent.get("/api/v1/cases?view=unassigned"))) == {shared["id"], drift_case["id"]}
    assert len(ids(agent.get("/api/v1/cases?view=all"))) == 3
    assert ids(agent.get(f"/api/v1/cases?view=organisation&organisation_id={office.other_org}")) == [drift_case["id"]]
    assert ids(agent.get(f"/api/v1/cases?team_id={office.drift}")) == [drift_case["id"]]


def test_status_filters_open_closed_any_and_named_statuses(api, office):
    open_one = open_case(api, office.requester)
    resolved = open_case(api, office.requester)
    closed = open_case(api, office.requester)
    api.as_(office.agent).post(f"/api/v1/cases/{resolved['id']}/resolve", {})
    api.as_(office.requester).post(f"/api/v1/cases/{closed['id']}/close")
    requester = api.as_(office.requester)
    assert ids(requester.get("/api/v1/cases?status=open")) == [open_one["id"]]
    assert set(ids(requester.get("/api/v1/cases?status=closed"))) == {resolved["id"], closed["id"]}
    assert len(ids(requester.get("/api/v1/cases?status=any"))) == 3
    assert ids(requester.get("/api/v1/cases?status=resolved")) == [resolved["id"]]
    assert set(ids(requester.get("/api/v1/cases?status=registered,closed"))) == {open_one["id"], closed["id"]}
    assert requester.get("/api/v1/cases?status=sleeping").status == 422


def test_sorting_by_priority_puts_the_most_pressing_first_and_pages_hold_together(api, office):
    low = open_case(api, office.requester, urgency="low", impact="low")
    critical = open_case(api, office.requester, urgency="high", impact="high")
    normal = open_case(api, office.requester)
    agent = api.as_(office.agent)
    assert ids(agent.get("/api/v1/cases?sort=-priority")) == [critical["id"], normal["id"], low["id"]]
    assert ids(agent.get("/api/v1/cases?sort=priority")) == [low["id"], normal["id"], critical["id"]]
    assert ids(agent.get("/api/v1/cases?sort=created_at")) == [low["id"], critical["id"], normal["id"]]
    first = agent.get("/api/v1/cases?sort=-created_at&per_page=2&page=1").json
    second = agent.get("/api/v1/cases?sort=-created_at&per_page=2&page=2").json
    assert (first["total"], first["page"], first["per_page"], second["total"]) == (3, 1, 2, 3)
    assert [c["id"] for c in first["items"] + second["items"]] == [normal["id"], critical["id"], low["id"]]
    beyond = agent.get("/api/v1/cases?per_page=2&page=5").json
    assert (beyond["items"], beyond["total"]) == ([], 3)
    assert agent.get("/api/v1/cases?per_page=201").status == 422
    assert agent.get("/api/v1/cases?sort=password").status == 422


def test_search_finds_danish_words_in_other_forms_and_in_messages(api, office):
    printer = open_case(api, office.requester, title="Printeren virker ikke", description="Papiret sidder fast")
    mail = open_case(api, office.requester, title="Outlook", description="Kan ikke sende mails")
    api.as_(office.requester).post(f"/api/v1/cases/{mail['id']}/messages",
                                   {"body": "Nu kommer der fejlbeskeder om certifikater"})
    agent = api.as_(office.agent)
    assert ids(agent.get("/api/v1/cases?q=printer")) == [printer["id"]]
    assert ids(agent.get("/api/v1/cases?q=papir")) == [printer["id"]]
    assert ids(agent.get("/api/v1/cases?q=certifikat")) == [mail["id"]]
    assert ids(agent.get("/api/v1/cases?q=printer outlook")) == []
    assert ids(agent.get(f"/api/v1/cases?q={mail['number']}")) == [mail["id"]]
    assert ids(agent.get(f"/api/v1/cases?q={mail['number'][-9:]}")) == [mail["id"]]
    assert agent.get('/api/v1/cases?q="uafsluttet & | ! citat').status == 200


def test_the_search_finds_a_case_by_its_changed_title_and_no_longer_by_the_old_one(api, office):
    case = open_case(api, office.requester, title="Printeren virker ikke", description="Intet papir")
    changed = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"title": "Skærmen er sort"},
                                          headers={"If-Match": str(case["version"])})
    assert changed.status == 200, changed.json
    agent = api.as_(office.agent)
    assert ids(agent.get("/api/v1/cases?q=skærm")) == [case["id"]]
    assert ids(agent.get("/api/v1/cases?q=printer")) == []
    assert ids(agent.get("/api/v1/cases?q=papir")) == [case["id"]]


def test_the_search_uses_the_danish_gin_indexes(api, office, app):
    with app.extensions["servicekit"].database.engine.connect() as conn:
        indexes = {row[0]: row[1] for row in conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('ix_cases_search', "
            "'ix_cases_search_document', 'ix_case_messages_search')"))}
        assert set(indexes) == {"ix_cases_search_document", "ix_case_messages_search"}
        assert "gin" in indexes["ix_cases_search_document"] and "search_document" in indexes["ix_cases_search_document"]
        assert "gin" in indexes["ix_case_messages_search"] and "danish" in indexes["ix_case_messages_search"]
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(
            "EXPLAIN SELECT id FROM cases "
            "WHERE search_document @@ websearch_to_tsquery('danish'::regconfig, 'printer')")))
    assert "ix_cases_search_document" in plan


@contextmanager
def counted_queries(engine):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("query", ["view=all", "view=shared", "view=organisation", "q=printer", "sort=-priority"])
def test_one_page_of_cases_is_one_query_however_many_cases_and_followers(api, office, app, query):
    for n in range(12):
        case = open_case(api, office.requester, title=f"Printer {n}")
        api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.colleague.user_id})
    engine = app.extensions["servicekit"].database.engine
    with counted_queries(engine) as statements:
        answer = api.as_(office.colleague).get(f"/api/v1/cases?{query}&per_page=10")
    assert answer.status == 200
    assert len(answer.json["items"]) == 10, query
    business = [s for s in statements if "cases" in s]
    assert len(business) == 1, business


def test_one_page_of_messages_is_one_query(api, office, app):
    case = open_case(api, office.requester)
    for n in range(8):
        api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/messages", {"body": f"svar {n}"})
    engine = app.extensions["servicekit"].database.engine
    with counted_queries(engine) as statements:
        answer = api.as_(office.requester).get(f"/api/v1/cases/{case['id']}/messages")
    assert answer.json["total"] == 8
    assert len([s for s in statements if "case_messages" in s]) == 1


def fill_cases(engine, *, teams, agents, requesters, rows=6000):
    """Many cases straight into the table, spread over teams, agents and requesters as in a real desk:
    the first team, agent and requester of each list own a small share; 2 % of the cases have no agent."""
    with engine.begin() as conn:
        conn.execute(text(
            "WITH lists AS (SELECT CAST(:teams AS text[]) AS teams, CAST(:agents AS text[]) AS agents, "
            "CAST(:requesters AS text[]) AS people) "
            "INSERT INTO cases (id, number, number_key, title, description, status, priority, priority_overridden, "
            "urgency, impact, type, origin, private, requester_id, created_by, team_id, assignee_id, created_at, "
            "updated_at, solution_is_internal, open_blocking_tasks, version) "
            "SELECT gen_random_uuid()::text, 'FYLD ' || n, 'FYLD-' || n, 'Sag ' || n, 'Fyld', "
            "(ARRAY['registered','in_progress','assigned','resolved','closed'])[1 + n % 5], 'normal', false, "
            "'medium', 'medium', 'incident', 'portal', false, people[1 + n % cardinality(people)], "
            "people[1 + n % cardinality(people)], teams[1 + n % cardinality(teams)], "
            "CASE WHEN n % 50 = 0 THEN NULL ELSE agents[1 + n % cardinality(agents)] END, "
            "now() - n * interval '1 minute', now(), false, 0, 1 FROM lists, generate_series(1, :rows) AS n"),
            {"teams": teams, "agents": agents, "requesters": requesters, "rows": rows})
        conn.execute(text("ANALYZE cases"))


def captured_list_query(api, who, app, query):
    """The one SQL statement (and its parameters) a page of the case list runs."""
    engine = app.extensions["servicekit"].database.engine
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM cases" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert api.as_(who).get(f"/api/v1/cases?{query}").status == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(seen) == 1, seen
    return seen[0]


def plan_of(app, statement, parameters, *, seqscan=True):
    with app.extensions["servicekit"].database.engine.connect() as conn:
        if not seqscan:
            conn.execute(text("SET enable_seqscan = off"))
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))


@pytest.mark.parametrize(("who", "view", "indexes"), [
    ("drift_agent", "team", {"ix_cases_team_id_status"}),
    ("drift_agent", "assigned_to_me", {"ix_cases_assignee_id_status"}),
    ("drift_agent", "unassigned", {"ix_cases_assignee_id_status"}),
    ("drift_agent", "mine", {"ix_cases_requester_id_created_at", "ix_cases_created_by"}),
    ("requester", "mine", {"ix_cases_requester_id_created_at", "ix_cases_created_by"}),
])
def test_the_views_use_their_indexes_on_a_full_table(api, office, app, who, view, indexes):
    teams = [office.drift, *(str(uuid.uuid4()) for _ in range(49))]
    agents = [office.drift_agent.user_id, *(str(uuid.uuid4()) for _ in range(99))]
    requesters = [office.drift_agent.user_id, office.requester.user_id, *(str(uuid.uuid4()) for _ in range(198))]
    fill_cases(app.extensions["servicekit"].database.engine, teams=teams, agents=agents, requesters=requesters)
    statement, parameters = captured_list_query(api, getattr(office, who), app, f"view={view}&status=open")
    for seqscan in (True, False):
        plan = plan_of(app, statement, parameters, seqscan=seqscan)
        assert all(index in plan for index in indexes), plan


def spread_filled_cases(engine, *, organisations, followers):
    """Give the filled cases an organisation each and one follower each, spread over the lists as fill_cases
    spreads teams; every hundredth case waits internally (a rare status)."""
    with engine.begin() as conn:
        conn.execute(text(
            "WITH lists AS (SELECT CAST(:organisations AS text[]) AS organisations), "
            "filled AS (SELECT id, CAST(substr(number_key, 6) AS int) AS n FROM cases WHERE number_key LIKE 'FYLD-%') "
            "UPDATE cases SET organisation_id = organisations[1 + filled.n % cardinality(organisations)], "
            "status = CASE WHEN filled.n % 100 = 0 THEN 'waiting_internal' ELSE cases.status END "
            "FROM lists, filled WHERE cases.id = filled.id"), {"organisations": organisations})
        conn.execute(text(
            "WITH lists AS (SELECT CAST(:people AS text[]) AS people) "
            "INSERT INTO case_followers (case_id, user_id, added_at) "
            "SELECT id, people[1 + (CAST(substr(number_key, 6) AS int) * 7) % cardinality(people)], now() "
            "FROM cases, lists WHERE number_key LIKE 'FYLD-%'"), {"people": followers})
        conn.execute(text("ANALYZE cases; ANALYZE case_followers"))


def full_desk(app, office):
    engine = app.extensions["servicekit"].database.engine
    fill_cases(engine, teams=[office.drift, *(str(uuid.uuid4()) for _ in range(49))],
               agents=[office.drift_agent.user_id, *(str(uuid.uuid4()) for _ in range(99))],
               requesters=[office.requester.user_id, office.outsider.user_id,
                           *(str(uuid.uuid4()) for _ in range(198))])
    spread_filled_cases(engine, organisations=[office.org, office.other_org, *(str(uuid.uuid4()) for _ in range(48))],
                        followers=[office.requester.user_id, office.outsider.user_id,
                                   *(str(uuid.uuid4()) for _ in range(198))])
    return engine


# A requester's cases are found through one index per rule of what they may see (their own, shared with them,
# their organisation's); the outsider's organisation shares its cases, the requester's does not.
@pytest.mark.parametrize(("who", "query", "indexes"), [
    ("requester", "view=shared&status=open", {"ix_case_followers_user_id"}),
    ("outsider", "view=organisation&status=open", {"ix_cases_organisation_id_created_at"}),
    ("drift_agent", "view=organisation&organisation_id={other_org}", {"ix_cases_organisation_id_created_at"}),
    ("requester", "view=all&status=open", {"ix_cases_requester_id_created_at", "ix_case_followers_user_id"}),
    ("outsider", "view=all&status=open", {"ix_cases_requester_id_created_at", "ix_case_followers_user_id",
                                          "ix_cases_organisation_id_created_at"}),
    ("drift_agent", "view=all&status=waiting_internal", {"ix_cases_status_created_at"}),
])
def test_the_shared_organisation_and_all_views_use_their_indexes_on_a_full_table(api, office, app, who, query,
                                                                                  indexes):
    full_desk(app, office)
    statement, parameters = captured_list_query(api, getattr(office, who), app,
                                                query.format(other_org=office.other_org))
    for seqscan in (True, False):
        plan = plan_of(app, statement, parameters, seqscan=seqscan)
        assert all(index in plan for index in indexes), plan


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_search_in_messages_uses_its_index_on_a_full_table(api, office, app, who):
    engine = full_desk(app, office)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO case_messages (id, case_id, author_id, visibility, body, via, created_at) "
            "SELECT gen_random_uuid()::text, id, requester_id, "
            "CASE WHEN n % 3 = 0 THEN 'internal' ELSE 'external' END, "
            "CASE WHEN n % 500 = 0 THEN 'Certifikatet er udløbet' ELSE 'Printeren står stille igen' END, "
            "'portal', now() FROM (SELECT id, requester_id, CAST(substr(number_key, 6) AS int) AS n FROM cases "
            "WHERE number_key LIKE 'FYLD-%') AS filled, generate_series(1, 3)"))
        conn.execute(text("ANALYZE case_messages"))
    statement, parameters = captured_list_query(api, getattr(office, who), app, "q=certifikat")
    for seqscan in (True, False):
        plan = plan_of(app, statement, parameters, seqscan=seqscan)
        assert "ix_case_messages_search" in plan, plan


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_search_in_cases_uses_the_index_of_their_stored_documents_on_a_full_table(api, office, app, who):
    full_desk(app, office)
    statement, parameters = captured_list_query(api, getattr(office, who), app, "q=certifikat")
    for seqscan in (True, False):
        plan = plan_of(app, statement, parameters, seqscan=seqscan)
        assert "ix_cases_search_document" in plan, plan
