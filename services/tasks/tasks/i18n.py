"""The tasks service's own message catalogue (Danish first, English second)."""

from __future__ import annotations

from pathlib import Path

from servicekit.i18n import translator

messages = translator(Path(__file__).parent)
_ = messages.gettext
_l = messages.lazy_gettext
