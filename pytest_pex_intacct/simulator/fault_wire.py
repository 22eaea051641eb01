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
from typing import Protocol

from .responses import GatewayResponse

TEXT_CONTENT_TYPE = "text/plain; charset=UTF-8"


class Wire(Protocol):
    """The server side of one HTTP exchange."""

    def pause(self, seconds: float) -> None:
        """Sleep, unless the server is closing (then the exchange is abandoned)."""

    def head(self, status: int, content_type: str | None, length: int | None) -> None:
        """Status line and headers; ``length`` None means the body ends when the connection closes."""

    def write(self, data: bytes) -> None: ...

    def drop(self) -> None:
        """Close the connection gracefully (FIN) without sending anything more."""

    def reset(self) -> None:
        """Abort the connection (RST)."""


class RealResponse(Protocol):
    """Processes the request through the gateway (once) and returns its genuine response."""

    def __call__(self, *, fail_deletes: bool = False) -> GatewayResponse: ...


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
