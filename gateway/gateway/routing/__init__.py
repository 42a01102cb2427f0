"""Routing: every public path to the service that owns it, with the caller's identity vouched for."""
