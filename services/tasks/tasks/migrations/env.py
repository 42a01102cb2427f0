from servicekit.migrations import run_migrations
from tasks.models import Base

run_migrations(Base.metadata)
