"""Intacct's XML gateway (dtdversion 3.0) as pure logic: request bytes in, HTTP status and body out.

Levels and texts follow docs/intacct-api.md (§2, §7, §8) and the real-format samples under
tests/data: a request is checked for well-formedness and schema, then the control block (sender
credentials), then each operation's authentication, then each function independently. Texts
marked "unconfirmed" are this simulator's choice where no public real response was found.

This module runs those levels in order and dispatches each function to its handler; the checks,
the handlers and the response shapes live in the modules imported below.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from lxml import etree

from ..intacct.hardened_xml import hardened_parser
from . import reads, writes
from .authentication import Authenticator
from .company_state import Attachment, CallContext, Clock, CompanyState, Identity, system_clock
from .control import Control, control_block, control_failure
from .failures import AuthenticationFailed, FunctionFailed, RequestRejected, ResponseReplaced, unsupported
from .request_log import RequestLog, RequestSummary, summarize_request
from .request_parsing import function_calls, load_schema, parse_request
from .responses import (
    FunctionOutcome,
    GatewayError,
    GatewayResponse,
    authentication_failure,
    authentication_success,
    function_result,
    serialize,
)
from .scenario import Scenario

DEFAULT_ENDPOINT = "http://127.0.0.1/ia/xml/xmlgw.phtml"

FunctionHandler = Callable[[CallContext, etree._Element], list[etree._Element]]

FUNCTION_HANDLERS: Mapping[str, FunctionHandler] = {
    "getAPISession": reads.get_api_session,
    "readByName": reads.read_by_name,
    "readByQuery": reads.read_by_query,
    "query": reads.query,
    "getDimensions": reads.get_dimensions,
    "get_list": reads.get_list,
    "create_supdocfolder": writes.create_supdocfolder,
    "create_supdoc": writes.create_supdoc,
    "delete_supdoc": writes.delete_supdoc,
    "delete_supdocfolder": writes.delete_supdocfolder,
}


class Gateway:
    """One simulated company behind Intacct's XML gateway. Thread-safe."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        schema: etree.XMLSchema | str | os.PathLike[str] | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        support_ids: bool = True,
        fail_deletes: bool = False,
        session_duration: timedelta = timedelta(hours=6),
        clock: Clock = system_clock,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.schema = schema if isinstance(schema, etree.XMLSchema) or schema is None else load_schema(schema)
        self.endpoint = endpoint
        self.support_ids = support_ids
        self.fail_deletes = fail_deletes
        self.session_duration = session_duration
        self.log = RequestLog()
        self._lock = threading.RLock()
        self._state = CompanyState.initial(scenario, clock().date())

    # -- observable company state (for tests asserting that probes clean up after themselves)

    @property
    def folder_names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._state.folders)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        with self._lock:
            return tuple(self._state.attachments.values())

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._state.sessions)

    def has_session(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._state.sessions

    # -- entry points

    def handle(self, body: bytes, *, fail_deletes: bool = False) -> GatewayResponse:
        """Process one request and log it (for use without the HTTP server)."""
        response, summary = self.process(body, fail_deletes=fail_deletes)
        self.log.append(summary.record(response.status, body))
        return response

    def process(self, body: bytes, *, fail_deletes: bool = False) -> tuple[GatewayResponse, RequestSummary]:
        """The response to one request and who sent it; the caller logs it with the status it sends."""
        with self._lock:
            root: etree._Element | None = None
            try:
                root = parse_request(body, self.schema)
                summary = summarize_request(root, self._state.sessions)
                return self._respond(root, fail_deletes or self.fail_deletes), summary
            except RequestRejected as rejected:
                control = Control.read(root)
                response = GatewayResponse(200, control_failure(rejected.errors, control))
                return response, summarize_request(root, self._state.sessions)

    def summarize(self, body: bytes) -> RequestSummary:
        """Who sent a request that will not be processed (e.g. a fault answers it)."""
        try:
            root = etree.fromstring(body, hardened_parser())
        except (etree.XMLSyntaxError, ValueError):
            return RequestSummary()
        with self._lock:
            return summarize_request(root, self._state.sessions)

    # -- level 2: control

    def _respond(self, root: etree._Element, fail_deletes: bool) -> GatewayResponse:
        control = Control.read(root)
        authenticator = Authenticator(self.scenario, support_ids=self.support_ids)
        authenticator.check_sender(control)
        response = etree.Element("response")
        response.append(control_block("success", control))
        try:
            for operation in root.iterfind("operation"):
                response.append(self._operation(operation, control, authenticator, fail_deletes))
        except ResponseReplaced as replaced:
            return replaced.response
        return GatewayResponse(200, serialize(response, pretty=control.pretty))

    # -- level 3: authentication

    def _operation(
        self, operation: etree._Element, control: Control, authenticator: Authenticator, fail_deletes: bool
    ) -> etree._Element:
        block = etree.Element("operation")
        try:
            identity = authenticator.authenticate(
                operation.find("authentication"), control.sender_id, self._state.sessions
            )
        except AuthenticationFailed as failed:
            block.extend(authentication_failure(failed.user_id, failed.company_id, failed.error))
            return block
        now = self.clock()
        block.append(
            authentication_success(
                identity.user.login_id,
                identity.company_id,
                identity.location_id,
                timestamp=now.isoformat(timespec="seconds"),
                timeout=(now + self.session_duration).isoformat(timespec="seconds"),
            )
        )
        transaction = operation.get("transaction", "false") == "true"
        block.extend(self._run(list(function_calls(operation)), identity, transaction, fail_deletes))
        return block

    # -- level 4: functions

    def _run(
        self,
        calls: Sequence[tuple[str, str, etree._Element]],
        identity: Identity,
        transaction: bool,
        fail_deletes: bool,
    ) -> list[etree._Element]:
        before = self._state.copy() if transaction else None
        outcomes = [
            (name, control_id, self._call(name, function, identity, fail_deletes))
            for name, control_id, function in calls
        ]
        rolled_back = before is not None and any(isinstance(outcome, GatewayError) for _, _, outcome in outcomes)
        if before is not None and rolled_back:
            self._state = before
        return [function_result(name, control_id, outcome, rolled_back) for name, control_id, outcome in outcomes]

    def _call(self, name: str, function: etree._Element, identity: Identity, fail_deletes: bool) -> FunctionOutcome:
        context = CallContext(self.scenario, self._state, identity, self.endpoint, fail_deletes, self.clock().date())
        try:
            handler = FUNCTION_HANDLERS.get(name)
            if handler is None:
                raise FunctionFailed(unsupported(f"Function {name or '(empty)'}"))
            return handler(context, next(function.iterchildren(tag=etree.Element)))
        except FunctionFailed as failed:
            return failed.error
