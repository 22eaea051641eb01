"""The Intacct XML client: envelope → transport → hardened parse, behind a read-only guard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .endpoint import validate_endpoint
from .envelope import LoginCredentials, SenderCredentials, build_request, serialize
from .errors import ProtocolError, ReadOnlyViolation, TransportError
from .functions import IntacctFunction, is_write_function
from .response import Response, parse_response
from .wire import HttpReply, Transport


@dataclass(frozen=True)
class Exchange:
    """What one request did: useful to count round trips and to explain failures."""

    function_names: tuple[str, ...]
    http_status: int
    attempts: int


_UNUSABLE = (
    "Intacct (or something between here and Intacct) sent an unusable answer: not the company's setup; "
    "run again later, and report it if it persists"
)


def _unusable(error: ProtocolError) -> ProtocolError:
    """The parser's finding, one line, with who is at fault and what to do."""
    text = " ".join(error.message.split())
    return ProtocolError(f"{text}. {_UNUSABLE}", error.errors)


class IntacctClient:
    """Sends batches of functions in one request each; knows nothing of pytest."""

    def __init__(
        self,
        endpoint: str,
        sender: SenderCredentials,
        transport: Transport | None = None,
    ) -> None:
        self.endpoint = validate_endpoint(endpoint)
        self._sender = sender
        if transport is None:
            # requests loads only for live traffic: a replay brings its own transport.
            from .transport import HttpTransport

            transport = HttpTransport()
        self.transport = transport
        self.exchanges: list[Exchange] = []

    def __repr__(self) -> str:
        return f"IntacctClient(endpoint={self.endpoint!r}, sender_id={self._sender.sender_id!r})"

    def close(self) -> None:
        self.transport.close()

    def send(
        self,
        login: LoginCredentials,
        functions: Sequence[IntacctFunction],
        *,
        allow_writes: bool = False,
        repeatable_writes: bool = False,
    ) -> Response:
        """One HTTP request carrying every function; returns the parsed response at any status level.

        Raises :class:`TransportError` or :class:`ProtocolError` when no usable Intacct answer came
        back; control, authentication and result failures are data in the returned response.
        A request with writes is sent once, unless the caller says repeating it is harmless
        (``repeatable_writes``: deletes by key, where a repeat only fails to find the record).
        """
        declared = [function.name for function in functions]
        self._guard(declared, allow_writes)
        request = build_request(self._sender, login, functions)
        # Judge again what will actually be sent, not only what the function objects say they are.
        sent = [str(call.tag) for call in request.iterfind("operation/content/function/*")]
        self._guard(sent, allow_writes)
        writes = [name for name in sent if is_write_function(name)]
        body = serialize(request)
        reply = self.transport.post(self.endpoint, body, idempotent=not writes or repeatable_writes)
        self.exchanges.append(Exchange(tuple(function.name for function in functions), reply.status, reply.attempts))
        # An answer that echoes a password (in an error text, or any field) never carries it further.
        response = self._interpret(reply, (self._sender.password, login.password))
        self._check_correlation(response, functions)
        return response

    @staticmethod
    def _guard(names: Sequence[str], allow_writes: bool) -> None:
        writes = [name for name in names if is_write_function(name)]
        if writes and not allow_writes:
            raise ReadOnlyViolation(
                f"refused to send {', '.join(writes)}: the checks are read-only; only the attachment "
                "numbering probe writes, and only with --intacct-write-probe"
            )

    @staticmethod
    def _interpret(reply: HttpReply, secrets: tuple[str, ...] = ()) -> Response:
        head = reply.body[:512].lstrip().lower()
        looks_xml = head.startswith(b"<?xml") or head.startswith(b"<response")
        # Intacct sends XML error bodies with some HTTP errors (401 XMLGW_JPP0002, 429 GW-0010):
        # read the body before judging the status (docs/intacct-api.md §9).
        if looks_xml:
            try:
                return parse_response(reply.body, reply.status, secrets)
            except ProtocolError as error:
                if reply.status >= 400:
                    raise TransportError(
                        f"Intacct answered HTTP {reply.status} with an unreadable body after "
                        f"{reply.attempts} attempt(s); this is not the company's setup, run again later"
                    ) from None
                raise _unusable(error) from None
        if reply.status >= 400:
            raise TransportError(
                f"Intacct answered HTTP {reply.status} without an XML body after {reply.attempts} "
                "attempt(s); this is an Intacct or network problem, not the company's setup; run again later"
            )
        if "html" in reply.content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
            raise ProtocolError(
                f"Intacct answered with an HTML page (HTTP {reply.status}) instead of XML; the gateway "
                "may be under maintenance or a proxy intercepted the request: not the company's setup; "
                "run again later"
            )
        try:
            return parse_response(reply.body, reply.status, secrets)
        except ProtocolError as error:
            raise _unusable(error) from None

    @staticmethod
    def _check_correlation(response: Response, functions: Sequence[IntacctFunction]) -> None:
        if not response.authenticated:
            return
        sent = [function.control_id for function in functions]
        received = [result.control_id for result in response.results]
        if sorted(sent) != sorted(received):
            # The control ids come from the response: shown capped, as repr (one line, whatever they hold).
            shown = ", ".join(repr(control_id[:40]) for control_id in received[: len(sent) + 2])
            more = f" and {len(received) - len(sent) - 2} more" if len(received) > len(sent) + 2 else ""
            raise ProtocolError(
                f"Intacct's results do not answer the request: sent functions {sent}, got results for "
                f"[{shown}]{more}. {_UNUSABLE}"
            )
