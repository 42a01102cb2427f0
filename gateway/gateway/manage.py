"""``gateway-manage migrate | worker | replay-dlq | outbox-status | create-admin | write-docs``."""

from __future__ import annotations

import click

from servicekit.cli import service_cli

from . import config
from .app import MIGRATIONS_DIR, build_context
from .worker import build_worker

cli = service_cli(
    "gateway", load_settings=config.load, build_context=build_context, build_worker=build_worker,
    migrations_dir=MIGRATIONS_DIR,
)


@cli.command("create-admin", help="Create an administrator (or make an existing user one, with this password).")
@click.option("--email", required=True)
@click.option("--name", default="Administrator", show_default=True)
@click.password_option("--password", help="At least 10 characters; asked for when not given.")
def create_admin_command(email: str, name: str, password: str) -> None:
    from .identity.admin import create_admin
    from .identity.schemas import MIN_PASSWORD_LENGTH

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password")
    context = build_context(config.load())
    with context.database.transaction() as session:
        user = create_admin(session, email=email, name=name, password=password,
                            passwords=context.extras["gateway"].passwords)
    click.echo(f"gateway: {user['email']} is an administrator ({user['id']})")


@cli.command("write-docs", help="Write docs/openapi.json and docs/asyncapi.json from every service's own documents.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="docs", show_default=True)
def write_docs_command(out_dir: str) -> None:
    from .apidocs.files import write_documents

    for path in write_documents(out_dir):
        click.echo(f"gateway: wrote {path}")


if __name__ == "__main__":
    cli()
