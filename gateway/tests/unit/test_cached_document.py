"""The merged API documents: built once, then served from the last good copy while a thread rebuilds it."""

from __future__ import annotations

import threading
import time

from gateway.apidocs.sources import CachedDocument


class Builds:
    """Documents to hand out one per build; a build waits until the test lets it go."""

    def __init__(self, *results):
        self.results = list(results)
        self.go = threading.Event()
        self.started = 0
        self.count = 0

    def __call__(self):
        self.started += 1
        self.go.wait(5)
        self.count += 1
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]


def _eventually(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_stale_copy_is_served_at_once_while_one_thread_rebuilds_it():
    builds = Builds(({"v": 1}, []), ({"v": 2}, []))
    document = CachedDocument(builds, ttl=0.0)
    builds.go.set()
    assert document.get() == {"v": 1}
    builds.go.clear()
    started = time.monotonic()
    assert [document.get() for _ in range(5)] == [{"v": 1}] * 5  # the rebuild is held back, nobody waits
    assert time.monotonic() - started < 1
    _eventually(lambda: builds.started == 2)
    time.sleep(0.1)
    assert builds.started == 2  # five stale reads started one rebuild
    builds.go.set()
    _eventually(lambda: document.get() == {"v": 2})


def test_a_complete_copy_is_not_replaced_by_one_that_misses_a_service():
    builds = Builds(({"v": "partial"}, ["sla"]), ({"v": "complete"}, []), ({"v": "partial again"}, ["sla"]),
                    ({"v": "complete again"}, []))
    builds.go.set()
    document = CachedDocument(builds, ttl=0.0, retry=0.0)
    assert document.get() == {"v": "partial"}
    _eventually(lambda: document.get() == {"v": "complete"})
    _eventually(lambda: builds.count >= 3)
    assert document.get() in ({"v": "complete"}, {"v": "complete again"})
    _eventually(lambda: builds.count == 4)
    _eventually(lambda: document.get() == {"v": "complete again"})
