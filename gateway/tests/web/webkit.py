"""Helpers of the web page tests: sign in through the real log-in form, read the CSRF token of a page."""

from __future__ import annotations

import io
import re
import time

HTML = {"Accept": "text/html,application/xhtml+xml"}
MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024  # the page tests' system: past it is cheap to send, a 2 MB file is within


def csrf_of(client, path: str = "/log-ind") -> str:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, user: dict):
    return client.post("/log-ind", headers=HTML, data={
        "email": user["email"], "password": user["password"], "csrf_token": csrf_of(client)})


def text(response) -> str:
    return response.get_data(as_text=True)


def _case_id(location: str) -> str:
    return re.fullmatch(r"/sager/([0-9a-f-]{36})", location).group(1)


def create_case(client, title="Printeren skriver ikke ud", description="Den blinker rødt.", files=()):
    data = {"title": title, "description": description, "type": "incident", "urgency": "high", "impact": "medium",
            "csrf_token": csrf_of(client, "/sager/ny")}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    answer = client.post("/sager/ny", headers=HTML, data=data, content_type="multipart/form-data")
    assert answer.status_code == 303, text(answer)[:2000]
    return _case_id(answer.headers["Location"])


def post_message(client, case_id: str, body: str, visibility: str | None, files=()):
    data = {"body": body, "csrf_token": csrf_of(client, f"/sager/{case_id}")}
    if visibility:
        data["visibility"] = visibility
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/sager/{case_id}/svar", headers=HTML, data=data, content_type="multipart/form-data")


def wait_for(check, timeout: float = 20.0):
    """Until check() is true (the services learn of a change from its event): its last answer."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out waiting for the services' events"
        time.sleep(0.25)
    return found


def create_task(anne, case_id: str, team_id: str, description: str) -> str:
    def created():
        answer = anne.post(f"/sager/{case_id}/opgaver", headers=HTML, data={
            "subject": "Tjek printerserveren", "description": description, "team_id": team_id,
            "csrf_token": csrf_of(anne, f"/sager/{case_id}?fane=opgaver")})
        assert answer.status_code == 303
        page = text(anne.get(f"/sager/{case_id}?fane=opgaver", headers=HTML))
        return re.search(r'href="/opgaver/([0-9a-f-]{36})"', page)

    return wait_for(created).group(1)
