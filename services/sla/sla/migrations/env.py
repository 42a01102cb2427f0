from servicekit.migrations import run_migrations
from sla.models import Base

run_migrations(Base.metadata)
