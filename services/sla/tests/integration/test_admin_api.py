"""Policies and calendars over HTTP with the gateway's identity token, on PostgreSQL."""

import pytest

OFFICE = {d: [{"start": "08:00", "end": "16:00"}] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
TARGETS = {"critical": {"first_response": 1800, "resolution": 7200}}


@pytest.fixture
def admin(make_identity):
    return make_identity(roles=("admin",))


@pytest.fixture
def agent(make_identity):
    return make_identity(roles=("agent",))


@pytest.fixture
def requester(make_identity):
    return make_identity(roles=("requester",))


def test_a_new_installation_has_a_danish_working_calendar_a_round_the_clock_one_and_a_default_policy(call, agent):
    calendars = call("GET", "/api/v1/sla/calendars", agent).get_json()
    names = {c["name"]: c for c in calendars["items"]}
    assert set(names) == {"Dansk arbejdstid", "Døgnåben (24/7)"} and calendars["total"] == 2
    office = names["Dansk arbejdstid"]
    assert office["time_zone"] == "Europe/Copenhagen" and office["holiday_country"] == "DK"
    assert office["working_hours"]["monday"] == [{"start": "08:00", "end": "16:00"}]
    assert names["Døgnåben (24/7)"]["always_open"] is True
    [policy] = call("GET", "/api/v1/sla/policies", agent).get_json()["items"]
    assert policy["is_default"] and policy["pause_statuses"] == ["waiting_requester"]
    assert set(policy["targets"]) == {"critical", "high", "normal", "low"}
    assert policy["calendar_id"] == office["id"]


def test_the_seeded_calendar_closes_christmas_eve_and_new_years_eve(call, agent):
    calendars = call("GET", "/api/v1/sla/calendars", agent).get_json()["items"]
    office = next(c for c in calendars if c["name"] == "Dansk arbejdstid")
    assert [(d["date"], d["name"], d["mode"], d["hours"]) for d in office["special_days"]] == [
        ("2000-06-05", "Grundlovsdag", "limit", [{"start": "08:00", "end": "12:00"}]),
        ("2000-12-24", "Juleaftensdag", "closed", []),
        ("2000-12-31", "Nytårsaftensdag", "closed", []),
    ]
    assert all(d["recurring"] for d in office["special_days"])
    days = call("GET", f"/api/v1/sla/calendars/{office['id']}/days?from=2026-12-23&days=3", agent).get_json()
    assert [(d["date"], d["reason"], d["name"], d["business_seconds"]) for d in days] == [
        ("2026-12-23", "weekday", "", 8 * 3600), ("2026-12-24", "special", "Juleaftensdag", 0),
        ("2026-12-25", "holiday", "Juledag", 0)]
    june = call("GET", f"/api/v1/sla/calendars/{office['id']}/days?from=2027-06-04&days=2", agent).get_json()
    assert [(d["date"], d["business_seconds"]) for d in june] == [("2027-06-04", 8 * 3600), ("2027-06-05", 0)]


def test_a_special_days_mode_defaults_from_its_hours_and_must_fit_them(call, admin):
    body = {"name": "Kommunen", "special_days": [
        {"date": "2026-06-05", "recurring": True, "hours": [{"start": "08:00", "end": "12:00"}]},
        {"date": "2026-12-23"},
        {"date": "2026-12-25", "mode": "open", "hours": [{"start": "10:00", "end": "12:00"}]}]}
    created = call("POST", "/api/v1/sla/calendars", admin, json=body).get_json()
    assert [d["mode"] for d in created["special_days"]] == ["closed", "open", "limit"]
    for wrong in ({"date": "2026-12-24", "mode": "closed", "hours": [{"start": "08:00", "end": "12:00"}]},
                  {"date": "2026-12-24", "mode": "open"}, {"date": "2026-12-24", "mode": "sometimes"}):
        response = call("PATCH", f"/api/v1/sla/calendars/{created['id']}", admin, json={"special_days": [wrong]})
        assert response.status_code == 422 and "special_days" in response.get_json()["errors"], wrong
    assert call("GET", f"/api/v1/sla/calendars/{created['id']}", admin).get_json()["version"] == 1


def test_an_admin_creates_a_calendar_with_closed_days_and_part_days(call, admin):
    body = {"name": "Kommunen", "working_hours": {**OFFICE, "friday": [{"start": "08:00", "end": "13:00"}]},
            "include_optional_holidays": True,
            "special_days": [{"date": "2026-06-05", "name": "Grundlovsdag", "recurring": True,
                              "hours": [{"start": "08:00", "end": "12:00"}]},
                             {"date": "2026-12-23", "name": "Lillejuleaften"}]}
    response = call("POST", "/api/v1/sla/calendars", admin, json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["version"] == 1 and created["working_hours"]["saturday"] == []
    days = call("GET", f"/api/v1/sla/calendars/{created['id']}/days?from=2026-12-22&days=3", admin).get_json()
    assert [(d["date"], d["reason"], d["business_seconds"]) for d in days] == [
        ("2026-12-22", "weekday", 8 * 3600), ("2026-12-23", "special", 0), ("2026-12-24", "holiday", 0)]
    assert days[2]["name"] == "Juleaftensdag"
    english = call("GET", f"/api/v1/sla/calendars/{created['id']}/days?from=2026-12-25&days=1", admin,
                   headers={"Accept-Language": "en"}).get_json()
    assert english[0]["name"] == "Christmas Day"


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "time_zone": "Europe/Aarhus"}, "time_zone"),
    ({"name": "x", "working_hours": {"monday": [{"start": "16:00", "end": "08:00"}]}}, "working_hours"),
    ({"name": "x", "working_hours": {"monday": [{"start": "08:00", "end": "12:00"},
                                                {"start": "11:00", "end": "13:00"}]}}, "working_hours"),
    ({"name": "x", "working_hours": {}}, "working_hours"),
    ({"name": "x", "holiday_country": "XX"}, "holiday_country"),
    ({"name": "x", "working_hours": {"caturday": []}}, "working_hours"),
    ({"name": "x", "special_days": [{"date": "2026-12-24"}, {"date": "2026-12-24"}]}, "special_days"),
    ({"time_zone": "Europe/Copenhagen"}, "name"),
])
def test_a_calendar_that_breaks_a_rule_is_refused_in_danish_and_nothing_is_stored(call, admin, body, field):
    response = call("POST", "/api/v1/sla/calendars", admin, json=body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json" and field in problem["errors"]
    assert problem["title"] == "Input bryder en regel" or problem["title"]
    assert call("GET", "/api/v1/sla/calendars", admin).get_json()["total"] == 2


def test_errors_follow_the_callers_language(call, admin):
    body = {"name": "x", "holiday_country": "XX"}
    danish = call("POST", "/api/v1/sla/calendars", admin, json=body).get_json()
    english = call("POST", "/api/v1/sla/calendars", admin, json=body, headers={"Accept-Language": "en"}).get_json()
    assert english["errors"]["holiday_country"] == ["No public holidays are known for this country code."]
    assert danish["errors"]["holiday_country"] != english["errors"]["holiday_country"]


def test_only_admins_change_policies_and_calendars_and_requesters_cannot_read_them(call, agent, requester):
    for identity in (agent, requester):
        assert call("POST", "/api/v1/sla/calendars", identity, json={"name": "x"}).status_code == 403
        assert call("POST", "/api/v1/sla/policies", identity,
                    json={"name": "x", "targets": TARGETS}).status_code == 403
    assert call("GET", "/api/v1/sla/policies", requester).status_code == 403
    assert call("GET", "/api/v1/sla/calendars", requester).status_code == 403
    assert call("GET", "/api/v1/sla/stats", requester).status_code == 403


def test_a_call_without_the_gateways_identity_is_refused(client):
    assert client.get("/api/v1/sla/policies").status_code == 401


def test_an_organisation_policy_is_created_and_a_twin_is_a_conflict(call, admin):
    body = {"name": "Kunde A", "organisation_id": "0b8a7d7e-1111-4222-8333-944455556666", "targets": TARGETS,
            "type": "incident"}
    created = call("POST", "/api/v1/sla/policies", admin, json=body)
    assert created.status_code == 201, created.get_json()
    policy = created.get_json()
    assert policy["type"] == "incident" and policy["warning_percent"] == 75 and not policy["is_default"]
    twin = call("POST", "/api/v1/sla/policies", admin, json={**body, "name": "Kunde A igen"})
    assert twin.status_code == 409 and twin.get_json()["policy_id"] == policy["id"]


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "targets": {}}, "targets"),
    ({"name": "x", "targets": {"urgent": {"first_response": 600, "resolution": 6000}}}, "targets"),
    ({"name": "x", "targets": {"low": {"first_response": 6000, "resolution": 600}}}, "targets"),
    ({"name": "x", "targets": {"low": {"first_response": -1, "resolution": 600}}}, "targets"),
    ({"name": "x", "targets": TARGETS, "calendar_id": "nope"}, "calendar_id"),
    ({"name": "x", "targets": TARGETS, "pause_statuses": ["resolved"]}, "pause_statuses"),
    ({"name": "x", "targets": TARGETS, "warning_percent": 100}, "warning_percent"),
    ({"name": "x", "targets": TARGETS, "type": "rant"}, "type"),
])
def test_a_policy_that_breaks_a_rule_is_refused(call, admin, body, field):
    response = call("POST", "/api/v1/sla/policies", admin, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_policy_cannot_be_moved_to_an_unknown_calendar(call, admin):
    [policy] = call("GET", "/api/v1/sla/policies", admin).get_json()["items"]
    response = call("PATCH", f"/api/v1/sla/policies/{policy['id']}", admin, json={"calendar_id": "nope"})
    assert response.status_code == 422 and "calendar_id" in response.get_json()["errors"]
    assert call("GET", f"/api/v1/sla/policies/{policy['id']}", admin).get_json()["version"] == 1


def test_the_default_policy_stays_a_catch_all(call, admin):
    [policy] = call("GET", "/api/v1/sla/policies", admin).get_json()["items"]
    for change in ({"active": False}, {"category": "Print"}):
        response = call("PATCH", f"/api/v1/sla/policies/{policy['id']}", admin, json=change)
        assert response.status_code == 422
    targets = {**policy["targets"]}
    targets.pop("low")
    assert call("PATCH", f"/api/v1/sla/policies/{policy['id']}", admin,
                json={"targets": targets}).status_code == 422


def test_a_stale_if_match_is_refused_and_changes_nothing(call, admin):
    [policy] = call("GET", "/api/v1/sla/policies", admin).get_json()["items"]
    path = f"/api/v1/sla/policies/{policy['id']}"
    fresh = call("PATCH", path, admin, json={"warning_percent": 80}, headers={"If-Match": '"1"'})
    assert fresh.status_code == 200 and fresh.get_json()["version"] == 2
    stale = call("PATCH", path, admin, json={"warning_percent": 50}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    assert call("GET", path, admin).get_json()["warning_percent"] == 80


def test_an_unknown_policy_or_calendar_is_not_found(call, admin):
    assert call("GET", "/api/v1/sla/policies/nope", admin).status_code == 404
    assert call("PATCH", "/api/v1/sla/calendars/nope", admin, json={"name": "x"}).status_code == 404


def test_a_list_page_is_one_query(call, admin, context):
    from sqlalchemy import event

    for n in range(5):
        call("POST", "/api/v1/sla/calendars", admin, json={"name": f"Kalender {n}"})
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(context.database.engine, "before_cursor_execute", count)
    try:
        page = call("GET", "/api/v1/sla/calendars?per_page=3&page=2", admin).get_json()
    finally:
        event.remove(context.database.engine, "before_cursor_execute", count)
    assert page["total"] == 7 and len(page["items"]) == 3
    assert len([s for s in statements if "calendars" in s]) == 1


def test_a_new_organisation_policy_takes_over_the_open_cases_it_matches(call, admin, sla_url):
    from datetime import UTC, datetime

    from builders import CaseStory
    from harness import SlaHarness

    from servicekit.db import Database

    organisation = "0b8a7d7e-1111-4222-8333-944455556666"
    database = Database(sla_url)
    story = CaseStory(created_at=datetime.now(UTC), priority="critical", organisation_id=organisation)
    SlaHarness(database).deliver(story.created(), at=datetime.now(UTC))
    database.dispose()
    before = call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()
    assert before["policy_name"] == "Standard-SLA" and before["resolution"]["target_seconds"] == 4 * 3600
    created = call("POST", "/api/v1/sla/policies", admin,
                   json={"name": "Kunde A", "organisation_id": organisation, "targets": TARGETS}).get_json()
    after = call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()
    assert after["policy_id"] == created["id"] and after["resolution"]["target_seconds"] == 7200
    assert after["first_response"]["target_seconds"] == 1800
    path = f"/api/v1/sla/policies/{created['id']}"
    targets = {"critical": {"first_response": 900, "resolution": 3600}}
    assert call("PATCH", path, admin, json={"targets": targets}).status_code == 200
    assert call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()["resolution"]["target_seconds"] == 3600
    assert call("PATCH", path, admin, json={"active": False}).status_code == 200
    back = call("GET", f"/api/v1/cases/{story.id}/sla", admin).get_json()
    assert back["policy_name"] == "Standard-SLA" and back["resolution"]["target_seconds"] == 4 * 3600
