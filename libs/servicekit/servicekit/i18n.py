"""Translation helpers: Danish first, English second.

Every package keeps its catalogues in ``<package>/translations/<lang>/LC_MESSAGES``
and makes its own :func:`translator`, so that services sharing one process (the
embedded mode) never read each other's catalogues.  Message ids are English.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, Domain

SUPPORTED_LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


def translator(package_dir: str | Path, domain: str = "messages") -> Domain:
    """A gettext domain reading the catalogues that sit beside ``package_dir``."""
    return Domain(translation_directories=[str(Path(package_dir) / "translations")], domain=domain)


kit_domain = translator(Path(__file__).parent, domain="servicekit")
_ = kit_domain.gettext
_l = kit_domain.lazy_gettext


def request_language() -> str:
    """The caller's language: Accept-Language, else Danish."""
    return request.accept_languages.best_match(SUPPORTED_LANGUAGES) or DEFAULT_LANGUAGE


def init_babel(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=request_language)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


# marshmallow's own messages, so field errors reach Danish callers in Danish.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid UUID."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Invalid value."),
    N_("Shorter than minimum length {min}."),
    N_("Must be one of: {choices}."),
)
