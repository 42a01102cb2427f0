"""Finding the PostgreSQL server and RabbitMQ broker the integration tests use.

In order: the URL from the environment (``TEST_DATABASE_URL``, ``TEST_AMQP_URL``);
a container from testcontainers when a Docker engine answers; the servers on
their default local ports.  When none answers the tests are skipped, except on
CI (``CI=true``) where a missing server fails the run.
"""

from __future__ import annotations

import os
import socket
import uuid
from contextlib import ExitStack
from urllib.parse import urlparse

import psycopg
from sqlalchemy.engine import make_url

from ..db import normalise_url

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


class ServerMissing(Exception):
    pass


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # no engine, no socket, no permission: all mean "no Docker here"
        return False


def postgres_container_class():
    from testcontainers.community.postgres import PostgresContainer

    return PostgresContainer


def rabbitmq_container_class():
    from testcontainers.community.rabbitmq import RabbitMqContainer  # needs pika (servicekit[testing])

    return RabbitMqContainer


def postgres_server_url(stack: ExitStack) -> str:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return normalise_url(url)
    if _docker_available():
        container = stack.enter_context(postgres_container_class()("postgres:15", driver="psycopg"))
        return normalise_url(container.get_connection_url())
    if _reachable(LOCAL_POSTGRES, 5432):
        return LOCAL_POSTGRES
    raise ServerMissing("no PostgreSQL: set TEST_DATABASE_URL, run Docker, or start one on 127.0.0.1:5432")


def amqp_url(stack: ExitStack) -> str:
    if url := os.environ.get("TEST_AMQP_URL"):
        return url
    if _docker_available():
        container = stack.enter_context(rabbitmq_container_class()("rabbitmq:3.13"))
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
        return f"amqp://guest:guest@{host}:{port}//"
    if _reachable(LOCAL_AMQP, 5672):
        return LOCAL_AMQP
    raise ServerMissing("no RabbitMQ: set TEST_AMQP_URL, run Docker, or start one on 127.0.0.1:5672")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates fresh databases on one server and drops them all at the end."""

    def __init__(self, server_url: str, run_id: str):
        self.server_url = server_url
        self.run_id = run_id
        self.created: list[str] = []

    def create(self, label: str) -> str:
        name = f"sdt_{label}_{self.run_id}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(_libpq(self.server_url), autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
