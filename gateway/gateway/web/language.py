"""Which language a page speaks: the switch (kept in the session), else the user's own, else the browser's."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import get_babel

from servicekit.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

SESSION_KEY = "language"
WEB_TIMEZONE = "Europe/Copenhagen"  # pages show Danish time; the API speaks RFC 3339 with a zone


def current_language() -> str:
    chosen = session.get(SESSION_KEY)
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    from .viewer import viewer

    user = viewer()
    if user is not None and user.language in SUPPORTED_LANGUAGES:
        return user.language
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or DEFAULT_LANGUAGE


def install_locale_selector(app: Flask) -> None:
    """Web pages choose their language as above; the API keeps following Accept-Language."""
    babel = get_babel(app)
    api_selector = babel.locale_selector

    def select_locale() -> str | None:
        if request.blueprint == "web":
            return current_language()
        return api_selector() if api_selector else None

    babel.locale_selector = select_locale
    api_timezone = babel.timezone_selector

    def select_timezone() -> str | None:
        if request.blueprint == "web":
            return WEB_TIMEZONE
        return api_timezone() if api_timezone else None

    babel.timezone_selector = select_timezone
