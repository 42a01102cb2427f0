"""The gateway's own messages (English ids, Danish catalogue first)."""

from pathlib import Path

from servicekit.i18n import translator

domain = translator(Path(__file__).parent)
_ = domain.gettext
_l = domain.lazy_gettext
