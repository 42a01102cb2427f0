"""The task API on PostgreSQL: create, read, look up, change, comment, and the errors a caller meets."""

import uuid

import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select
from tasks_testkit import Caller, case_data, task_body

from tasks import config
from tasks.app import build_context, create_app
from tasks.models import Task


def test_an_agent_creates_a_registered_task_on_an_open_case(as_, world, open_case):
    body = task_body(world, blocks_case_closure=True)
    response = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json=body)
    assert response.status_code == 201, response.json
    task = response.json
    assert task["status"] == "registered"
    assert task["case_id"] == open_case and task["case_number"] == "SAG 2611-0042"
    assert task["team_id"] == world.drift and task["assignee_id"] is None
    assert task["approver_id"] == world.sofie.id and task["created_by"] == world.sofie.id
    assert task["blocks_case_closure"] is True and task["overdue"] is False
    assert task["number"].startswith("TSK ") and task["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/api/v1/tasks/{task['id']}"


def test_a_task_given_straight_to_an_agent_is_assigned(make_task, world):
    assert make_task(assignee_id=world.anders.id)["status"] == "assigned"


def test_task_numbers_follow_each_other_and_are_found_with_or_without_the_space(as_, make_task, world):
    first, second = make_task(), make_task()
    period, sequence = first["number"].split(" ")[1].split("-")
    assert second["number"] == f"TSK {period}-{int(sequence) + 1:04d}"
    for typed in (second["number"], second["number"].replace(" ", "").lower(), f"{period}-{int(sequence) + 1}"):
        found = as_(world.anders).get(f"/api/v1/tasks/by-number/{typed}")
        assert found.status_code == 200 and found.json["id"] == second["id"], typed


def test_after_a_prefix_change_a_number_is_found_with_the_old_prefix_the_new_one_or_none(
        as_, make_task, tasks_environ, sign_identity, world, open_case):
    old = make_task()  # TSK
    renamed = build_context(config.load({**tasks_environ, "TASK_NUMBER_PREFIX": "OPG"}))
    try:
        caller = Caller(create_app(renamed.settings, renamed).test_client(), sign_identity, world.anders)
        new = caller.post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world))
        assert new.status_code == 201, new.json
        period, sequence = old["number"].split(" ")[1].split("-")
        assert new.json["number"] == f"OPG {period}-{int(sequence) + 1:04d}"  # one counter for every prefix
        for typed, task in ((f"{period}-{int(sequence)}", old), (old["number"], old),
                            (f"opg{period}-{sequence}", old), (new.json["number"], new.json),
                            (f"TSK {period}-{int(sequence) + 1}", new.json)):
            found = caller.get(f"/api/v1/tasks/by-number/{typed}")
            assert found.status_code == 200 and found.json["id"] == task["id"], typed
    finally:
        renamed.database.dispose()


def test_an_unknown_number_is_404(as_, world):
    assert as_(world.anders).get("/api/v1/tasks/by-number/TSK 1101-9999").status_code == 404
    assert as_(world.anders).get("/api/v1/tasks/by-number/nonsense").status_code == 404


@pytest.mark.parametrize("description", ["se sag", "Se sag SAG 2611-0042 - haster", "kort"])
def test_a_thin_description_is_refused_in_danish_and_nothing_is_made(as_, world, open_case, description):
    response = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks",
                                     json=task_body(world, description=description))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "description" in response.json["errors"]
    assert "kollega" in response.json["detail"]
    assert as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks").json["total"] == 0


def test_a_thin_description_is_explained_in_english_to_an_english_caller(as_, world, open_case):
    response = as_(world.sofie, "en").post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world,
                                                                                             description="se sag"))
    assert response.status_code == 422
    assert "not a description" in response.json["detail"]
    assert response.json["title"] == "The input breaks a rule"


def test_missing_subject_team_or_description_is_422_with_the_fields_named(as_, world, open_case):
    response = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json={"subject": "  "})
    assert response.status_code == 422
    assert set(response.json["errors"]) >= {"subject", "description", "team_id"}


def test_field_errors_come_in_danish(as_, world, open_case):
    response = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json=task_body(
        world, subject="x" * 201, deadline="i morgen"))
    assert response.status_code == 422
    assert response.json["errors"]["subject"] == ["Højst 200 tegn."]
    assert "tidszone" in response.json["errors"]["deadline"][0]
    assert as_(world.sofie).get("/api/v1/tasks?per_page=0").json["errors"]["per_page"] == ["Mellem 1 og 200."]


def test_malformed_json_is_400_and_an_unknown_field_is_422(as_, world, open_case):
    caller = as_(world.sofie)
    bad = caller.request("POST", f"/api/v1/cases/{open_case}/tasks", data="{not json",
                         headers={"Content-Type": "application/json"})
    assert bad.status_code in (400, 422) and bad.mimetype == "application/problem+json"
    unknown = caller.post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world, colour="red"))
    assert unknown.status_code == 422 and "colour" in unknown.json["errors"]


