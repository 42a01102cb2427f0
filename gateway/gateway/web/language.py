"""Which language and time zone a page speaks.

The language is webauth's: the switch (kept in the session), else the user's own, else the browser's.
Pages show times in Danish time; the API keeps answering in RFC 3339 with a zone.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_babel

from .. import webauth

WEB_TIMEZONE = "Europe/Copenhagen"


def current_language() -> str:
    return webauth.web_language()


def install_timezone_selector(app: Flask) -> None:
    babel = get_babel(app)
    api_timezone = babel.timezone_selector

    def select_timezone() -> str | None:
        if request.blueprint == "web":
            return WEB_TIMEZONE
        return api_timezone() if api_timezone else None

    babel.timezone_selector = select_timezone
