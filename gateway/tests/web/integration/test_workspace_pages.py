"""The agent's workspace through the gateway against the real services: tasks, dashboard, statistics."""

from __future__ import annotations

import re

from webkit import HTML, create_case, create_task, csrf_of, text
from webkit import wait_for as _wait_for


def test_a_task_with_a_thin_description_is_refused_with_the_reason(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    _wait_for(lambda: stack.api("GET", f"/api/v1/cases/{case_id}/tasks").status_code == 200)
    answer = anne.post(f"/sager/{case_id}/opgaver", headers=HTML, follow_redirects=True, data={
        "subject": "Se sag", "description": "se sag", "team_id": stack.teams["Drift"]["id"],
        "csrf_token": csrf_of(anne, f"/sager/{case_id}?fane=opgaver")})
    page = text(answer)
    assert "Opgaver (0)" in page
    assert 'class="alert alert-error' in page


def test_a_task_is_created_from_the_case_and_resolved_with_a_comment_marked_as_solution(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Printerserveren svarer ikke; genstart den.")
    assert "Opgaver (1)" in text(anne.get(f"/sager/{case_id}", headers=HTML))
    anne.post(f"/opgaver/{task_id}/kommentar", headers=HTML,
              data={"body": "Serveren er genstartet.", "csrf_token": csrf_of(anne, f"/opgaver/{task_id}")})
    page = text(anne.get(f"/opgaver/{task_id}", headers=HTML))
    comment_id = re.search(r'name="comment_id" value="([0-9a-f-]{36})"', page).group(1)
    answer = anne.post(f"/opgaver/{task_id}/loes", headers=HTML,
                       data={"comment_id": comment_id, "csrf_token": csrf_of(anne, f"/opgaver/{task_id}")})
    assert answer.status_code == 303
    page = text(anne.get(f"/opgaver/{task_id}", headers=HTML))
    assert "Løst" in page and "Serveren er genstartet." in page
    answer = anne.post(f"/opgaver/{task_id}/genaabn", headers=HTML, data={
        "reason": "Printeren blinker stadig.", "csrf_token": csrf_of(anne, f"/opgaver/{task_id}")})
    assert answer.status_code == 303
    assert "Printeren blinker stadig." in text(anne.get(f"/opgaver/{task_id}", headers=HTML))


def test_requesters_never_see_tasks(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    create_task(anne, case_id, stack.teams["Support"]["id"], "Noget internt arbejde på sagen her.")
    page = text(rita.get(f"/sager/{case_id}", headers=HTML))
    assert "Opgaver" not in page and "Noget internt arbejde" not in page


def test_the_workspace_counts_the_queue_and_the_statistics_draw_their_charts(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    create_case(rita, title="Til køen")
    page = text(anne.get("/arbejdsbord", headers=HTML))
    assert "Mine åbne sager" in page and "Mine opgaver" in page and "Ikke-fordelte sager" in page
    assert "Til køen" in page
    stats = text(anne.get("/statistik", headers=HTML))
    assert stats.count('role="img"') >= 3
    assert "Åbne sager pr. status" in stats and "<caption>Åbne sager pr. status</caption>" in stats
