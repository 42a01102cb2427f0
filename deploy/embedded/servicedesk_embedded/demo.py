"""Demo data for a newcomer: loaded through the public API on the first start only."""

from __future__ import annotations

import logging

log = logging.getLogger("servicedesk.embedded")


def load_demo_data_once(system) -> None:
    marker = system.data_dir / ".demo-loaded"
    if marker.exists():
        return
    log.warning("demo data is not available yet")
