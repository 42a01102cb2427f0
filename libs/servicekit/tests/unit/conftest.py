import pytest
from ledger import create_schema

from servicekit.db import Database


@pytest.fixture
def database(tmp_path):
    """The ledger test service's schema on a SQLite file of its own."""
    db = Database(f"sqlite:///{tmp_path}/svc.db")
    create_schema(db)
    yield db
    db.dispose()
