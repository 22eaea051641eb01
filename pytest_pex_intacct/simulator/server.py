"""The gateway on a real loopback HTTP server, with per-request latency and injectable faults."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from types import TracebackType

from lxml import etree

from .company_state import Attachment, Clock, system_clock
from .fault_queue import FaultQueue
from .fault_wire import Fault, NoFault, Wire
from .fleet_gateway import FleetGateway, ScenarioSource
from .gateway import Gateway
from .http_handler import Exchange, LoopbackHTTPServer
from .request_log import RequestLog
from .request_parsing import load_schema
from .scenario import Scenario
from .scenario_files import load_scenario

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
HOST = "127.0.0.1"


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
        self._faults = FaultQueue()
        # Requests being answered at once, and the most there ever were (a fleet's concurrency bound).
        self._in_flight_lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd = LoopbackHTTPServer(self, (HOST, port), GATEWAY_PATH)
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

    def answer(self, wire: Wire, exchange: Exchange) -> None:
        """One request to the gateway: the latency, then the next fault that applies or the genuine answer."""
        with self.in_flight():
            wire.pause(self.latency)
            (self._take_fault(exchange) or NoFault()).deliver(wire, exchange)

    def _take_fault(self, exchange: Exchange) -> Fault | None:
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
