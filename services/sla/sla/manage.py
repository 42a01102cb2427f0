"""``sla-manage migrate | worker | replay-dlq | outbox-status | timers``."""

import click

from servicekit.cli import service_cli
from servicekit.db import utcnow

from . import config
from .app import MIGRATIONS_DIR, build_context
from .worker import build_worker

cli = service_cli(
    "sla", load_settings=config.load, build_context=build_context, build_worker=build_worker,
    migrations_dir=MIGRATIONS_DIR,
)


@cli.command(help="How many timers wait, how many are overdue (by more than a minute), and the next due time.")
def timers() -> None:
    from .service.timers import timer_status

    context = build_context(config.load())
    with context.database.transaction() as session:
        status = timer_status(session, now=utcnow())
    click.echo(f"sla: {status['pending']} timer(s) pending, {status['overdue']} overdue, "
               f"next due {status['next_due'].isoformat() if status['next_due'] else 'never'}")


if __name__ == "__main__":
    cli()
