"""One time limit for a whole HTTP exchange: connect, TLS handshake, request, answer.

Socket time-outs limit each read, not the exchange: a receiver that drips a byte
now and then (headers or body) would hold the sender for as long as it likes,
past the lease of its delivery.  Inside ``with Deadline(seconds):`` every socket
the guarded connections open in this thread is watched; when the time is up a
timer shuts them down, so the blocked read returns at once with an error.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from types import TracebackType

from urllib3.util.ssl_ import create_urllib3_context

_current = threading.local()


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()
        _current.deadline = None

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut the socket's connection down (not close it: its owner does that), TLS or not."""
    with contextlib.suppress(OSError):  # already closed, or handed over to its TLS wrapper (watched itself)
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def watch(sock: socket.socket) -> None:
    """Put ``sock`` under the current thread's deadline, if there is one."""
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedSSLSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        watch(self)  # before the handshake: a receiver may drip that too
        super().do_handshake(block)


def watched_tls_context() -> ssl.SSLContext:
    """urllib3's default client context (certificate and host name checked), its sockets watched."""
    context = create_urllib3_context()
    context.sslsocket_class = _WatchedSSLSocket
    return context
