"""The cases service's message catalogue (Danish first, English second; msgids in English)."""

from __future__ import annotations

from pathlib import Path

from servicekit.i18n import translator

domain = translator(Path(__file__).parent)
_ = domain.gettext
_l = domain.lazy_gettext
