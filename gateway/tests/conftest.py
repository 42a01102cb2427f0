"""Fixtures of the gateway's tests: a real gateway app on a fresh PostgreSQL database."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gatewaykit import GatewayHarness


@pytest.fixture(scope="module")
def harness(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    """A gateway app of its own for each test module (PostgreSQL database, run-scoped exchange)."""
    h = GatewayHarness.start(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace, identity_keys)
    yield h
    h.stop()


@pytest.fixture
def client(harness):
    return harness.app.test_client()


@pytest.fixture
def unique():
    return lambda prefix="x": f"{prefix}-{uuid.uuid4().hex[:8]}"
