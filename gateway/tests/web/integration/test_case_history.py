"""The History tab tells each change in Danish: labels, names and case numbers, never codes or ids."""

from __future__ import annotations

import re

from webkit import HTML, create_case, create_task, csrf_of, text


def _timeline(page: str) -> str:
    section = page[page.index('id="history-heading"'):]
    return section[:section.index("</section>")]


def _number(stack, case_id: str) -> str:
    return stack.api("GET", f"/api/v1/cases/{case_id}").json["number"]


def test_the_history_tab_tells_every_change_in_danish(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    agent = stack.people["anne"]
    parent_id = create_case(rita, title="Overordnet sag")
    case_id = create_case(rita, files=[("fejl.txt", b"fejl\n")])
    rita.post(f"/sager/{case_id}/del", headers=HTML, data={
        "user_ids": [stack.people["rasmus"]["id"]], "csrf_token": csrf_of(rita, f"/sager/{case_id}")})
    for change in ({"status": "in_progress", "priority": "critical", "team_id": stack.teams["Drift"]["id"],
                    "private": True, "parent_id": parent_id},
                   {"team_id": stack.teams["Support"]["id"], "assignee_id": agent["id"]}):
        answer = stack.api("PATCH", f"/api/v1/cases/{case_id}", user=agent, json=change)
        assert answer.status_code == 200, answer.json
    note = stack.api("POST", f"/api/v1/cases/{case_id}/messages", user=agent,
                     json={"body": "Intern note", "visibility": "internal"})
    reply = stack.api("POST", f"/api/v1/cases/{case_id}/messages", user=agent,
                      json={"body": "Prøv at genstarte", "visibility": "external"})
    assert note.status_code == reply.status_code == 201
    assert stack.api("POST", f"/api/v1/cases/{case_id}/messages/{reply.json['id']}/solution",
                     user=agent).status_code == 200

    timeline = _timeline(text(anne.get(f"/sager/{case_id}?fane=historik", headers=HTML)))
    for told in ("oprettede sagen " + _number(stack, case_id), "vedhæftede fejl.txt",
                 "delte sagen med Rasmus Kollega", "ændrede Status:</span> Registreret → <strong>Påbegyndt</strong>",
                 "ændrede Prioritet:", "→ <strong>Kritisk</strong>",
                 "ændrede Prioritet sat manuelt:</span> Nej → <strong>Ja</strong>",
                 f"ændrede Team:</span> {stack.teams['Drift']['name']} → <strong>{stack.teams['Support']['name']}",
                 "ændrede Sagsbehandler:</span> – → <strong>Anne Support</strong>",
                 "ændrede Privat:</span> Nej → <strong>Ja</strong>",
                 f"ændrede Overordnet sag:</span> – → <strong>{_number(stack, parent_id)}</strong>",
                 "skrev en intern note", "skrev en besked på sagen", "markerede en besked som løsningen"):
        assert told in timeline, told + "\n" + timeline
    assert "Anne Support" in timeline and "Rita Rekvirent" in timeline  # who did it
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", timeline), "an id is shown as it is"
    for raw in ("True", "False", "None", "in_progress", "critical", "solution_message_id", "priority_overridden"):
        assert raw not in timeline, raw


def test_the_history_tab_tells_when_the_cases_tasks_were_created_and_resolved(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Udskift tromlen i printeren.")
    assert stack.api("POST", f"/api/v1/tasks/{task_id}/resolve", user=stack.people["anne"],
                     json={"solution": "Tromlen er skiftet."}).status_code == 200
    number = stack.api("GET", f"/api/v1/tasks/{task_id}").json["number"]
    timeline = _timeline(text(anne.get(f"/sager/{case_id}?fane=historik", headers=HTML)))
    link = f'<a href="/opgaver/{task_id}">{number} Tjek printerserveren</a>'
    resolved = timeline.index("løste opgaven</span> " + link)
    assert resolved < timeline.index("oprettede opgaven</span> " + link) < timeline.index("oprettede sagen")
    assert timeline.count("Anne Support") >= 2
