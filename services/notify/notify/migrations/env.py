from notify.models import Base
from servicekit.migrations import run_migrations

run_migrations(Base.metadata)
