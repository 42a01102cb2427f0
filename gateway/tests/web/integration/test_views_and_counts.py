"""What lists and counts show, against the real services: the agent's dashboard and tasks as approver, the
case list's views and filters, a requester's organisation view, and whom a requester's share search offers."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

from webkit import HTML, create_case, sign_in, text, wait_for


def _created(stack, path: str, body: dict, user: dict | None = None) -> dict:
    answer = stack.api("POST", path, user=user, json=body)
    assert answer.status_code == 201, answer.json
    return answer.json


def _person(stack, name: str, roles: list[str], organisation_id: str | None = None) -> dict:
    body = {"email": f"{uuid.uuid4().hex[:8]}@pages.test", "name": name, "password": "En god lang adgangskode 42",
            "roles": roles}
    if organisation_id:
        body["organisation_id"] = organisation_id
    return {**_created(stack, "/api/v1/users", body), "password": body["password"]}


def _signed_in(stack, user: dict):
    client = stack.app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _badge(page: str, panel: str) -> int:
    return int(re.search(rf'id="panel-{panel}">[^<]*<span class="badge web-count-badge">(\d+)</span>', page).group(1))


def _changed(stack, case_id: str, change: dict) -> bool:
    """The change, once the cases service knows the team and agent it names (from the gateway's events)."""
    return stack.api("PATCH", f"/api/v1/cases/{case_id}", json=change).status_code == 200


def _task_approved_by(stack, case_id: str, approver: dict) -> dict | None:
    """A task for Drift's Dennis with the approver, once the tasks service knows the approver (from the events)."""
    answer = stack.api("POST", f"/api/v1/cases/{case_id}/tasks", user=stack.people["anne"], json={
        "subject": "Godkend indkøb", "description": "Godkend indkøbet af en ny printer til tredje sal.",
        "team_id": stack.teams["Drift"]["id"], "assignee_id": stack.people["dennis"]["id"],
        "approver_id": approver["id"]})
    return answer.json if answer.status_code == 201 else None


def test_the_dashboard_counts_each_panel_and_a_task_i_only_approve_is_among_my_tasks(browser_of, stack):
    rita = browser_of("rita")
    ada = _person(stack, "Ada Approver", ["agent"])
    team = _created(stack, "/api/v1/teams", {"name": f"Adas team {uuid.uuid4().hex[:6]}"})
    _created(stack, f"/api/v1/teams/{team['id']}/members", {"user_id": ada["id"]})
    mine = [create_case(rita, title=f"Adas sag {n}") for n in (1, 2)]
    queued = create_case(rita, title="I Adas kø")
    for case_id in mine:
        wait_for(lambda case_id=case_id: _changed(stack, case_id, {"team_id": team["id"], "assignee_id": ada["id"]}))
    wait_for(lambda: _changed(stack, queued, {"team_id": team["id"]}))
    task = wait_for(lambda: _task_approved_by(stack, queued, ada))

    client = _signed_in(stack, ada)
    page = text(client.get("/arbejdsbord", headers=HTML))
    unassigned = stack.api("GET", "/api/v1/cases", user=ada, query_string={"view": "unassigned", "status": "open"})
    assert (_badge(page, "assigned"), _badge(page, "tasks"), _badge(page, "team")) == (2, 1, 3)
    assert _badge(page, "unassigned") == unassigned.json["total"]
    tasks_panel = page[page.index('id="panel-tasks"'):]
    assert f'href="/opgaver/{task["id"]}">Godkend indkøb</a>' in tasks_panel[:tasks_panel.index("</section>")]
    assert f'href="/opgaver/{task["id"]}">Godkend indkøb</a>' in text(client.get("/opgaver", headers=HTML))
    front = text(client.get("/", headers=HTML))
    assert re.findall(r'<span class="web-tile-count">(\S+)</span>', front)[:2] == ["2", "1"]


def _tab_links(page: str) -> dict[str, dict[str, list[str]]]:
    nav = page[page.index('id="case-views"'):]
    links = re.findall(r'<a href="([^"]+)" class="tab-button"', nav[:nav.index("</nav>")])
    return {parse_qs(urlsplit(link.replace("&amp;", "&")).query)["visning"][0]:
            parse_qs(urlsplit(link.replace("&amp;", "&")).query) for link in links}


def test_the_view_tabs_keep_the_filters_and_the_heading_names_the_view(browser_of):
    rita = browser_of("rita")
    page = text(rita.get("/sager?visning=delt&vis=alle&q=printer&sortering=created_at", headers=HTML))
    assert "<h1>Delt med mig</h1>" in page and "<title>Delt med mig" in page
    tabs = _tab_links(page)
    assert set(tabs) == {"mine", "delt", "organisation"}
    for query in tabs.values():
        assert (query["vis"], query["q"], query["sortering"]) == (["alle"], ["printer"], ["created_at"])
    assert 'hx-select-oob="#case-count:innerHTML,#case-views"' in page  # the filters' htmx swap renews the tabs
    plain = _tab_links(text(rita.get("/sager", headers=HTML)))
    assert plain["organisation"] == {"visning": ["organisation"], "vis": ["aaben"]}
    assert "<h1>Mine sager</h1>" in text(rita.get("/sager?visning=mine", headers=HTML))


def test_a_requester_sees_the_organisations_open_cases_under_my_organisation(browser_of, stack):
    organisation = _created(stack, "/api/v1/organisations", {"name": f"Fælles {uuid.uuid4().hex[:6]}",
                                                             "case_visibility": "organisation"})
    karen = _person(stack, "Karen Kollega", ["requester"], organisation["id"])
    kurt = _person(stack, "Kurt Kollega", ["requester"], organisation["id"])
    shared = _created(stack, "/api/v1/cases", {"title": "Fælles printer", "description": "Den er gået i stå."},
                      user=karen)
    _created(stack, "/api/v1/cases", {"title": "Karens private sag", "description": "Kun til mig.",
                                      "private": True}, user=karen)
    wait_for(lambda: stack.api("GET", f"/api/v1/cases/{shared['id']}", user=kurt).status_code == 200)

    client = _signed_in(stack, kurt)
    page = text(client.get("/sager?visning=organisation", headers=HTML))
    assert "<h1>Min organisation</h1>" in page
    assert f'href="/sager/{shared["id"]}"' in page and "Karens private sag" not in page
    assert "Fælles printer" not in text(client.get("/sager?visning=mine", headers=HTML))


def test_a_requesters_share_search_never_offers_people_of_another_organisation(browser_of, stack):
    rita = browser_of("rita")
    case_id = create_case(rita)
    olga, rasmus = stack.people["olga"], stack.people["rasmus"]
    for query in ("Olga", olga["email"]):
        page = text(rita.get(f"/sager/{case_id}", query_string={"del": query}, headers=HTML))
        assert olga["id"] not in page and "Ingen i din organisation matcher" in page, query
    everyone = "pages.test"  # in every test person's address: only Rita's colleagues may come back
    page = text(rita.get(f"/sager/{case_id}", query_string={"del": everyone}, headers=HTML))
    assert f'value="{rasmus["id"]}"' in page and olga["id"] not in page
    found = text(rita.get(f"/sager/{case_id}/del/soeg", query_string={"del": everyone},
                          headers={**HTML, "HX-Request": "true"}))
    assert f'value="{rasmus["id"]}"' in found and olga["id"] not in found and "<html" not in found
