"""Opening, reading and changing cases over HTTP, on PostgreSQL."""

import re

from sqlalchemy import func, select

from cases.models import Case, HistoryEntry
from servicekit.outbox import outbox_table

NUMBER = re.compile(r"^SAG \d{4}-\d{4}$")


def open_case(api, who, **fields):
    body = {"title": "Printeren på 3. sal", "description": "Den skriver ikke ud", **fields}
    answer = api.as_(who).post("/api/v1/cases", body)
    assert answer.status == 201, answer.json
    return answer.json


def test_a_requester_opens_a_registered_case_in_the_default_team_with_every_contract_field(api, office):
    case = open_case(api, office.requester)
    assert NUMBER.match(case["number"])
    assert case["status"] == "registered"
    assert case["team_id"] == office.support
    assert (case["urgency"], case["impact"], case["priority"], case["type"], case["origin"]) == (
        "medium", "medium", "normal", "incident", "portal")
    assert case["requester_id"] == office.requester.user_id
    assert case["organisation_id"] == office.org
    assert case["version"] == 1
    contract = {"id", "number", "title", "description", "status", "priority", "urgency", "impact", "type",
                "category", "product", "origin", "private", "requester_id", "organisation_id", "team_id",
                "assignee_id", "created_by", "created_at", "updated_at", "resolved_at", "closed_at", "parent_id",
                "merged_into_id", "follower_ids", "open_blocking_tasks", "solution_message_id", "version"}
    assert contract <= set(case)


def test_numbers_count_up_within_the_month(api, office):
    first, second = open_case(api, office.requester), open_case(api, office.requester)
    assert int(second["number"][-4:]) == int(first["number"][-4:]) + 1


def test_a_missing_title_or_description_is_422_naming_the_field_and_nothing_is_created(api, office, app):
    answer = api.as_(office.requester).post("/api/v1/cases", {"title": "  ", "description": ""})
    assert answer.status == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert set(answer.json["errors"]) == {"title", "description"}
    with app.extensions["servicekit"].database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_errors_speak_danish_by_default(api, office):
    answer = api.as_(office.requester).post("/api/v1/cases", {"title": "x"}, headers={"Accept-Language": "da"})
    assert answer.json["title"] == "Indtastningen bryder en regel"
    assert answer.json["errors"]["description"] == ["Feltet skal udfyldes."]


def test_urgency_and_impact_set_the_priority_through_the_matrix(api, office):
    case = open_case(api, office.requester, urgency="high", impact="high")
    assert case["priority"] == "critical"


def test_a_requester_cannot_choose_team_agent_or_priority(api, office):
    answer = api.as_(office.requester).post("/api/v1/cases", {"title": "t", "description": "d",
                                                               "priority": "critical"})
    assert answer.status == 403


def test_an_agent_opens_a_case_for_a_requester_taken_by_phone(api, office):
    case = open_case(api, office.agent, requester_id=office.requester.user_id, origin="phone",
                     assignee_id=office.agent.user_id, priority="high")
    assert case["requester_id"] == office.requester.user_id
    assert case["organisation_id"] == office.org
    assert case["created_by"] == office.agent.user_id
    assert (case["origin"], case["status"], case["priority"]) == ("phone", "assigned", "high")
    assert case["priority_overridden"] is True


def test_an_unknown_requester_or_team_is_422(api, office):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.as_(office.agent).post("/api/v1/cases", {"title": "t", "description": "d",
                                                        "requester_id": unknown}).status == 422
    answer = api.as_(office.agent).post("/api/v1/cases", {"title": "t", "description": "d", "team_id": unknown})
    assert answer.status == 422
    assert "team_id" in answer.json["errors"]


def test_a_case_is_found_by_its_number_with_or_without_the_space_in_any_case(api, office):
    case = open_case(api, office.requester)
    compact = case["number"].replace(" ", "").lower()
    for typed in (case["number"], compact, compact.upper()):
        answer = api.as_(office.requester).get(f"/api/v1/cases/by-number/{typed}")
        assert answer.status == 200
        assert answer.json["id"] == case["id"]
    assert api.as_(office.requester).get("/api/v1/cases/by-number/SAG 9912-9999").status == 404
    assert api.as_(office.requester).get("/api/v1/cases/by-number/nonsense").status == 404


def test_the_case_carries_its_version_as_etag(api, office):
    case = open_case(api, office.requester)
    assert api.as_(office.requester).get(f"/api/v1/cases/{case['id']}").headers["ETag"] == '"1"'


