"""What the running gateway holds beside the chassis' context: keys, hashers, upstreams."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from servicekit.auth import IdentitySigner
from servicekit.config import Settings

from .auth.passwords import Passwords
from .auth.throttle import Throttle
from .auth.tokens import AccessTokens
from .metrics import GatewayMetrics
from .routing.upstream import Upstreams


@dataclass
class Gateway:
    settings: Settings
    signer: IdentitySigner
    access_tokens: AccessTokens
    passwords: Passwords
    throttle: Throttle
    service_keys: dict[str, str]
    upstreams: Upstreams
    pool: ThreadPoolExecutor
    metrics: GatewayMetrics
    extras: dict[str, Any] = field(default_factory=dict)


def gateway() -> Gateway:
    return current_app.extensions["servicekit"].extras["gateway"]
