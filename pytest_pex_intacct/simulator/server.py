"""The gateway on a real loopback HTTP server, with per-request latency and injectable faults."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from lxml import etree

from .company_state import Attachment, Clock, system_clock
from .faults import TEXT_CONTENT_TYPE, Fault, NoFault, send
from .fleet_gateway import FleetGateway, ScenarioSource
from .gateway import Gateway
from .request_log import RequestLog, RequestSummary
from .request_parsing import load_schema
from .responses import GatewayResponse
from .scenario import Scenario
from .scenario_files import load_scenario

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
HOST = "127.0.0.1"


class _Closing(Exception):
    """The server is shutting down: abandon the exchange in progress."""


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None
    # Only requests for this company (a fleet gateway); None: any request.
    company: str | None = None


class _FaultQueue:
    """Faults in injection order; each entry answers ``remaining`` requests (None: all of them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[_Entry] = deque()

    def add(self, fault: Fault, times: int | None, company: str | None = None) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for every request), got {times}")
        with self._lock:
            self._entries.append(_Entry(fault, times, company))

    @property
    def for_companies(self) -> bool:
        with self._lock:
            return any(entry.company is not None for entry in self._entries)

    def take(self, company: str | None = None) -> Fault | None:
        """The first fault that applies to a request for ``company``."""
        with self._lock:
            entry = next((one for one in self._entries if one.company is None or one.company == company), None)
            if entry is None:
                return None
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._entries.remove(entry)
            return entry.fault

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Exchange:
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

    def __init__(self, handler: _Handler, exchange: _Exchange, log: RequestLog) -> None:
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


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, simulator: SimulatorServer, port: int) -> None:
        self.simulator = simulator
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

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
    server: _HTTPServer
    # Idle keep-alive connections are dropped after this many seconds.
    timeout = 30

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is the record."""

    def do_POST(self) -> None:
        simulator = self.server.simulator
        length = self.headers.get("Content-Length", "0")
        exchange = _Exchange(simulator.gateway, self.rfile.read(int(length) if length.isdigit() else 0))
        wire = _SocketWire(self, exchange, simulator.log)
        try:
            if self.path.split("?", 1)[0] != GATEWAY_PATH:
                send(wire, 404, TEXT_CONTENT_TYPE, b"404 Not Found\n")
                return
            with simulator.in_flight():
                wire.pause(simulator.latency)
                (simulator._take_fault(exchange) or NoFault()).deliver(wire, exchange)
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


class SimulatorServer:
    """Intacct's XML gateway for one scenario, served on 127.0.0.1 (random port) in a background thread.

    Given a mapping of company id → scenario instead, it serves all those companies at once, each
    request answered by the company its sign-in names (``fleet_gateway.py``), as for a fleet run.
    Starts on construction; use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        scenario: ScenarioSource | Mapping[str, ScenarioSource] = "ready",
        *,
        schema: etree.XMLSchema | str | os.PathLike[str] | None = None,
        latency: float = 0.0,
        port: int = 0,
        support_ids: bool = True,
        fail_deletes: bool = False,
        clock: Clock = system_clock,
    ) -> None:
        self.latency = latency
        self._faults = _FaultQueue()
        # Requests being answered at once, and the most there ever were (a fleet's concurrency bound).
        self._in_flight_lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd = _HTTPServer(self, port)
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}{GATEWAY_PATH}"
        compiled = load_schema(schema) if schema is not None and not isinstance(schema, etree.XMLSchema) else schema
        self.gateway: Gateway | FleetGateway
        if isinstance(scenario, Mapping):
            self.gateway = FleetGateway(
                scenario,
                schema=compiled,
                endpoint=self.url,
                support_ids=support_ids,
                fail_deletes=fail_deletes,
                clock=clock,
            )
        else:
            self.gateway = Gateway(
                scenario if isinstance(scenario, Scenario) else load_scenario(scenario),
                schema=compiled,
                endpoint=self.url,
                support_ids=support_ids,
                fail_deletes=fail_deletes,
                clock=clock,
            )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"intacct-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def scenario(self) -> Scenario:
        return self.gateway.scenario

    @property
    def log(self) -> RequestLog:
        return self.gateway.log

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self.gateway.attachments

    @property
    def folder_names(self) -> tuple[str, ...]:
        return self.gateway.folder_names

    def inject(self, fault: Fault, times: int | None = 1, company: str | None = None) -> None:
        """Answer the next ``times`` requests (None: every request) with ``fault``, after earlier faults;
        with ``company``, only requests for that company (e.g. one company of a fleet unreachable)."""
        self._faults.add(fault, times, company)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        return len(self._faults)

    def _take_fault(self, exchange: _Exchange) -> Fault | None:
        # Reading the request's company costs a parse: only when some fault is for one company.
        company = exchange.summary().company_id if self._faults.for_companies else None
        return self._faults.take(company)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        with self._in_flight_lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1

    def close(self) -> None:
        """Stop serving; responses in flight are abandoned. Idempotent."""
        if self._httpd.closing.is_set():
            return
        self._httpd.closing.set()
        self._httpd.shutdown()
        self._httpd.abort_connections()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SimulatorServer {self.url} scenario={self.scenario.description!r}>"
