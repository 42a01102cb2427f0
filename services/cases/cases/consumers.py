"""Handlers for the events the cases service consumes: ``{pattern: handler(session, event)}``."""

from __future__ import annotations

HANDLERS: dict = {}