def test_a_team_or_person_the_directory_does_not_know_is_refused(as_, world, open_case):
    caller = as_(world.sofie)
    path = f"/api/v1/cases/{open_case}/tasks"
    assert caller.post(path, json=task_body(world, team_id=str(uuid.uuid4()))).json["errors"].keys() == {"team_id"}
    assert "assignee_id" in caller.post(path, json=task_body(world, assignee_id=str(uuid.uuid4()))).json["errors"]
    requester = caller.post(path, json=task_body(world, approver_id=world.rikke.id))
    assert requester.status_code == 422 and "approver_id" in requester.json["errors"]


def test_a_deadline_in_the_past_or_without_a_zone_is_refused(as_, world, open_case):
    caller = as_(world.sofie)
    path = f"/api/v1/cases/{open_case}/tasks"
    assert caller.post(path, json=task_body(world, deadline="2020-01-01T10:00:00+01:00")).status_code == 422
    assert caller.post(path, json=task_body(world, deadline="2030-01-01T10:00:00")).status_code == 422


def test_a_case_missing_here_while_the_cases_service_cannot_be_asked_is_503_with_retry_after(as_, world, context):
    response = as_(world.sofie).post(f"/api/v1/cases/{uuid.uuid4()}/tasks", json=task_body(world))
    assert response.status_code == 503
    assert response.json["type"] == "/problems/cases-unreachable"
    assert response.headers["Retry-After"] == "5"
    with context.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0


@pytest.mark.parametrize("status, advice", [("resolved", "genåbn sagen først"), ("closed", "opret en ny sag")])
def test_a_task_cannot_be_added_to_a_resolved_or_closed_case(as_, desk, world, open_case, status, advice):
    """A resolved case is reopened first; a closed one is final, so the work needs a new case."""
    desk.apply(f"case.{status}", case_data(open_case, status=status, team_id=world.support, version=2))
    response = as_(world.sofie).post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world))
    assert response.status_code == 409
    assert "SAG 2611-0042" in response.json["detail"] and advice in response.json["detail"].lower()
    assert response.json["case_status"] == status
    assert as_(world.sofie).get(f"/api/v1/cases/{open_case}/tasks?state=any").json["total"] == 0


def test_a_resolved_case_refuses_a_task_in_english_with_the_advice_to_reopen_it(as_, desk, world, open_case):
    desk.apply("case.resolved", case_data(open_case, status="resolved", team_id=world.support, version=2))
    response = as_(world.sofie, "en").post(f"/api/v1/cases/{open_case}/tasks", json=task_body(world))
    assert response.status_code == 409 and "reopen the case first" in response.json["detail"]


def test_an_external_comment_is_422_and_points_to_the_case(as_, make_task, world, open_case):
    task = make_task()
    response = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/comments",
                                      json={"body": "Hej bruger, vi kigger på det.", "visibility": "external"})
    assert response.status_code == 422
    assert "sagen" in response.json["detail"]
    assert response.json["case_id"] == open_case
    assert response.json["case_messages"] == f"/api/v1/cases/{open_case}/messages"
    assert as_(world.anders).get(f"/api/v1/tasks/{task['id']}/comments").json["total"] == 0
    assert as_(world.anders).get(f"/api/v1/tasks/{task['id']}").json["version"] == task["version"]


def test_an_external_comment_from_staff_who_may_not_change_the_task_is_422_too(as_, make_task, world, open_case):
    """That tasks take no external comment is a rule about tasks, told before who the caller is."""
    task = make_task()  # for drift, made and approved by Sofie: Svend (support) is no party to it
    external = as_(world.svend).post(f"/api/v1/tasks/{task['id']}/comments",
                                     json={"body": "Hej bruger, vi kigger på det.", "visibility": "external"})
    assert external.status_code == 422, external.json
    assert external.json["case_messages"] == f"/api/v1/cases/{open_case}/messages"
    internal = as_(world.svend).post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "Jeg kigger med."})
    assert internal.status_code == 403
    assert as_(world.svend).get(f"/api/v1/tasks/{task['id']}/comments").json["total"] == 0


def test_a_comment_with_a_stale_if_match_is_412_and_not_written(as_, make_task, world):
    task = make_task()
    path = f"/api/v1/tasks/{task['id']}"
    assert as_(world.dorte).patch(path, json={"assignee_id": world.anders.id}).json["version"] == 2
    stale = as_(world.anders).post(f"{path}/comments", json={"body": "Klar til at gå i gang."},
                                   headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["current_version"] == 2
    assert as_(world.anders).get(f"{path}/comments").json["total"] == 0
    fresh = as_(world.anders).post(f"{path}/comments", json={"body": "Klar til at gå i gang."},
                                   headers={"If-Match": '"2"'})
    assert fresh.status_code == 201
    assert as_(world.anders).get(path).json["version"] == 3


def test_comments_are_internal_and_listed_oldest_first(as_, make_task, world):
    task = make_task()
    for body in ("Hvilken printer drejer det sig om?", "PRN-03 på 3. sal."):
        created = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/comments", json={"body": body})
        assert created.status_code == 201 and created.json["visibility"] == "internal"
    listed = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}/comments").json
    assert [c["body"] for c in listed["items"]] == ["Hvilken printer drejer det sig om?", "PRN-03 på 3. sal."]
    assert listed["total"] == 2


