"""More of the workspace and the portal against the real services: returning a task, search, quick open of a
task, the SLA charts and my notifications."""

from __future__ import annotations

import re

from webkit import HTML, create_case, create_task, csrf_of, post_message, text, wait_for


def _post(client, path: str, data: dict, page: str):
    return client.post(path, headers=HTML, data={**data, "csrf_token": csrf_of(client, page)})


def test_the_tasks_agent_sends_it_back_to_the_agent_who_created_it(browser_of, stack):
    rita, anne, dennis = browser_of("rita"), browser_of("anne"), browser_of("dennis")
    case_id = create_case(rita)
    task_id = create_task(anne, case_id, stack.teams["Drift"]["id"], "Hvilken printer drejer det sig om?")
    version = re.search(r'name="version" value="(\d+)"', text(dennis.get(f"/opgaver/{task_id}", headers=HTML)))
    assert _post(dennis, f"/opgaver/{task_id}/tag", {"version": version.group(1)},
                 f"/opgaver/{task_id}").status_code == 303
    answer = _post(dennis, f"/opgaver/{task_id}/retur", {"comment": "Spørg rekvirenten om printerens navn."},
                   f"/opgaver/{task_id}")
    assert answer.status_code == 303
    page = text(dennis.get(f"/opgaver/{task_id}", headers=HTML, follow_redirects=True))
    assert "Opgaven er sendt retur til den, der oprettede den." in page
    assert "Spørg rekvirenten om printerens navn." in page
    task = stack.api("GET", f"/api/v1/tasks/{task_id}").json
    assert task["assignee_id"] == stack.people["anne"]["id"]


def test_search_finds_cases_by_their_words_and_a_task_number_opens_the_task(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita, title="Scanneren på tredje sal", description="Den scanner kun halve sider.")
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Find en reservedel til scanneren.")
    found = text(anne.get("/soeg?q=scanneren", headers=HTML))
    assert f'href="/sager/{case_id}"><strong>Scanneren på tredje sal</strong>' in found
    assert re.search(r"\d+ sag(er)? fundet", found)
    assert text(rita.get("/soeg?q=scanneren", headers=HTML)).count(f'href="/sager/{case_id}"') == 1
    number = stack.api("GET", f"/api/v1/tasks/{task_id}").json["number"]
    for typed in (number, number.replace(" ", "").lower()):
        answer = anne.get("/aabn", query_string={"nummer": typed}, headers=HTML)
        assert answer.status_code == 302 and answer.headers["Location"] == f"/opgaver/{task_id}", typed
    assert rita.get("/aabn", query_string={"nummer": number}, headers=HTML).headers["Location"].startswith("/soeg")


def _case_numbered(stack, serial: str) -> dict:
    """The case whose number ends in ``serial`` (YYMM-NNNN), creating cases until the counter gets there."""
    for _ in range(500):
        found = stack.api("GET", f"/api/v1/cases/by-number/SAG {serial}")
        if found.status_code == 200:
            return found.json
        assert found.status_code == 404, found.json
        created = stack.api("POST", "/api/v1/cases", user=stack.people["rasmus"],
                            json={"title": "Fylder nummerrækken", "description": "Til hurtig åbning."})
        assert created.status_code == 201, created.json
    raise AssertionError(f"no case SAG {serial}")


