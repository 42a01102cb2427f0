"""The status rules of seeds 000 and 001 through the API: replies, resolving, closing, hand-over, merge, bulk."""

import io

from helpers import event, outbox_events

from cases.schemas.cases import ClosingRefused


def open_case(api, who, **fields):
    answer = api.as_(who).post("/api/v1/cases", {"title": "Adgang til Navision", "description": "Kan ikke logge på",
                                                 **fields})
    assert answer.status == 201, answer.json
    return answer.json


def test_a_requester_reply_on_a_case_waiting_for_them_takes_it_back_to_work(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).patch(url, {"status": "waiting_requester"})
    api.as_(office.requester).post(f"{url}/messages", {"body": "Her er skærmbilledet"})
    assert api.as_(office.requester).get(url).json["status"] == "in_progress"


def test_an_agent_message_does_not_move_a_waiting_case(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).patch(url, {"status": "waiting_requester"})
    api.as_(office.agent).post(f"{url}/messages", {"body": "Har du set min mail?"})
    assert api.as_(office.agent).get(url).json["status"] == "waiting_requester"


def test_resolving_with_a_solution_marks_it_and_a_requester_reply_reopens_the_case(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    resolved = api.as_(office.agent).post(f"{url}/resolve", {"solution": "Adgangen er genskabt"}).json
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    solution = api.as_(office.requester).get(f"{url}/messages").json["items"][-1]
    assert (solution["body"], solution["is_solution"], solution["visibility"]) == (
        "Adgangen er genskabt", True, "external")
    api.as_(office.requester).post(f"{url}/messages", {"body": "Det virker stadig ikke"})
    reopened = api.as_(office.requester).get(url).json
    assert (reopened["status"], reopened["resolved_at"], reopened["solution_message_id"]) == (
        "in_progress", None, None)


def test_resolving_twice_changes_nothing_the_second_time(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    first = api.as_(office.agent).post(f"{url}/resolve", {}).json
    second = api.as_(office.agent).post(f"{url}/resolve", {}).json
    assert first["version"] == second["version"]


def test_a_new_solution_for_a_resolved_case_is_refused_but_the_same_one_again_is_done(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    first = api.as_(office.agent).post(f"{url}/resolve", {"solution": "Genstart routeren"}).json
    again = api.as_(office.agent).post(f"{url}/resolve", {"solution": "Genstart routeren"})
    assert (again.status, again.json["version"]) == (200, first["version"])
    other = api.as_(office.agent).post(f"{url}/resolve", {"solution": "Skift kablet"})
    assert (other.status, other.json["type"]) == (409, "/problems/invalid-transition")
    bodies = [m["body"] for m in api.as_(office.agent).get(f"{url}/messages").json["items"]]
    assert bodies == ["Genstart routeren"]


def test_requesters_and_agents_reopen_a_resolved_case_but_never_a_closed_one(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    assert api.as_(office.requester).post(f"{url}/reopen", {}).status == 409
    api.as_(office.agent).post(f"{url}/resolve", {})
    reopened = api.as_(office.requester).post(f"{url}/reopen", {"reason": "Fejlen er tilbage"})
    assert reopened.status == 200
    assert reopened.json["status"] == "in_progress"
    assert api.as_(office.requester).get(f"{url}/messages").json["items"][-1]["body"] == "Fejlen er tilbage"
    api.as_(office.agent).post(f"{url}/resolve", {})
    assert api.as_(office.agent).post(f"{url}/reopen", {}).json["status"] == "in_progress"
    api.as_(office.agent).post(f"{url}/close")
    closed = api.as_(office.requester).post(f"{url}/reopen", {})
    assert closed.status == 409
    assert closed.json["type"] == "/problems/invalid-transition"


def test_the_requester_closes_their_own_open_case_and_closing_again_changes_nothing(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    closed = api.as_(office.requester).post(f"{url}/close")
    assert closed.status == 200
    assert (closed.json["status"], closed.json["version"]) == ("closed", 2)
    again = api.as_(office.requester).post(f"{url}/close")
    assert (again.status, again.json["version"]) == (200, 2)
    assert api.as_(office.requester).post(f"{url}/messages", {"body": "hallo?"}).status == 409
    assert api.as_(office.agent).patch(url, {"title": "x"}).status == 409


def test_closing_with_an_open_blocking_task_is_409_naming_it_until_the_task_is_resolved(api, office, world):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    task_id = world.task(case["id"], number="TSK 2611-0007", subject="Ny adgang i AD")
    world.task(case["id"], number="TSK 2611-0008", blocks=False)
    assert api.as_(office.agent).get(url).json["open_blocking_tasks"] == 1
    refused = api.as_(office.agent).post(f"{url}/close")
    assert refused.status == 409
    assert "TSK 2611-0007" in refused.json["detail"]
    assert refused.json["tasks"][0]["subject"] == "Ny adgang i AD"
    by_requester = api.as_(office.requester).post(f"{url}/close")
    assert by_requester.status == 409
    assert "TSK" not in by_requester.text
    assert ClosingRefused().validate(refused.json) == ClosingRefused().validate(by_requester.json) == {}
    world.task(case["id"], task_id=task_id, version=3, status="resolved", number="TSK 2611-0007")
    world.task(case["id"], task_id=task_id, version=2, status="in_progress", number="TSK 2611-0007")
    assert api.as_(office.agent).get(url).json["open_blocking_tasks"] == 0
    assert api.as_(office.agent).post(f"{url}/close").status == 200


def test_seed_001_a_case_handed_from_support_to_operations_comes_back_to_support_who_close_it(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    support, drift = api.as_(office.agent), api.as_(office.drift_agent)
    support.patch(url, {"assignee_id": office.agent.user_id})
    support.post(f"{url}/messages", {"body": "Brugeren mangler adgang til lønmodulet", "visibility": "internal"})
    handed = support.patch(url, {"team_id": office.drift}).json
    assert (handed["team_id"], handed["assignee_id"], handed["status"]) == (office.drift, None, "registered")
    dispatched = api.as_(office.dispatcher).patch(url, {"assignee_id": office.drift_agent.user_id}).json
    assert dispatched["status"] == "assigned"
    refused = drift.post(f"{url}/close")
    assert refused.status == 403
    resolved = drift.post(f"{url}/resolve", {"solution": "Rettighed tildelt i AD"}).json
    assert (resolved["status"], resolved["team_id"], resolved["assignee_id"]) == (
        "resolved", office.support, office.agent.user_id)
    assert (resolved["handed_over_from_team_id"], resolved["owning_team_id"]) == (None, office.support)
    messages = support.get(f"{url}/messages").json["items"]
    assert (messages[-1]["visibility"], messages[-1]["is_solution"]) == ("internal", True)
    as_requester = api.as_(office.requester).get(url).json
    assert (as_requester["solution_message_id"], as_requester["owning_team_id"]) == (None, None)
    back_home = drift.post(f"{url}/close")
    assert back_home.status == 403
    assert drift.patch(url, {"status": "closed"}).status == 403
    closed = support.post(f"{url}/close")
    assert closed.status == 200


def test_seed_001_operations_cannot_close_a_handed_over_case_even_by_status(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).patch(url, {"team_id": office.drift})
    assert api.as_(office.drift_agent).patch(url, {"status": "closed"}).status == 403
    bulk = api.as_(office.drift_agent).post("/api/v1/cases/bulk", {"ids": [case["id"]],
                                                                   "changes": {"status": "closed"}}).json
    assert bulk["results"][0]["status"] == 403
    assert api.as_(office.admin).post(f"{url}/close").status == 200


def test_a_case_back_home_after_a_hand_over_is_still_closed_only_by_its_owning_team(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    api.as_(office.agent).patch(url, {"team_id": office.drift})
    home = api.as_(office.dispatcher).patch(url, {"team_id": office.support}).json
    assert (home["team_id"], home["handed_over_from_team_id"], home["owning_team_id"]) == (
        office.support, None, office.support)
    api.as_(office.agent).post(f"{url}/resolve", {})
    api.as_(office.requester).post(f"{url}/reopen", {})
    assert api.as_(office.drift_agent).post(f"{url}/close").status == 403
    assert api.as_(office.agent).post(f"{url}/close").status == 200


def test_a_case_never_handed_over_is_closed_by_any_agent(api, office):
    case = open_case(api, office.requester)
    assert api.as_(office.drift_agent).post(f"/api/v1/cases/{case['id']}/close").status == 200


def test_merging_moves_messages_attachments_and_followers_and_closes_the_source(api, office):
    source, target = open_case(api, office.colleague), open_case(api, office.requester)
    s_url, t_url = f"/api/v1/cases/{source['id']}", f"/api/v1/cases/{target['id']}"
    api.as_(office.colleague).post(f"{s_url}/messages", {"body": "Samme fejl her"})
    api.as_(office.colleague).post(f"{s_url}/attachments", data={"file": (io.BytesIO(b"png?"), "fejl.txt")},
                                   content_type="multipart/form-data")
    merged = api.as_(office.agent).post(f"{s_url}/merge", {"into_id": target["id"]})
    assert merged.status == 200
    assert (merged.json["status"], merged.json["merged_into_id"]) == ("closed", target["id"])
    now = api.as_(office.agent).get(t_url).json
    assert office.colleague.user_id in now["follower_ids"]
    assert [m["body"] for m in api.as_(office.colleague).get(f"{t_url}/messages").json["items"]] == ["Samme fejl her"]
    assert api.as_(office.colleague).get(f"{t_url}/attachments").json["total"] == 1
    assert api.as_(office.agent).post(f"{t_url}/merge", {"into_id": source["id"]}).status == 409
    assert api.as_(office.agent).post(f"{t_url}/merge", {"into_id": target["id"]}).status == 422


def test_cases_of_different_organisations_are_not_merged(api, office, world):
    ours, theirs = open_case(api, office.requester), open_case(api, office.outsider)
    answer = api.as_(office.agent).post(f"/api/v1/cases/{ours['id']}/merge", {"into_id": theirs["id"]})
    assert answer.status == 422
    loner = world.user(("requester",), organisation_id=None, name="Uden Organisation")
    homeless = open_case(api, loner)
    for source, target in ((homeless, ours), (ours, homeless)):
        refused = api.as_(office.agent).post(f"/api/v1/cases/{source['id']}/merge", {"into_id": target["id"]})
        assert (refused.status, list(refused.json["errors"])) == (422, ["into_id"])
    assert api.as_(office.agent).get(f"/api/v1/cases/{homeless['id']}").json["status"] == "registered"


def test_cases_outside_any_organisation_merge_only_when_they_are_the_same_persons(api, office, world):
    loner, other = world.user(("requester",), name="Lone Ulv"), world.user(("requester",), name="Ole Ulv")
    first, second, theirs = open_case(api, loner), open_case(api, loner), open_case(api, other)
    assert api.as_(office.agent).post(f"/api/v1/cases/{first['id']}/merge", {"into_id": theirs["id"]}).status == 422
    assert api.as_(loner).get(f"/api/v1/cases/{theirs['id']}").status == 404
    assert api.as_(office.agent).post(f"/api/v1/cases/{first['id']}/merge", {"into_id": second["id"]}).status == 200


def test_merging_obeys_the_closing_rules_blocking_tasks_and_the_owning_team(api, office, world):
    blocked, handed, target = (open_case(api, office.requester) for _ in range(3))
    api.as_(office.requester).post(f"/api/v1/cases/{blocked['id']}/messages", {"body": "Bliver her"})
    world.task(blocked["id"], number="TSK 2611-0042", subject="Bestil licens")
    refused = api.as_(office.agent).post(f"/api/v1/cases/{blocked['id']}/merge", {"into_id": target["id"]})
    assert refused.status == 409
    assert "TSK 2611-0042" in refused.json["detail"]
    assert api.as_(office.agent).get(f"/api/v1/cases/{blocked['id']}").json["status"] == "registered"
    assert api.as_(office.agent).get(f"/api/v1/cases/{blocked['id']}/messages").json["total"] == 1

    api.as_(office.agent).patch(f"/api/v1/cases/{handed['id']}", {"team_id": office.drift})
    by_drift = api.as_(office.drift_agent).post(f"/api/v1/cases/{handed['id']}/merge", {"into_id": target["id"]})
    assert by_drift.status == 403
    assert api.as_(office.agent).post(f"/api/v1/cases/{handed['id']}/merge", {"into_id": target["id"]}).status == 200


def test_the_merge_target_gets_a_new_version_an_event_and_history_even_when_only_messages_move(api, office, app):
    source, target = open_case(api, office.requester), open_case(api, office.requester)
    message = api.as_(office.requester).post(f"/api/v1/cases/{source['id']}/messages", {"body": "Samme fejl"}).json
    file = api.as_(office.requester).post(f"/api/v1/cases/{source['id']}/attachments",
                                          data={"file": (io.BytesIO(b"log"), "fejl.txt")},
                                          content_type="multipart/form-data").json
    assert api.as_(office.agent).post(f"/api/v1/cases/{source['id']}/merge", {"into_id": target["id"]}).status == 200
    now = api.as_(office.agent).get(f"/api/v1/cases/{target['id']}")
    assert (now.json["version"], now.headers["ETag"]) == (2, '"2"')
    updated = [e for e in outbox_events(app, target["id"]) if e["type"] == "case.updated"]
    assert len(updated) == 1
    data = updated[0]["data"]
    assert data["version"] == 2
    assert data["changes"] == {"merged_from": {"old": None, "new": source["number"]}}
    assert data["merged_from"] == {"id": source["id"], "number": source["number"], "message_ids": [message["id"]],
                                   "attachment_ids": [file["id"]]}
    history = api.as_(office.agent).get(f"/api/v1/cases/{target['id']}/history").json["items"]
    assert [(h["field"], h["new"], h["version"]) for h in history if h["field"] == "merged_from"] == [
        ("merged_from", source["number"], 2)]


def test_bulk_edit_changes_each_case_on_its_own_rules(api, office, world):
    free, blocked, closed = (open_case(api, office.requester) for _ in range(3))
    world.task(blocked["id"])
    api.as_(office.requester).post(f"/api/v1/cases/{closed['id']}/close")
    missing = "00000000-0000-4000-8000-000000000000"
    answer = api.as_(office.agent).post("/api/v1/cases/bulk", {
        "ids": [free["id"], blocked["id"], closed["id"], missing],
        "changes": {"status": "closed", "category": "Oprydning"}})
    assert answer.status == 200
    statuses = {r["id"]: r["status"] for r in answer.json["results"]}
    assert statuses == {free["id"]: 200, blocked["id"]: 409, closed["id"]: 409, missing: 404}
    assert api.as_(office.agent).get(f"/api/v1/cases/{blocked['id']}").json["category"] is None


def test_bulk_assignment_of_a_queue(api, office):
    cases = [open_case(api, office.requester) for _ in range(3)]
    answer = api.as_(office.agent).post("/api/v1/cases/bulk", {
        "ids": [c["id"] for c in cases], "changes": {"assignee_id": office.agent.user_id, "priority": "high"}})
    assert {r["status"] for r in answer.json["results"]} == {200}
    mine = api.as_(office.agent).get("/api/v1/cases?view=assigned_to_me").json
    assert mine["total"] == 3
    assert {c["status"] for c in mine["items"]} == {"assigned"}


def auto_close_due(world, resolved):
    world.deliver(event("sla.case_auto_close_due", {"case_id": resolved["id"], "case_version": resolved["version"],
                                                    "resolved_at": resolved["resolved_at"]},
                        source="servicedesk/sla"))


def test_an_auto_close_held_back_by_a_blocking_task_happens_when_the_task_is_done(api, office, world, app):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    task_id = world.task(case["id"])
    resolved = api.as_(office.agent).post(f"{url}/resolve", {}).json
    auto_close_due(world, resolved)
    assert api.as_(office.agent).get(url).json["status"] == "resolved"
    world.task(case["id"], task_id=task_id, version=2, status="in_progress")
    assert api.as_(office.agent).get(url).json["status"] == "resolved"
    world.task(case["id"], task_id=task_id, version=3, status="resolved")
    closed = api.as_(office.agent).get(url).json
    assert (closed["status"], closed["updated_by"]) == ("closed", None)
    assert [e["data"]["actor_id"] for e in outbox_events(app, case["id"]) if e["type"] == "case.closed"] == [None]


def test_a_held_back_auto_close_is_forgotten_when_the_case_is_reopened_and_resolved_again(api, office, world):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    task_id = world.task(case["id"])
    auto_close_due(world, api.as_(office.agent).post(f"{url}/resolve", {}).json)
    api.as_(office.requester).post(f"{url}/reopen", {"reason": "Stadig i stykker"})
    api.as_(office.agent).post(f"{url}/resolve", {})
    world.task(case["id"], task_id=task_id, version=2, status="resolved")
    assert api.as_(office.agent).get(url).json["status"] == "resolved"


def test_a_blocking_task_done_closes_nothing_when_no_auto_close_came_due(api, office, world):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    task_id = world.task(case["id"])
    api.as_(office.agent).post(f"{url}/resolve", {})
    world.task(case["id"], task_id=task_id, version=2, status="resolved")
    assert api.as_(office.agent).get(url).json["status"] == "resolved"
