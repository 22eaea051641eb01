"""The total time limit over a whole exchange: connect, send, status line, headers and body.

requests and urllib3 time each socket operation, never an exchange: a gateway that drips its status
line and headers a byte at a time, each byte inside the read timeout, holds the run for as long as it
likes (Python's http.client reads up to 100 header lines of 64 KiB each). Neither library hands out
its socket before the headers are in, so the sockets are noted as they are created, from the
interpreter's own ``socket.__new__`` audit event, and when the time is up a timer shuts them down:
whatever read or write was blocked on them ends at once, and the transport reports the time limit.
The hook is installed once per process and does nothing in a thread that is not inside an exchange;
it sees every kind of socket (plain, TLS, through a proxy) whatever the HTTP library, including a
recording's.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import weakref
from types import TracebackType

# The timer fires this long after the deadline: every wait the transport bounds itself (connecting,
# the first byte, each piece of the body) ends at the deadline first, under its own, more precise
# message; the timer ends only the waits nothing else bounds.
AFTER_THE_DEADLINE_SECONDS = 0.5

_inside = threading.local()
_hook_lock = threading.Lock()
_hook_installed = False


class ExchangeSockets:
    """The sockets one transport's exchanges created: a kept-alive connection from an earlier exchange
    is shut down as well as a new one. Weak, so a closed and dropped socket is forgotten."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def shut_down(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            # The plain socket's shutdown, also for a TLS socket: ssl's own would drop its state under
            # the reading thread's feet. A socket already closed (or handed over to TLS) has no fd left.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _note_socket(event: str, args: tuple[object, ...]) -> None:
    # Runs for every audit event of the process: kept to a name test and, inside an exchange, one add.
    if event == "socket.__new__":
        sockets = getattr(_inside, "sockets", None)
        if sockets is not None and isinstance(args[0], socket.socket):
            sockets.add(args[0])


def _install_hook() -> None:
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_note_socket)
            _hook_installed = True


class ExchangeDeadline:
    """Within ``with``: once ``seconds`` (and :data:`AFTER_THE_DEADLINE_SECONDS`) have passed, every
    socket in ``sockets``, the thread's new ones included, is shut down and :attr:`expired` is set."""

    def __init__(self, seconds: float, sockets: ExchangeSockets) -> None:
        self._sockets = sockets
        self._expired = threading.Event()
        self._timer = threading.Timer(max(0.0, seconds) + AFTER_THE_DEADLINE_SECONDS, self._expire)
        self._timer.daemon = True
        self._outer: ExchangeSockets | None = None

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def _expire(self) -> None:
        self._expired.set()
        self._sockets.shut_down()

    def __enter__(self) -> ExchangeDeadline:
        _install_hook()
        self._outer = getattr(_inside, "sockets", None)
        _inside.sockets = self._sockets
        self._timer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        _inside.sockets = self._outer
