"""What a transport hands the client: one HTTP reply. Kept apart from ``transport`` so that a
replay, which answers from a recording, never imports the HTTP stack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class HttpReply:
    status: int
    content_type: str
    body: bytes = field(repr=False)
    attempts: int = 1
    retry_after_seconds: float | None = None


class Transport(Protocol):
    def post(self, url: str, body: bytes, idempotent: bool = True) -> HttpReply: ...

    def close(self) -> None: ...
