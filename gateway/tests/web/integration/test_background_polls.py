"""The SLA countdown refreshes itself every minute; that is not the user's activity and keeps no session alive."""

from __future__ import annotations

import time

from webkit import HTML, create_case, text, wait_for

POLL = {**HTML, "HX-Request": "true", "X-Background-Poll": "1"}


def _seen_long_ago(client, seconds: int) -> int:
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - seconds
        return session["seen_at"]


def _seen_at(client) -> int:
    with client.session_transaction() as session:
        return session["seen_at"]


def test_the_case_page_marks_its_sla_poll_as_a_background_poll(browser_of):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)

    def page_with_its_sla():  # the SLA service starts the clocks from the case's event
        page = text(anne.get(f"/sager/{case_id}", headers=HTML))
        return page if 'hx-trigger="every 60s"' in page else None

    page = wait_for(page_with_its_sla)
    poll = page[page.index('hx-trigger="every 60s"') - 200:page.index('hx-trigger="every 60s"') + 200]
    assert f'hx-get="/sager/{case_id}/sla"' in poll and '''hx-headers='{"X-Background-Poll": "1"}\'''' in poll


def test_a_background_poll_does_not_count_as_activity_and_an_idle_session_still_ends(browser_of, stack):
    rita, anne = browser_of("rita"), browser_of("anne")
    case_id = create_case(rita)
    idle_timeout = stack.app.extensions["servicekit"].settings.session_idle_timeout
    seen = _seen_long_ago(anne, 300)
    assert anne.get(f"/sager/{case_id}/sla", headers=POLL).status_code == 200
    assert _seen_at(anne) == seen  # the poll left the user's last activity as it was
    assert anne.get(f"/sager/{case_id}", headers=HTML).status_code == 200
    assert _seen_at(anne) > seen  # opening a page is activity
    _seen_long_ago(anne, idle_timeout + 1)
    answer = anne.get(f"/sager/{case_id}/sla", headers=POLL)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"].startswith("/log-ind")
