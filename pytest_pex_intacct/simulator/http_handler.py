"""One HTTP exchange on the simulator's loopback server: the request read, then its answer (a fault's
or the gateway's genuine one) written through a :class:`~.fault_wire.Wire` over the socket."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .fault_wire import TEXT_CONTENT_TYPE, Wire, send
from .fleet_gateway import FleetGateway
from .gateway import Gateway
from .request_log import RequestLog, RequestSummary
from .responses import GatewayResponse


class Answering(Protocol):
    """The simulator as the handler sees it."""

    @property
    def gateway(self) -> Gateway | FleetGateway: ...

    @property
    def log(self) -> RequestLog: ...

    def answer(self, wire: Wire, exchange: Exchange) -> None:
        """Answer one request to the gateway path (a fault's answer or the genuine one)."""


class _Closing(Exception):
    """The server is shutting down: abandon the exchange in progress."""


class Exchange:
    """The request body and, once a fault or the normal path asks for it, the gateway's response."""

    def __init__(self, gateway: Gateway | FleetGateway, body: bytes) -> None:
        self._gateway = gateway
        self.body = body
        self._processed: tuple[GatewayResponse, RequestSummary] | None = None

    def __call__(self, *, fail_deletes: bool = False) -> GatewayResponse:
        if self._processed is None:
            self._processed = self._gateway.process(self.body, fail_deletes=fail_deletes)
        return self._processed[0]

    def summary(self) -> RequestSummary:
        return self._processed[1] if self._processed else self._gateway.summarize(self.body)


class _SocketWire:
    """Wire over the handler's socket; logs the request before its first response byte leaves,
    so a client that has read a response always finds its request in the log."""

    def __init__(self, handler: _Handler, exchange: Exchange, log: RequestLog) -> None:
        self._handler = handler
        self._exchange = exchange
        self._log = log
        self._logged = False

    @property
    def started(self) -> bool:
        return self._logged

    def log_once(self, status: int | None) -> None:
        if not self._logged:
            self._logged = True
            self._log.append(self._exchange.summary().record(status, self._exchange.body))

    def pause(self, seconds: float) -> None:
        if seconds > 0 and self._handler.server.closing.wait(seconds):
            raise _Closing

    def head(self, status: int, content_type: str | None, length: int | None) -> None:
        self.log_once(status)
        handler = self._handler
        handler.send_response(status)
        if content_type is not None:
            handler.send_header("Content-Type", content_type)
        if length is None:
            handler.close_connection = True
            handler.send_header("Connection", "close")
        else:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()

    def write(self, data: bytes) -> None:
        self._handler.wfile.write(data)

    def drop(self) -> None:
        self.log_once(None)
        self._handler.close_connection = True
        # Already shut when close() aborted the connection first.
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)

    def reset(self) -> None:
        self.log_once(None)
        handler = self._handler
        handler.close_connection = True
        # Linger on with a zero timeout makes close() send RST instead of FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        # The buffered reader holds a reference to the socket; the RST leaves only once it is closed.
        handler.rfile.close()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """Serves ``simulator`` at ``address``; every path but ``gateway_path`` is a 404."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, simulator: Answering, address: tuple[str, int], gateway_path: str) -> None:
        self.simulator = simulator
        self.gateway_path = gateway_path
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # A client that resets its connection while the handler waits for its next request (it refused
        # an answer unread) has gone away: not a simulator error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def abort_connections(self) -> None:
        """Unblock handlers stuck in a read or a write, so close() never waits on a slow client."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "intacct-simulator"
    sys_version = ""
    server: LoopbackHTTPServer
    # Idle keep-alive connections are dropped after this many seconds.
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is the record."""

    def do_POST(self) -> None:
        simulator = self.server.simulator
        length = self.headers.get("Content-Length", "0")
        exchange = Exchange(
            simulator.gateway, self.rfile.read(int(length) if length.isascii() and length.isdigit() else 0)
        )
        wire = _SocketWire(self, exchange, simulator.log)
        try:
            if self.path.split("?", 1)[0] != self.server.gateway_path:
                send(wire, 404, TEXT_CONTENT_TYPE, b"404 Not Found\n")
                return
            simulator.answer(wire, exchange)
        except _Closing:
            wire.drop()
        except OSError:
            # The client went away (timeout, reset): nothing more to send.
            self.close_connection = True
        except Exception:
            traceback.print_exc(file=sys.stderr)
            if not wire.started:
                send(wire, 500, TEXT_CONTENT_TYPE, b"500 simulator error (see its stderr)\n")
            self.close_connection = True
        finally:
            wire.log_once(None)

    def _not_allowed(self) -> None:
        self.server.simulator.log.append(RequestSummary().record(405, b""))
        self.send_response(405)
        body = b"405 Method Not Allowed: the XML gateway accepts POST only\n"
        self.send_header("Allow", "POST")
        self.send_header("Content-Type", TEXT_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_DELETE = do_PATCH = _not_allowed