def test_an_agent_changes_fields_and_each_change_is_in_the_history(api, office):
    case = open_case(api, office.requester)
    answer = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}",
                                         {"title": "Printer 3. sal", "category": "Hardware", "urgency": "high"},
                                         headers={"If-Match": '"1"'})
    assert answer.status == 200
    assert answer.json["version"] == 2
    assert answer.headers["ETag"] == '"2"'
    assert answer.json["priority"] == "high"
    history = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/history").json["items"]
    changed = {entry["field"]: (entry["old"], entry["new"]) for entry in history}
    assert changed["title"] == ("Printeren på 3. sal", "Printer 3. sal")
    assert changed["category"] == (None, "Hardware")
    assert changed["priority"] == ("normal", "high")
    assert all(entry["actor_id"] == office.agent.user_id for entry in history if entry["field"] != "created")


def test_a_stale_if_match_is_412_and_changes_nothing(api, office, app):
    case = open_case(api, office.requester)
    api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"category": "Net"})
    database = app.extensions["servicekit"].database
    with database.transaction() as session:
        before = (session.scalar(select(func.count()).select_from(HistoryEntry)),
                  session.scalar(select(func.count()).select_from(outbox_table)))
    for stale in ("1", '"1"', 'W/"1"'):
        answer = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"title": "Lost update"},
                                             headers={"If-Match": stale})
        assert answer.status == 412
        assert answer.json["current_version"] == 2
    current = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}").json
    assert (current["title"], current["version"]) == ("Printeren på 3. sal", 2)
    with database.transaction() as session:
        after = (session.scalar(select(func.count()).select_from(HistoryEntry)),
                 session.scalar(select(func.count()).select_from(outbox_table)))
    assert after == before


def test_stale_if_match_also_guards_the_actions(api, office):
    case = open_case(api, office.requester)
    api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"category": "Net"})
    assert api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/resolve", {},
                                      headers={"If-Match": "1"}).status == 412
    assert api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/resolve", {},
                                      headers={"If-Match": "2"}).status == 200


def test_an_agent_overrides_the_priority_and_null_hands_it_back_to_the_matrix(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    assert api.as_(office.agent).patch(url, {"priority": "critical"}).json["priority"] == "critical"
    assert api.as_(office.agent).patch(url, {"urgency": "low"}).json["priority"] == "critical"
    reset = api.as_(office.agent).patch(url, {"priority": None}).json
    assert (reset["priority"], reset["priority_overridden"]) == ("low", False)


def test_a_requester_may_not_patch_their_case(api, office):
    case = open_case(api, office.requester)
    assert api.as_(office.requester).patch(f"/api/v1/cases/{case['id']}", {"title": "x"}).status == 403


def test_an_empty_patch_or_a_bad_value_is_422(api, office):
    case = open_case(api, office.requester)
    assert api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {}).status == 422
    assert api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"status": "done"}).status == 422
    assert api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"team_id": None}).status == 422


def test_the_agent_must_belong_to_the_case_team(api, office):
    case = open_case(api, office.requester)
    answer = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"assignee_id": office.drift_agent.user_id})
    assert answer.status == 422
    assert "assignee_id" in answer.json["errors"]
    assert api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}",
                                       {"assignee_id": office.requester.user_id}).status == 422


def test_moving_a_case_to_another_team_clears_an_agent_who_is_not_in_it(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).patch(url, {"assignee_id": office.agent.user_id})
    moved = api.as_(office.agent).patch(url, {"team_id": office.drift}).json
    assert (moved["team_id"], moved["assignee_id"], moved["status"]) == (office.drift, None, "registered")
    assert moved["handed_over_from_team_id"] == office.support
    assert moved["handed_over_by_id"] == office.agent.user_id


def test_a_dispatcher_assigns_within_the_team_they_dispatch(api, office, world):
    pure_dispatcher = world.user(("dispatcher",), dispatcher_of=[office.drift])
    case = open_case(api, office.agent, team_id=office.drift)
    ok = api.as_(pure_dispatcher).patch(f"/api/v1/cases/{case['id']}", {"assignee_id": office.drift_agent.user_id})
    assert ok.status == 200
    other = open_case(api, office.requester)
    assert api.as_(pure_dispatcher).patch(f"/api/v1/cases/{other['id']}", {"title": "x"}).status == 403


def test_user_text_is_stored_and_returned_as_plain_text_never_as_html(api, office):
    case = open_case(api, office.requester, title="<img src=x onerror=alert(1)>", description="<script>x</script>")
    answer = api.as_(office.requester).get(f"/api/v1/cases/{case['id']}")
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.json["title"] == "<img src=x onerror=alert(1)>"


