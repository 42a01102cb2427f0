"""Translation helpers of the web front end: the gateway package's catalogue (msgids in English)."""

from __future__ import annotations

from pathlib import Path

from servicekit.i18n import translator

domain = translator(Path(__file__).resolve().parent.parent)
_ = domain.gettext
_l = domain.lazy_gettext
ngettext = domain.ngettext
