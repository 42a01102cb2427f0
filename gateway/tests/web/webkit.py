"""Helpers of the web page tests: sign in through the real log-in form, read the CSRF token of a page."""

from __future__ import annotations

import re

HTML = {"Accept": "text/html,application/xhtml+xml"}


def csrf_of(client, path: str = "/log-ind") -> str:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, user: dict):
    return client.post("/log-ind", headers=HTML, data={
        "email": user["email"], "password": user["password"], "csrf_token": csrf_of(client)})


def text(response) -> str:
    return response.get_data(as_text=True)
