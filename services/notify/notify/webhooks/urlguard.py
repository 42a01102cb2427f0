"""Where a webhook may point: never at our own network unless the operator says so.

Without ``WEBHOOK_ALLOWED_HOSTS`` any host is allowed whose every address (after
DNS resolution) is public: private, loopback, link-local, shared, reserved and
multicast addresses are refused, also when an IPv6 address carries one inside
(IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64).  With it, only the hosts it
lists are allowed: names and ``*.domain`` wildcards admit a host that still
resolves to public addresses only; an address or a network entry (``10.1.2.3``,
``10.1.2.0/24``) is the one way to admit an internal address, so a listed name
that someone points at an internal address is still refused.  The same check
runs again when each delivery connects, on the address actually used, so a name
that changes its answer after registration (DNS rebinding) is still refused.
Names are looked up with ``socket.getaddrinfo`` unless a policy is given another
``resolver`` of the same signature (tests use that seam to rebind a name).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from .deadline import watch, watched_tls_context

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple]]  # socket.getaddrinfo(host, port, type=...)


REASONS = {
    "scheme": "only http and https URLs can receive webhooks",
    "no_host": "the URL has no host",
    "credentials": "put credentials in the secret, not in the URL",
    "port": "the URL has an invalid port",
    "not_listed": "host {host} is not on WEBHOOK_ALLOWED_HOSTS",
    "unresolvable": "host {host} does not resolve",
    "private": "host {host} resolves to a non-public address ({address})",
    "none_allowed": "host {host} resolves to no allowed address",
}


class UnsafeUrl(ValueError):
    """The URL may not be called: ``reason`` (a key of REASONS) and its ``params`` say why."""

    def __init__(self, reason: str, **params: str):
        self.reason, self.params = reason, params
        super().__init__(REASONS[reason].format(**params))


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, never public
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (and :: and ::1)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped, compatible, 6to4, Teredo (server, client), NAT64."""
    if address.ipv4_mapped:
        return [address.ipv4_mapped]
    if address.sixtofour:
        return [address.sixtofour]
    if address.teredo:
        return list(address.teredo)
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address in LOCAL_NAT64:
            return False
        embedded = embedded_ipv4(address)
        if embedded:
            return all(_is_public(inner) for inner in embedded)
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class HostPolicy:
    allowed: tuple[str, ...] = ()
    resolver: Resolver = field(default=socket.getaddrinfo, compare=False, repr=False)

    @classmethod
    def from_setting(cls, hosts: Iterable[str], resolver: Resolver = socket.getaddrinfo) -> HostPolicy:
        return cls(tuple(h.strip().lower() for h in hosts if h.strip()), resolver)

    def _networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        networks = []
        for entry in self.allowed:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
        return networks

    def host_listed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(entry == host or (entry.startswith("*.") and host.endswith(entry[1:])) for entry in self.allowed)

    def address_listed(self, address: Address) -> bool:
        return any(address in network for network in self._networks())

    def check_host(self, host: str) -> None:
        """Refuse a host the allow-list does not name (when there is a list)."""
        if not self.allowed or self.host_listed(host):
            return
        try:
            if self.address_listed(ipaddress.ip_address(host)):
                return
        except ValueError:
            pass
        raise UnsafeUrl("not_listed", host=host)

    def resolve(self, host: str, port: int) -> list[tuple[int, tuple]]:
        """The socket addresses to connect to; UnsafeUrl if the host may not be called or any address may not."""
        self.check_host(host)
        try:
            infos = self.resolver(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise UnsafeUrl("unresolvable", host=host) from None
        usable = []
        for family, _type, _proto, _name, sockaddr in infos:
            address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if not (self.address_listed(address) or _is_public(address)):
                raise UnsafeUrl("private", host=host, address=str(address))
            usable.append((family, sockaddr))
        if not usable:
            raise UnsafeUrl("none_allowed", host=host)
        return usable

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise UnsafeUrl("scheme")
        if not parts.hostname:
            raise UnsafeUrl("no_host")
        if parts.username or parts.password:
            raise UnsafeUrl("credentials")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UnsafeUrl("port") from None
        self.resolve(parts.hostname, port)


# -- the same check when connecting ---------------------------------------------------------------


def _connect(connection: HTTPConnection, policy: HostPolicy):
    try:
        targets = policy.resolve(connection._dns_host, connection.port)
    except UnsafeUrl as err:
        raise NewConnectionError(connection, f"refused: {err}") from None
    last_error: OSError | None = None
    for family, sockaddr in targets:
        sock = socket.socket(family, socket.SOCK_STREAM)
        watch(sock)
        try:
            if connection.timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(connection.timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as err:
            sock.close()
            last_error = err
    raise NewConnectionError(connection, f"could not connect: {last_error}")


def guarded_session(policy: HostPolicy, ca_bundle: str | None = None) -> requests.Session:
    """A requests session that connects only to addresses ``policy`` allows, and follows no proxy.

    HTTPS certificates (and the host name, sent as SNI) are checked against the public CAs, or
    against ``ca_bundle`` (a PEM file, for receivers with an internal CA).  Its sockets (and TLS
    sockets) are watched by a ``Deadline`` entered in the calling thread.
    """

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self):
            return _connect(self, policy)

    class GuardedHTTPSConnection(HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.ssl_context is None:  # urllib3's own context, but with sockets a deadline can stop
                self.ssl_context = watched_tls_context()

        def _new_conn(self):
            return _connect(self, policy)

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle or True
    adapter = GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
