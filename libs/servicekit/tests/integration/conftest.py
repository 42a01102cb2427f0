import pytest
from kombu import Queue
from ledger import create_schema
from sqlalchemy import text

from servicekit.db import Database


@pytest.fixture(scope="session")
def ledger_db_url(postgres_databases):
    url = postgres_databases.create("kit")
    database = Database(url)
    create_schema(database)
    database.dispose()
    return url


@pytest.fixture
def database(ledger_db_url):
    db = Database(ledger_db_url)
    with db.transaction() as session:
        session.execute(text("TRUNCATE ledger, outbox, inbox RESTART IDENTITY"))
    yield db
    db.dispose()


@pytest.fixture
def spy(rabbit_bus, request):
    """A classic queue bound to every event of this run's exchange: what was published."""
    conn = rabbit_bus.connect()
    queue = Queue(f"{rabbit_bus.queue_prefix}spy.{request.node.name}"[:200], exchange=rabbit_bus.exchange,
                  routing_key="#", durable=False, auto_delete=False)
    bound = queue(conn.channel())
    bound.declare()
    bound.purge()

    def received():
        messages = []
        while (message := bound.get(no_ack=True)) is not None:
            messages.append(message)
        return messages

    yield received
    bound.delete()
    conn.release()
