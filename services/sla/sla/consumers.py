"""Handlers for the events the sla service consumes: ``{pattern: handler(session, event)}``."""

from __future__ import annotations

HANDLERS: dict = {}