@pytest.mark.usefixtures("worker")
def test_a_comment_is_a_change_of_the_task_so_its_event_is_newer_and_an_older_if_match_is_stale(
        as_, make_task, spy, world):
    task = make_task()  # version 1
    path = f"/api/v1/tasks/{task['id']}"
    assert as_(world.anders).post(f"{path}/comments", json={"body": "Hvilken printer?"}).status_code == 201
    commented = spy.wait_for("task.commented", id=task["id"])
    assert commented.data["version"] == 2 and commented.data["comment"]["body"] == "Hvilken printer?"
    read = as_(world.dorte).get(path)
    assert read.json["version"] == 2 and read.headers["ETag"] == '"2"'
    history = as_(world.sofie).get(f"{path}/history").json["items"]
    assert [(h["version"], h["event_type"]) for h in history][-1] == (2, "task.commented")

    # Dorte read the task before the comment: her change is refused until she has read what was written.
    stale = as_(world.dorte).patch(path, json={"assignee_id": world.anders.id}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["current_version"] == 2
    fresh = as_(world.dorte).patch(path, json={"assignee_id": world.anders.id}, headers={"If-Match": '"2"'})
    assert fresh.status_code == 200 and fresh.json["version"] == 3


def test_status_registered_and_an_assignee_in_one_patch_is_422_and_changes_nothing(as_, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    path = f"/api/v1/tasks/{task['id']}"
    refused = as_(world.dorte).patch(path, json={"status": "registered", "assignee_id": world.dorte.id})
    assert refused.status_code == 422
    assert {"status", "assignee_id"} <= set(refused.json["errors"])
    after = as_(world.dorte).get(path).json
    assert (after["status"], after["assignee_id"], after["version"]) == ("assigned", world.anders.id, 1)


def test_user_text_is_stored_and_returned_as_plain_text(as_, make_task, world):
    script = "<script>alert('x')</script> Genstart serveren og tjek loggen."
    task = make_task(description=script, subject="<b>Fed</b>")
    assert task["description"] == script and task["subject"] == "<b>Fed</b>"
    response = as_(world.anders).get(f"/api/v1/tasks/{task['id']}")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stale_if_match_is_412_and_changes_nothing(as_, make_task, world):
    task = make_task()
    caller = as_(world.dorte)
    assert caller.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.anders.id},
                        headers={"If-Match": '"1"'}).status_code == 200
    stale = caller.patch(f"/api/v1/tasks/{task['id']}", json={"subject": "Andet emne"}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    assert caller.get(f"/api/v1/tasks/{task['id']}").json["subject"] == "Genstart printserver"


def test_an_empty_patch_is_422_and_a_patch_that_changes_nothing_keeps_the_version(as_, make_task, world):
    task = make_task()
    caller = as_(world.sofie)
    assert caller.patch(f"/api/v1/tasks/{task['id']}", json={}).status_code == 422
    same = caller.patch(f"/api/v1/tasks/{task['id']}", json={"subject": task["subject"]})
    assert same.status_code == 200 and same.json["version"] == 1


def test_only_the_approver_or_an_admin_may_change_the_approver(as_, make_task, world):
    task = make_task()  # Sofie approves
    path = f"/api/v1/tasks/{task['id']}"
    refused = as_(world.dorte).patch(path, json={"approver_id": world.dorte.id})
    assert refused.status_code == 403 and "godkender" in refused.json["detail"].lower()
    assert as_(world.sofie).patch(path, json={"approver_id": world.svend.id}).status_code == 200
    assert as_(world.admin).patch(path, json={"approver_id": world.sofie.id}).status_code == 200


def test_the_history_lists_who_changed_what(as_, make_task, world):
    task = make_task()
    as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.anders.id})
    history = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}/history").json["items"]
    assert history[0]["event_type"] == "task.created"
    changed = {h["field"]: h for h in history[1:]}
    assert changed["assignee_id"]["old"] is None and changed["assignee_id"]["new"] == world.anders.id
    assert changed["status"]["new"] == "assigned" and changed["status"]["actor_id"] == world.dorte.id


def test_a_not_existing_task_is_404_problem(as_, world):
    response = as_(world.anders).get(f"/api/v1/tasks/{uuid.uuid4()}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_the_openapi_and_asyncapi_documents_describe_the_routes_and_events(app):
    client = app.test_client()
    paths = client.get("/openapi.json").json["paths"]
    assert {"/api/v1/cases/{case_id}/tasks", "/api/v1/tasks", "/api/v1/tasks/{task_id}",
            "/api/v1/tasks/by-number/{number}", "/api/v1/tasks/{task_id}/resolve", "/api/v1/tasks/{task_id}/reopen",
            "/api/v1/tasks/{task_id}/return", "/api/v1/tasks/{task_id}/comments"} <= set(paths)
    validate_spec(client.get("/openapi.json").json)
    channels = client.get("/asyncapi.json").json["channels"]
    assert {"task_created", "task_resolved", "task_closed", "task_commented"} <= set(channels)
