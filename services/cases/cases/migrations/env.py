from servicekit.migrations import run_migrations

from cases.models import Base

run_migrations(Base.metadata)
