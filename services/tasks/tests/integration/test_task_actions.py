"""The actions on a task through the API: hand-over between teams, resolving with a written comment,
reopening and returning at the wrong moment, and a task whose case has closed."""

from tasks_testkit import case_data


def test_moving_a_task_to_another_team_puts_it_in_that_dispatchers_queue(as_, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    moved = as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"team_id": world.support})
    assert moved.status_code == 200
    assert (moved.json["team_id"], moved.json["assignee_id"], moved.json["status"]) == (
        world.support, None, "registered")
    queue = as_(world.svend).get("/api/v1/tasks?view=unassigned").json["items"]
    assert [t["id"] for t in queue] == [task["id"]]


def test_a_comment_already_written_can_be_marked_as_the_solution(as_, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    written = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/comments",
                                     json={"body": "Certifikatet er fornyet og sendt til brugeren."}).json
    resolved = as_(world.anders).post(f"/api/v1/tasks/{task['id']}/resolve", json={"comment_id": written["id"]})
    assert resolved.status_code == 200
    assert resolved.json["solution"] == "Certifikatet er fornyet og sendt til brugeren."
    assert resolved.json["solution_comment_id"] == written["id"]
    comments = as_(world.sofie).get(f"/api/v1/tasks/{task['id']}/comments").json["items"]
    assert [(c["id"], c["is_solution"]) for c in comments] == [(written["id"], True)]


def test_resolving_needs_a_solution_or_a_comment_of_this_task(as_, make_task, world):
    task, other = make_task(), make_task()
    path = f"/api/v1/tasks/{task['id']}/resolve"
    assert as_(world.anders).post(path, json={}).status_code == 422
    assert as_(world.anders).post(path, json={"solution": "   "}).status_code == 422
    foreign = as_(world.anders).post(f"/api/v1/tasks/{other['id']}/comments", json={"body": "Noget andet."}).json
    assert as_(world.anders).post(path, json={"comment_id": foreign["id"]}).status_code == 404
    assert as_(world.anders).get(f"/api/v1/tasks/{task['id']}").json["status"] == "registered"


def test_only_a_resolved_task_can_be_reopened_and_a_resolved_one_cannot_be_reassigned(as_, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    not_resolved = as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/reopen", json={"reason": "Hvorfor?"})
    assert not_resolved.status_code == 409 and not_resolved.json["type"] == "/problems/invalid-transition"
    as_(world.anders).post(f"/api/v1/tasks/{task['id']}/resolve", json={"solution": "Klaret."})
    reassign = as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": world.dorte.id})
    assert reassign.status_code == 409 and "Genåbn" in reassign.json["detail"]
    still_resolved = as_(world.dorte).patch(f"/api/v1/tasks/{task['id']}", json={"status": "resolved"})
    assert still_resolved.status_code == 200 and still_resolved.json["version"] == 2  # nothing to change


def test_status_resolved_cannot_be_set_by_patch(as_, make_task, world):
    task = make_task(assignee_id=world.anders.id)
    patched = as_(world.anders).patch(f"/api/v1/tasks/{task['id']}", json={"status": "resolved"})
    assert patched.status_code == 422 and "status" in patched.json["errors"]


def test_returning_a_task_that_sits_with_its_creator_is_a_conflict(as_, make_task, world):
    task = make_task(assignee_id=world.sofie.id)
    response = as_(world.sofie).post(f"/api/v1/tasks/{task['id']}/return", json={})
    assert response.status_code == 409


def test_starting_an_unassigned_task_takes_it(as_, make_task, world):
    task = make_task()
    started = as_(world.anders).patch(f"/api/v1/tasks/{task['id']}", json={"status": "in_progress"})
    assert started.json["status"] == "in_progress" and started.json["assignee_id"] == world.anders.id


def test_a_task_whose_case_closed_takes_no_more_changes_or_comments(as_, desk, make_task, world, open_case):
    task = make_task()
    desk.apply("case.closed", case_data(open_case, status="closed", team_id=world.support, version=2))
    path = f"/api/v1/tasks/{task['id']}"
    assert as_(world.anders).patch(path, json={"subject": "Nyt emne her"}).status_code == 409
    assert as_(world.anders).post(f"{path}/comments", json={"body": "For sent?"}).status_code == 409
    assert as_(world.anders).post(f"{path}/resolve", json={"solution": "Klaret."}).status_code == 409
    assert as_(world.anders).post(f"{path}/reopen", json={"reason": "Hov."}).status_code == 409
