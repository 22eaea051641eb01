"""Every request the simulator received: who sent it, what it asked for, which of that were writes."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from .company_state import Identity
from .request_parsing import function_calls

AuthKind = Literal["login", "session", "none"]
READ_PREFIXES = ("read", "get")
READ_FUNCTIONS = frozenset({"query", "lookup", "inspect"})


def is_write(function: str) -> bool:
    """Whatever is not known to read is logged as a write, so "no write reached Intacct" means exactly that."""
    lowered = function.lower()
    return not (lowered in READ_FUNCTIONS or lowered.startswith(READ_PREFIXES))


@dataclass(frozen=True)
class RequestSummary:
    """Who sent a request and what it asked for, as far as it could be read."""

    auth_kind: AuthKind = "none"
    sender_id: str | None = None
    user_id: str | None = None
    company_id: str | None = None
    functions: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[str, ...]:
        return tuple(name for name in self.functions if is_write(name))

    def record(self, http_status: int | None, raw: bytes) -> RequestRecord:
        return RequestRecord(
            auth_kind=self.auth_kind,
            sender_id=self.sender_id,
            user_id=self.user_id,
            company_id=self.company_id,
            functions=self.functions,
            writes=self.writes,
            http_status=http_status,
            raw=raw,
        )


def summarize_request(root: etree._Element | None, sessions: Mapping[str, Identity]) -> RequestSummary:
    """The summary of a parsed request; a session id names its user only while the session is known."""
    if root is None:
        return RequestSummary()
    auth = root.find("operation/authentication")
    login = auth.find("login") if auth is not None else None
    session_id = auth.findtext("sessionid") if auth is not None else None
    kind: AuthKind = "none"
    user_id = company_id = None
    if login is not None:
        kind = "login"
        user_id, company_id = login.findtext("userid"), login.findtext("companyid")
    elif session_id is not None:
        kind = "session"
        identity = sessions.get(session_id.strip())
        if identity is not None:
            user_id, company_id = identity.user.login_id, identity.company_id
    return RequestSummary(
        auth_kind=kind,
        sender_id=root.findtext("control/senderid"),
        user_id=user_id,
        company_id=company_id,
        functions=tuple(name for operation in root.iterfind("operation") for name, _, _ in function_calls(operation)),
    )


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator received it; ``http_status`` is None when no response was sent."""

    auth_kind: AuthKind
    sender_id: str | None
    user_id: str | None
    company_id: str | None
    functions: tuple[str, ...]
    writes: tuple[str, ...]
    http_status: int | None
    # Carries passwords: kept for schema assertions, never shown in a repr or a pytest diff.
    raw: bytes = dataclasses.field(repr=False, compare=False)


class RequestLog:
    """Thread-safe, append-only (until cleared) list of every request received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def records(self) -> tuple[RequestRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records)
