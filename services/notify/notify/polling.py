"""The shape of every background loop of the worker: do a round, rest when there was little to do."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def repeat(stop: threading.Event, one_round: Callable[[], int], *, rest_seconds: float, full_round: int,
           what: str) -> None:
    """Call ``one_round`` until ``stop``; rest between rounds unless a round was full (more may wait).

    A failing round is logged and tried again after the rest: a loop of the worker never dies of it.
    """
    while not stop.is_set():
        try:
            handled = one_round()
        except Exception:
            log.exception("%s failed; trying again", what)
            handled = 0
        if handled < full_round:
            stop.wait(rest_seconds)
