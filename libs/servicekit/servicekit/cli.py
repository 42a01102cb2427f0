"""The management command every service shares: ``<service>-manage migrate|worker|replay-dlq|...``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from kombu.exceptions import OperationalError

from .bus import ConsumerTopology, QueueArgumentsChanged, replay_dead_letters
from .config import ConfigError
from .migrations import upgrade
from .outbox import OutboxRelay


def service_cli(
    name: str,
    *,
    load_settings: Callable[[], object],
    build_context: Callable[[object], object],
    build_worker: Callable[[object], object],
    migrations_dir: Path,
) -> click.Group:
    """Build the click group for one service from its own factories."""

    def context():
        try:
            return build_context(load_settings())
        except ConfigError as err:
            click.echo(f"{name}: {err}", err=True)
            sys.exit(2)

    @click.group(help=f"Manage the {name} service.")
    def cli() -> None:
        pass

    @cli.command(help="Bring the database schema up to date (alembic upgrade head) and declare the service's "
                      "queues on the broker, so that no event published before its worker first starts is lost.")
    @click.option("--revision", default="head", show_default=True)
    def migrate(revision: str) -> None:
        ctx = context()
        upgrade(ctx.settings.database_url, migrations_dir, revision)
        click.echo(f"{name}: database at {revision}")
        declare_queues(build_worker(ctx).topology)

    def declare_queues(topology: ConsumerTopology | None) -> None:
        if topology is None:
            click.echo(f"{name}: consumes no events, so has no queues to declare")
            return
        if topology.bus.is_memory:
            click.echo(f"{name}: the in-process broker keeps no queues; the worker declares its own at start")
            return
        try:
            topology.declare_on_broker()
        except (QueueArgumentsChanged, OperationalError) as err:
            click.echo(f"{name}: {err}", err=True)
            sys.exit(1)
        click.echo(f"{name}: queue {topology.queue_name} bound to {', '.join(topology.patterns)}, "
                   f"with its retry queues and {topology.dlq_name}")

    @cli.command(help="Run the worker: outbox relay, event consumer and background loops.")
    def worker() -> None:
        sys.exit(build_worker(context()).run_forever())

    @cli.command("replay-dlq", help="Move dead-lettered events back onto the service's queue.")
    @click.option("--limit", type=int, default=None, help="Move at most this many.")
    def replay_dlq(limit: int | None) -> None:
        topology = build_worker(context()).topology
        if topology is None:
            click.echo(f"{name} consumes no events")
            return
        try:
            moved = replay_dead_letters(topology, limit)
        except QueueArgumentsChanged as err:
            click.echo(f"{name}: {err}", err=True)
            sys.exit(1)
        click.echo(f"{name}: {moved} event(s) moved back from {topology.dlq_name}")

    @cli.command("outbox-status", help="How many committed events wait to be published.")
    def outbox_status() -> None:
        ctx = context()
        click.echo(f"{name}: {OutboxRelay(ctx.database, ctx.bus).pending_count()} event(s) pending")

    return cli
