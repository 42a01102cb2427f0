"""Calls to the services behind the gateway: streamed both ways, time-limited, failures as problems.

One ``urllib3.PoolManager`` (thread-safe, keep-alive) serves every gthread worker
thread.  A service that refuses connections is 503, one that is too slow is
504, one that breaks the exchange is 502; the caller never hangs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from servicekit import errors

from ..i18n import _, _l
from ..metrics import GatewayMetrics
from .table import has_dot_segment

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class BadGateway(errors.ServiceError):
    status, slug, title = 502, "bad-gateway", _l("Bad gateway")


class GatewayTimeout(errors.ServiceError):
    status, slug, title = 504, "gateway-timeout", _l("Gateway time-out")


@dataclass
class UpstreamResponse:
    status: int
    headers: list[tuple[str, str]]
    body: Iterator[bytes]
    close: Any


class Upstreams:
    def __init__(self, base_urls: dict[str, str], *, connect_timeout: float, read_timeout: float,
                 pool_size: int = 32, metrics: GatewayMetrics | None = None):
        self.base_urls = {name: url.rstrip("/") for name, url in base_urls.items() if url}
        self.metrics = metrics
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool = urllib3.PoolManager(num_pools=len(self.base_urls) + 2, maxsize=pool_size, block=False,
                                         retries=False)

    def request(self, service: str, method: str, path_and_query: str, headers: dict[str, str],
                body: IO[bytes] | Iterable[bytes] | bytes | None = None, *, chunked: bool = False,
                timeout: urllib3.Timeout | None = None) -> UpstreamResponse:
        started = time.perf_counter()
        try:
            response = self._open(service, method, path_and_query, headers, body, chunked, timeout)
        except errors.ServiceError as err:
            self._observe(service, err.status, started)
            raise
        self._observe(service, response.status, started)
        return response

    def _observe(self, service: str, status: int, started: float) -> None:
        if self.metrics is not None:
            self.metrics.upstream_requests.labels(service, str(status)).inc()
            self.metrics.upstream_latency.labels(service).observe(time.perf_counter() - started)

    def _open(self, service, method, path_and_query, headers, body, chunked, timeout) -> UpstreamResponse:
        if has_dot_segment(path_and_query.partition("?")[0]):
            # the last guard: urllib3 would remove the dot segments and call another path than was routed
            raise errors.NotFound()
        base = self.base_urls.get(service)
        if base is None:
            raise errors.ServiceUnavailable(_("The %(service)s service is not configured.", service=service))
        try:
            response = self._pool.urlopen(
                method, base + path_and_query, body=body, headers=headers, chunked=chunked,
                preload_content=False, decode_content=False, redirect=False, retries=_retries(method, body),
                timeout=timeout or self.timeout,
            )
        except (HTTPError, OSError) as err:
            raise _problem_for(err, service, f"{method} {path_and_query}") from None
        return UpstreamResponse(
            status=response.status,
            headers=list(response.headers.items()),
            body=_stream(response, service),
            close=response.release_conn,
        )


def _problem_for(err: Exception, service: str, call: str) -> errors.ServiceError:
    """What the caller is told: 504 when the service was too slow, 503 when it could not be reached (refused
    or unreachable alike), 502 when it broke the exchange."""
    cause = err.reason if isinstance(err, MaxRetryError) and err.reason is not None else err
    if isinstance(cause, ReadTimeoutError):
        log.warning("%s: %s is too slow: %s", call, service, cause)
        return GatewayTimeout(_("The %(service)s service did not answer in time.", service=service))
    # NewConnectionError is a ConnectTimeoutError in urllib3 2
    if isinstance(cause, (NewConnectionError, ConnectTimeoutError, ConnectionError)):
        log.warning("%s: %s is unreachable: %s", call, service, cause)
        return errors.ServiceUnavailable(
            _("The %(service)s service is not available right now. Try again shortly.", service=service))
    log.warning("%s: %s broke the exchange: %s", call, service, cause)
    return BadGateway(_("The %(service)s service gave no usable answer.", service=service))


def _retries(method: str, body) -> Retry | bool:
    """One quick second try to connect for a read without a body (a replica restarting); nothing else is
    repeated, so a change is never sent twice."""
    if method in ("GET", "HEAD") and body is None:
        return Retry(total=1, connect=1, read=0, redirect=0, status=0, other=0, backoff_factor=0.1,
                     raise_on_status=False)
    return False


def _stream(response, service: str) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK, decode_content=False)
    except (ProtocolError, HTTPError, OSError) as err:
        # the status line is already out: break the connection so the caller sees an incomplete answer
        log.warning("%s stopped in the middle of an answer: %s", service, err)
        raise
    finally:
        response.release_conn()
