"""Waiting for something that happens in another thread or process."""

from __future__ import annotations

import time


def wait_for(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(interval)
    return predicate()
