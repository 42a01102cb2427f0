import pytest

from servicekit.db import Database
from servicekit.migrations import upgrade
from sla.app import MIGRATIONS_DIR


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """One migrated SQLite file per run; each test copies it (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("sla") / "template.db"
    upgrade(f"sqlite:///{path}", MIGRATIONS_DIR)
    return path


@pytest.fixture
def database(migrated_sqlite, tmp_path):
    import shutil

    path = tmp_path / "sla.db"
    shutil.copy(migrated_sqlite, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()
