"""Faults in how an answer travels: late, dripped, dropped or reset connections."""

from __future__ import annotations

from dataclasses import dataclass

from .fault_wire import Fault, RealResponse, Wire, head_bytes, send_response


@dataclass(frozen=True)
class SlowBody(Fault):
    """The genuine response dripped ``chunk_size`` bytes at a time with ``pause`` seconds between."""

    pause: float = 0.5
    chunk_size: int = 64

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        wire.head(response.status, response.content_type, len(response.body))
        for start in range(0, len(response.body), self.chunk_size):
            if start:
                wire.pause(self.pause)
            wire.write(response.body[start : start + self.chunk_size])


@dataclass(frozen=True)
class SlowHeaders(Fault):
    """The genuine response with its status line and headers dripped ``chunk_size`` bytes at a time,
    ``pause`` seconds apart, then its body at once.

    Each piece comes well within a read timeout: only a limit on the whole exchange stops a client
    from waiting as long as the gateway cares to drip.
    """

    pause: float = 1.0
    chunk_size: int = 1

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        head = head_bytes(
            response.status, [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        )
        wire.log_once(response.status)
        for start in range(0, len(head), self.chunk_size):
            if start:
                wire.pause(self.pause)
            wire.write(head[start : start + self.chunk_size])
        wire.write(response.body)


@dataclass(frozen=True)
class Delay(Fault):
    """Nothing at all for ``seconds`` (the request is processed), then the genuine response."""

    seconds: float = 5.0

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        wire.pause(self.seconds)
        send_response(wire, response)


@dataclass(frozen=True)
class DropConnection(Fault):
    """The connection closes after the request is read, before any response byte."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        wire.drop()


@dataclass(frozen=True)
class ResetMidResponse(Fault):
    """Headers and half of the genuine body, then a TCP reset."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        wire.head(response.status, response.content_type, len(response.body))
        wire.write(response.body[: len(response.body) // 2])
        wire.reset()
