"""Cross-service tests: the whole system as real processes on PostgreSQL and RabbitMQ."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from system import System
from world import ARTIFACTS, World


@pytest.fixture(scope="session")
def system(postgres_databases, rabbitmq_url, bus_namespace, test_run_id):
    """One running system for the whole test session (start-up costs seconds).

    Its queues get a prefix of their own: a service's tests may have left queues of the same service
    name on this run's exchange, holding their messages (which the system's workers would take) and
    possibly declared with another delivery limit, which RabbitMQ refuses to declare again.
    """
    namespace = {**bus_namespace, "QUEUE_PREFIX": f"{bus_namespace['QUEUE_PREFIX']}system."}
    running = System.start(postgres_databases, rabbitmq_url, namespace, ARTIFACTS / "system" / test_run_id)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def world(system):
    return World(system)
