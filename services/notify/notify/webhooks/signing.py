"""The webhook signature, documented for receivers in docs/contract.md.

``X-Servicedesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>``

A receiver recomputes the HMAC over the timestamp, a dot and the raw body
bytes, compares in constant time, and refuses a timestamp older than a few
minutes (a replayed delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Servicedesk-Signature"
DEFAULT_TOLERANCE = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    return signature(secret, body, int(now if now is not None else time.time()))


def verify(secret: str, body: bytes, header: str, *, tolerance: int = DEFAULT_TOLERANCE,
           now: float | None = None) -> bool:
    """What a receiver does: True when the header signs this body recently with this secret."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
