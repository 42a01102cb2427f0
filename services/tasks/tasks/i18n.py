"""The tasks service's own message catalogue (Danish first, English second)."""

from __future__ import annotations

from pathlib import Path

from babel import support

from servicekit.i18n import DEFAULT_LANGUAGE, translator

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

messages = translator(Path(__file__).parent)
_ = messages.gettext
_l = messages.lazy_gettext


def in_default_language(message: str, **variables: object) -> str:
    """``message`` in the system's default language (Danish), outside any request: for a note the service
    writes on a task once, for everyone to read (a consumer has no caller whose language would count)."""
    text = support.Translations.load(str(TRANSLATIONS_DIR), [DEFAULT_LANGUAGE]).gettext(message)
    return text % variables if variables else text
