"""Structured JSON logs carrying the service, request id, trace id and event id."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id_var: ContextVar[str | None] = ContextVar("trace_id", default=None)
event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)
service_var: ContextVar[str | None] = ContextVar("service", default=None)


class ContextFilter(logging.Filter):
    """Copies the context variables of the current request or event onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = service_var.get()
        record.request_id = request_id_var.get()
        record.trace_id = trace_id_var.get()
        record.event_id = event_id_var.get()
        return True


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure the root logger once per process; later calls only adjust the level."""
    root = logging.getLogger()
    root.setLevel(level)
    if any(getattr(h, "_servicekit", False) for h in root.handlers):
        return
    root.addHandler(log_handler(fmt, sys.stderr))
    for noisy in ("amqp", "kombu", "werkzeug", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def log_handler(fmt: str, stream) -> logging.Handler:
    """A handler writing records with their context, as JSON lines or as text."""
    handler = logging.StreamHandler(stream)
    handler._servicekit = True  # type: ignore[attr-defined]
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(service)s %(request_id)s %(trace_id)s %(event_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s [%(service)s] %(name)s: %(message)s")
        )
    handler.addFilter(ContextFilter())
    return handler