def test_quick_open_tries_a_number_of_another_prefix_or_none_as_a_case_and_as_a_task(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita, title="Hurtig åbning", description="Nummeret uden præfiks.")
    task_id = create_task(anne, case_id, stack.teams["Support"]["id"], "Find sagen og opgaven med samme nummer.")
    serial = stack.api("GET", f"/api/v1/tasks/{task_id}").json["number"].split()[-1]
    namesake = _case_numbered(stack, serial)

    for path in (f"/aabn?nummer={serial}", f"/soeg?q={serial}"):
        choice = anne.get(path, headers=HTML)
        page = text(choice)
        assert choice.status_code == 200, path
        assert f"{serial} er nummeret på både en sag og en opgave" in page
        assert f'href="/sager/{namesake["id"]}"' in page and f'href="/opgaver/{task_id}"' in page
    old_prefix = anne.get("/aabn", query_string={"nummer": f"OPG {serial}"}, headers=HTML)
    assert old_prefix.status_code == 302 and old_prefix.headers["Location"] == f"/opgaver/{task_id}"

    own_serial = stack.api("GET", f"/api/v1/cases/{case_id}").json["number"].split()[-1]
    for typed in (own_serial, f"XYZ{own_serial}"):  # a requester is never asked about tasks
        answer = rita.get("/aabn", query_string={"nummer": typed}, headers=HTML)
        expected = f"/sager/{case_id}" if typed == own_serial else "/soeg"
        assert answer.status_code == 302 and answer.headers["Location"].startswith(expected), typed


def test_the_statistics_show_the_sla_charts(browser_of):
    anne = browser_of("anne")
    stats = text(anne.get("/statistik", headers=HTML))
    for title in ("Første svar inden for SLA pr. uge", "Løsning inden for SLA pr. uge"):
        assert "<figcaption" in stats and f">{title}</figcaption>" in stats, title
        assert f"<caption>{title}</caption>" in stats or "Ingen tal endnu." in stats


def _notices(stack, person: str) -> list[dict]:
    return stack.api("GET", "/api/v1/notifications", user=stack.people[person]).json["items"]


def test_my_notifications_are_marked_read_one_by_one_or_all_at_once(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita, title="Notifikationer til Rita")
    post_message(anne, case_id, "Vi har set på din sag.", "external")
    post_message(anne, case_id, "Og her er svaret.", "external")
    wait_for(lambda: len([n for n in _notices(stack, "rita") if n["case_id"] == case_id and not n["read"]]) >= 2)
    page = text(rita.get("/notifikationer", headers=HTML))
    assert "Markér alle som læst" in page and f'href="/sager/{case_id}"' in page
    first = next(n for n in _notices(stack, "rita") if n["case_id"] == case_id and not n["read"])
    answer = _post(rita, f"/notifikationer/{first['id']}/laest", {}, "/notifikationer")
    assert answer.status_code == 303
    assert next(n for n in _notices(stack, "rita") if n["id"] == first["id"])["read"] is True
    assert "Markeret som læst." in text(rita.get("/notifikationer", headers=HTML))
    assert _post(rita, "/notifikationer/alle-laest", {}, "/notifikationer").status_code == 303
    assert not [n for n in _notices(stack, "rita") if not n["read"]]
    assert text(rita.get("/notifikationer?vis=ulaeste", headers=HTML)).count('class="web-notification') == 0


def test_my_notification_choices_are_saved_and_the_required_ones_stay_on(browser_of, stack):
    rasmus = browser_of("rasmus")
    preferences = stack.api("GET", "/api/v1/notification-preferences", user=stack.people["rasmus"]).json["items"]
    optional = next(p for p in preferences if not p["mandatory"] and "email" in p["channels"])
    mandatory = next(p for p in preferences if p["mandatory"])
    page = text(rasmus.get("/notifikationer", headers=HTML))
    assert re.search(rf'name="{mandatory["kind"]}:email" value="1"[^>]* disabled', page)
    form = {f"{p['kind']}:{channel}": "1" for p in preferences for channel, on in p["channels"].items() if on}
    form[f"{optional['kind']}:email"] = "" if optional["channels"]["email"] else "1"
    answer = _post(rasmus, "/notifikationer/indstillinger", form, "/notifikationer")
    assert answer.status_code == 303
    assert "Dine valg er gemt." in text(rasmus.get("/notifikationer", headers=HTML))
    saved = stack.api("GET", "/api/v1/notification-preferences", user=stack.people["rasmus"]).json["items"]
    by_kind = {p["kind"]: p for p in saved}
    assert by_kind[optional["kind"]]["channels"]["email"] is not optional["channels"]["email"]
    assert by_kind[mandatory["kind"]]["channels"] == mandatory["channels"]
