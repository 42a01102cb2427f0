"""History entries in words: times with the portal's format, yes and no, labels; bookkeeping left out."""

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import get_babel

from gateway.web import history
from gateway.web.history import Names, history_line, history_lines
from servicekit.i18n import init_babel

GATEWAY_PACKAGE = Path(history.__file__).resolve().parents[1]
NAMES = Names(people={"u1": "Anne Support"}, teams={"t1": "Drift"}, cases={"c1": "SAG 2611-0042"},
              organisations={"o1": "Styrelsen"})


@pytest.fixture(autouse=True)
def danish():
    app = Flask("gateway.app", root_path=str(GATEWAY_PACKAGE))
    init_babel(app)
    app.secret_key = "x"
    with app.test_request_context("/", headers={"Accept-Language": "da"}):
        get_babel().timezone_selector = lambda: "Europe/Copenhagen"
        yield


def line(field, old, new):
    return history_line({"at": "2026-11-20T09:06:00Z", "actor_id": "u1", "field": field, "old": old, "new": new},
                        NAMES)


def test_times_booleans_and_codes_read_as_words():
    resolved = line("resolved_at", None, "2026-11-20T09:06:00Z")
    assert (resolved.field, resolved.old, resolved.new) == ("Udført den", "–", "20.11.26 10.06")
    overridden = line("priority_overridden", False, True)
    assert (overridden.field, overridden.old, overridden.new) == ("Prioritet sat manuelt", "Nej", "Ja")
    assert (line("type", "question", "incident").new, line("urgency", "low", "high").new) == (
        "Fejl (noget virker ikke)", "Høj")
    assert line("organisation_id", None, "o1").new == "Styrelsen"
    assert line("merged_into_id", None, "c1").new == "SAG 2611-0042"
    assert line("handed_over_from_team_id", "t1", None).old == "Drift"


def test_bookkeeping_is_left_out_and_what_is_no_field_is_a_sentence():
    assert line("handed_over_by_id", None, "u1") is None
    assert line("solution_message_id", None, "m1").sentence == "markerede en besked som løsningen"
    assert line("follower_ids", ["u1"], []).sentence == "holdt op med at dele sagen med Anne Support"
    lines = history_lines([{"field": "created", "new": "SAG 1"}, {"field": "status", "old": "registered",
                                                                  "new": "resolved"}], NAMES)
    assert [x.sentence or x.new for x in lines] == ["Udført", "oprettede sagen SAG 1"]  # newest first


def test_task_events_take_their_place_in_time_whatever_the_offset_of_their_times():
    entries = [{"at": "2026-11-20T09:00:00Z", "actor_id": "u1", "field": "created", "new": "SAG 1"},
               {"at": "2026-11-20T11:00:00Z", "actor_id": "u1", "field": "status", "old": "registered",
                "new": "resolved"}]
    tasks = [{"id": "k1", "number": "TSK 2611-0007", "subject": "Genstart", "created_by": "u1",
              "created_at": "2026-11-20T11:30:00+02:00", "resolved_at": "2026-11-20T10:45:00Z", "resolved_by": "u1"}]
    lines = history_lines(entries, NAMES, tasks)
    assert [x.sentence or x.new for x in lines] == ["Udført", "løste opgaven", "oprettede opgaven",
                                                    "oprettede sagen SAG 1"]
    assert {(x.task_id, x.task_name) for x in lines if x.task_id} == {("k1", "TSK 2611-0007 Genstart")}


def test_an_open_task_has_only_its_creation_in_the_timeline():
    open_task = {"id": "k2", "number": "TSK 2611-0008", "subject": "Tjek", "created_at": "2026-11-20T09:00:00Z",
                 "resolved_at": None}
    assert [x.sentence for x in history_lines([], NAMES, [open_task])] == ["oprettede opgaven"]
