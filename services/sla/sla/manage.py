"""``sla-manage migrate | worker | replay-dlq | outbox-status``."""

from servicekit.cli import service_cli

from . import config
from .app import MIGRATIONS_DIR, build_context
from .worker import build_worker

cli = service_cli(
    "sla", load_settings=config.load, build_context=build_context, build_worker=build_worker,
    migrations_dir=MIGRATIONS_DIR,
)

if __name__ == "__main__":
    cli()
