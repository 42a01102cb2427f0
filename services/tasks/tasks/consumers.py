"""Handlers for the events the tasks service consumes: ``{pattern: handler(session, event)}``."""

from __future__ import annotations

HANDLERS: dict = {}
