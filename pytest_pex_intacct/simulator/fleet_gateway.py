"""Many simulated companies behind one gateway, as Intacct serves every company from one endpoint.

Each company is an ordinary :class:`Gateway` over its own scenario (with the company id it is listed
under); a request goes to the company its ``<login>`` names, or to the company whose session it
carries. A request naming no listed company is answered by the first one, which refuses the sign-in
as Intacct refuses an unknown company.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Mapping

from lxml import etree

from ..intacct.hardened_xml import hardened_parser
from .company_state import Attachment, Clock, system_clock
from .gateway import DEFAULT_ENDPOINT, Gateway
from .request_log import RequestLog, RequestSummary
from .responses import GatewayResponse
from .scenario import Scenario, ScenarioError
from .scenario_files import load_scenario

ScenarioSource = Scenario | str | os.PathLike[str]


class FleetGateway:
    """The same surface as :class:`Gateway` for the server, over many companies. Thread-safe."""

    def __init__(
        self,
        companies: Mapping[str, ScenarioSource],
        *,
        schema: etree.XMLSchema | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        support_ids: bool = True,
        fail_deletes: bool = False,
        clock: Clock = system_clock,
    ) -> None:
        if not companies:
            raise ScenarioError("a fleet gateway needs at least one company")
        self.endpoint = endpoint
        self.log = RequestLog()
        # One lock for all: lxml's compiled schema, shared by the companies, is not safe to use from two
        # threads at once. Latency is spent outside it (server.py), so companies still answer in parallel.
        self._lock = threading.RLock()
        self.gateways: dict[str, Gateway] = {}
        for company_id, source in companies.items():
            scenario = source if isinstance(source, Scenario) else load_scenario(source)
            self.gateways[company_id] = Gateway(
                dataclasses.replace(scenario, company_id=company_id),
                schema=schema,
                endpoint=endpoint,
                support_ids=support_ids,
                fail_deletes=fail_deletes,
                clock=clock,
            )

    def company(self, company_id: str) -> Gateway:
        return self.gateways[company_id]

    @property
    def scenario(self) -> Scenario:
        return next(iter(self.gateways.values())).scenario

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(attachment for gateway in self.gateways.values() for attachment in gateway.attachments)

    @property
    def folder_names(self) -> tuple[str, ...]:
        return tuple(name for gateway in self.gateways.values() for name in gateway.folder_names)

    def _route(self, body: bytes) -> Gateway:
        try:
            root = etree.fromstring(body, hardened_parser())
        except (etree.XMLSyntaxError, ValueError):
            root = None
        first = next(iter(self.gateways.values()))
        if root is None:
            return first
        company_id = (root.findtext("operation/authentication/login/companyid") or "").strip()
        if company_id in self.gateways:
            return self.gateways[company_id]
        session_id = (root.findtext("operation/authentication/sessionid") or "").strip()
        for gateway in self.gateways.values():
            if session_id and gateway.has_session(session_id):
                return gateway
        return first

    def process(self, body: bytes, *, fail_deletes: bool = False) -> tuple[GatewayResponse, RequestSummary]:
        with self._lock:
            return self._route(body).process(body, fail_deletes=fail_deletes)

    def summarize(self, body: bytes) -> RequestSummary:
        with self._lock:
            return self._route(body).summarize(body)

    def handle(self, body: bytes, *, fail_deletes: bool = False) -> GatewayResponse:
        response, summary = self.process(body, fail_deletes=fail_deletes)
        self.log.append(summary.record(response.status, body))
        return response
