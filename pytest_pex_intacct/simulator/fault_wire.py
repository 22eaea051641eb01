"""How a fault speaks: the server side of one HTTP exchange (:class:`Wire`), the genuine response it
may ask for, and the :class:`Fault` base class.

Each fault decides what goes on the wire for one request through this small interface, so the HTTP
server stays generic. A fault that calls ``real()`` lets the gateway process the request (state
changes happen, as when a CDN cuts a response the backend still completes); one that does not leaves
the company untouched. The faults themselves: ``faults`` (what the answer says) and
``connection_faults`` (how it travels).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from http import HTTPStatus
from typing import Protocol

from .responses import GatewayResponse

TEXT_CONTENT_TYPE = "text/plain; charset=UTF-8"
_CDN_PHRASES = {524: "A Timeout Occurred"}


class Wire(Protocol):
    """The server side of one HTTP exchange."""

    def pause(self, seconds: float) -> None:
        """Sleep, unless the server is closing (then the exchange is abandoned)."""

    def head(self, status: int, content_type: str | None, length: int | None) -> None:
        """Status line and headers; ``length`` None means the body ends when the connection closes."""

    def write(self, data: bytes) -> None: ...

    def log_once(self, status: int | None) -> None:
        """Log the request as answered with ``status`` (None: no answer), once. :meth:`head` does it
        itself; a fault that writes its own status line and headers calls it before the first byte."""

    def drop(self) -> None:
        """Close the connection gracefully (FIN) without sending anything more."""

    def reset(self) -> None:
        """Abort the connection (RST)."""


class RealResponse(Protocol):
    """Processes the request through the gateway (once) and returns its genuine response."""

    def __call__(self, *, fail_deletes: bool = False) -> GatewayResponse: ...


def reason_phrase(status: int) -> str:
    """The status's reason phrase; the CDN's 524 is in no registry, so its phrase is given here."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _CDN_PHRASES.get(status, "Error")


def head_bytes(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    """A status line and header block, for a fault that writes them itself (to drip them, or to bloat them)."""
    lines = [f"HTTP/1.1 {status} {reason_phrase(status)}", *(f"{name}: {value}" for name, value in headers)]
    return "".join(f"{line}\r\n" for line in lines).encode("latin-1") + b"\r\n"


def send(wire: Wire, status: int, content_type: str | None, body: bytes) -> None:
    wire.head(status, content_type, len(body))
    wire.write(body)


def send_response(wire: Wire, response: GatewayResponse) -> None:
    send(wire, response.status, response.content_type, response.body)


class Fault(ABC):
    @abstractmethod
    def deliver(self, wire: Wire, real: RealResponse) -> None: ...


class NoFault(Fault):
    def deliver(self, wire: Wire, real: RealResponse) -> None:
        send_response(wire, real())
