"""Calls to the services behind the gateway: streamed both ways, time-limited, failures as problems.

One ``urllib3.PoolManager`` (thread-safe, keep-alive) serves every gthread worker
thread.  A service that refuses connections is 503, one that is too slow is
504, one that breaks the exchange is 502; the caller never hangs.
"""

from __future__ import annotations

import logging
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

from servicekit import errors

from ..i18n import _, _l

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
                 pool_size: int = 32):
        self.base_urls = {name: url.rstrip("/") for name, url in base_urls.items() if url}
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool = urllib3.PoolManager(num_pools=len(self.base_urls) + 2, maxsize=pool_size, block=False,
                                         retries=False)

    def request(self, service: str, method: str, path_and_query: str, headers: dict[str, str],
                body: IO[bytes] | Iterable[bytes] | bytes | None = None, *, chunked: bool = False,
                timeout: urllib3.Timeout | None = None) -> UpstreamResponse:
        base = self.base_urls.get(service)
        if base is None:
            raise errors.ServiceUnavailable(_("The %(service)s service is not configured.", service=service))
        try:
            response = self._pool.urlopen(
                method, base + path_and_query, body=body, headers=headers, chunked=chunked,
                preload_content=False, decode_content=False, redirect=False, retries=False,
                timeout=timeout or self.timeout,
            )
        except ReadTimeoutError as err:
            log.warning("%s %s: %s is too slow: %s", method, path_and_query, service, err)
            raise GatewayTimeout(_("The %(service)s service did not answer in time.", service=service)) from None
        except (NewConnectionError, ConnectTimeoutError, MaxRetryError, ConnectionError) as err:
            # NewConnectionError is a ConnectTimeoutError in urllib3 2: refused and unreachable alike are "down"
            log.warning("%s %s: %s is unreachable: %s", method, path_and_query, service, err)
            raise errors.ServiceUnavailable(
                _("The %(service)s service is not available right now. Try again shortly.", service=service)
            ) from None
        except (ProtocolError, HTTPError, OSError) as err:
            log.warning("%s %s: %s broke the exchange: %s", method, path_and_query, service, err)
            raise BadGateway(_("The %(service)s service gave no usable answer.", service=service)) from None
        return UpstreamResponse(
            status=response.status,
            headers=list(response.headers.items()),
            body=_stream(response, service),
            close=response.release_conn,
        )


def _stream(response, service: str) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK, decode_content=False)
    except (ProtocolError, HTTPError, OSError) as err:
        # the status line is already out: break the connection so the caller sees an incomplete answer
        log.warning("%s stopped in the middle of an answer: %s", service, err)
        raise
    finally:
        response.release_conn()