def test_a_child_case_links_to_its_parent_and_cycles_are_refused(api, office):
    parent = open_case(api, office.requester)
    child = open_case(api, office.agent, parent_id=parent["id"], requester_id=office.requester.user_id)
    assert child["parent_id"] == parent["id"]
    children = api.as_(office.agent).get(f"/api/v1/cases?parent_id={parent['id']}").json
    assert [c["id"] for c in children["items"]] == [child["id"]]
    cycle = api.as_(office.agent).patch(f"/api/v1/cases/{parent['id']}", {"parent_id": child["id"]})
    assert cycle.status == 422
    assert api.as_(office.agent).patch(f"/api/v1/cases/{parent['id']}", {"parent_id": parent["id"]}).status == 422


def test_the_services_own_messages_are_danish_by_default_and_english_on_request(api, office):
    missing = "/api/v1/cases/00000000-0000-4000-8000-000000000000"
    danish = api.as_(office.requester).get(missing, headers={"Accept-Language": "da"})
    assert (danish.status, danish.json["detail"]) == (404, "Sagen findes ikke, eller du har ikke adgang til den.")
    english = api.as_(office.requester).get(missing, headers={"Accept-Language": "en"})
    assert english.json["detail"] == "There is no such case, or you may not see it."
    case = open_case(api, office.requester)
    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/close")
    refused = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"status": "in_progress"},
                                          headers={"Accept-Language": "da"})
    assert refused.json["detail"] == "Sagen er lukket, og en lukket sag kan ikke ændres."


def test_an_assigned_case_needs_an_agent(api, office):
    case = open_case(api, office.requester)
    answer = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"status": "assigned"})
    assert answer.status == 422
    assert "assignee_id" in answer.json["errors"]


def test_setting_an_assigned_case_back_to_registered_takes_its_agent_off(api, office):
    case = open_case(api, office.agent, requester_id=office.requester.user_id, assignee_id=office.agent.user_id)
    url = f"/api/v1/cases/{case['id']}"
    contradictory = api.as_(office.agent).patch(url, {"status": "registered", "assignee_id": office.agent.user_id})
    assert (contradictory.status, list(contradictory.json["errors"])) == (422, ["assignee_id"])
    back = api.as_(office.agent).patch(url, {"status": "registered"}).json
    assert (back["status"], back["assignee_id"]) == ("registered", None)
    assert back["id"] in [c["id"] for c in api.as_(office.agent).get("/api/v1/cases?view=unassigned").json["items"]]


def test_a_resolved_case_set_back_to_registered_by_hand_is_reopened_without_its_agent(api, office):
    case = open_case(api, office.agent, requester_id=office.requester.user_id, assignee_id=office.agent.user_id)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).post(f"{url}/resolve", {"solution": "Genstartet"})
    back = api.as_(office.agent).patch(url, {"status": "registered"}).json
    assert (back["status"], back["assignee_id"], back["resolved_at"], back["solution_message_id"]) == (
        "registered", None, None, None)


def test_merging_two_cases_into_each_other_at_once_never_deadlocks(api, office):
    from concurrent.futures import ThreadPoolExecutor

    first, second = open_case(api, office.requester), open_case(api, office.requester)

    def merge(pair):
        source, target = pair
        return api.as_(office.agent).post(f"/api/v1/cases/{source['id']}/merge", {"into_id": target["id"]}).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(merge, [(first, second), (second, first)]))
    assert statuses == [200, 409]


def test_a_parent_that_does_not_exist_or_is_hidden_is_an_invalid_field(api, office):
    case = open_case(api, office.requester)
    hidden = open_case(api, office.outsider)
    answer = api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}",
                                         {"parent_id": "00000000-0000-4000-8000-000000000000"})
    assert (answer.status, list(answer.json["errors"])) == (422, ["parent_id"])
    assert api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"parent_id": hidden["id"]}).status == 200


def test_malformed_input_is_a_clear_problem_never_a_500(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    agent = api.as_(office.agent)
    broken_json = agent.request("PATCH", url, data="{not json", content_type="application/json")
    assert broken_json.status in (400, 422)
    assert broken_json.headers["Content-Type"] == "application/problem+json"
    assert agent.patch(url, ["title"]).status == 422
    assert agent.patch(url, {"title": "x"}, headers={"If-Match": "abc"}).status == 400
    assert agent.patch(url, {"title": "x" * 301}).status == 422
    assert agent.get("/api/v1/cases?page=0").status == 422
    assert agent.get("/api/v1/cases?team_id=not-a-uuid").status == 422
    assert agent.get("/api/v1/cases/not-a-uuid").status == 404
    assert agent.post(f"{url}/merge", {"into_id": "nope"}).status == 422
    assert agent.get(url).json["version"] == 1
