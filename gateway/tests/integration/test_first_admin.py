"""The first administrator at start, when several gunicorn workers start at the same moment."""

from __future__ import annotations

import threading

from gatewaykit import gateway_environ
from sqlalchemy import func, select

from gateway import config
from gateway.app import MIGRATIONS_DIR, build_context
from gateway.identity.admin import ensure_first_admin
from gateway.models import User
from servicekit.migrations import upgrade


def test_workers_starting_together_create_exactly_one_first_admin(postgres_databases, rabbitmq_url, bus_namespace,
                                                                  identity_keys):
    settings = config.load(gateway_environ(postgres_databases.create("gateway"), rabbitmq_url, bus_namespace,
                                           identity_keys))
    upgrade(settings.database_url, MIGRATIONS_DIR)
    contexts = [build_context(settings) for _ in range(4)]
    start, failures = threading.Barrier(len(contexts)), []

    def boot(context):
        start.wait()
        try:
            ensure_first_admin(context.database, settings, context.extras["gateway"].passwords)
        except Exception as err:
            failures.append(err)

    threads = [threading.Thread(target=boot, args=(c,)) for c in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with contexts[0].database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True))) == 1
    for context in contexts:
        context.database.dispose()


def test_the_first_admin_is_not_created_again_once_an_admin_exists(harness, client):
    ensure_first_admin(harness.context.database, harness.context.settings.replace(admin_email="other@example.dk"),
                       harness.context.extras["gateway"].passwords)
    admins = client.get("/api/v1/users", query_string={"role": "admin"}, headers=harness.admin).json
    assert [u["email"] for u in admins["items"]] == ["admin@servicedesk.test"]
