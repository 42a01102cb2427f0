"""Cross-service tests: the whole system as real processes on PostgreSQL and RabbitMQ."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from system import System

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def system(postgres_databases, rabbitmq_url, bus_namespace, test_run_id):
    """One running system for the whole test session (start-up costs seconds)."""
    running = System.start(postgres_databases, rabbitmq_url, bus_namespace,
                           ARTIFACTS / "system" / test_run_id)
    yield running
    running.stop()
