"""HTTP transport: one POST of request bytes, with bounded retries and a bounded total time.

Transient faults (connection errors, HTTP 5xx other than 524, HTTP 429 / ``GW-0010``) are retried
with backoff while the total time allows; then the last reply is handed back (so an XML error body
can still be read) or a :class:`TransportError` says what failed. The body is read in chunks under
a size cap and a deadline, so neither a 100 MB body nor a byte-by-byte drip can hang a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from .errors import TransportError
from .response import MAX_RESPONSE_BYTES

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 0.5
    backoff_factor: float = 2.0
    max_backoff_seconds: float = 8.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff_seconds, self.backoff_seconds * self.backoff_factor ** (attempt - 1)))


@dataclass(frozen=True)
class Timeouts:
    connect_seconds: float = 10.0
    read_seconds: float = 60.0
    total_seconds: float = 180.0


@dataclass(frozen=True)
class HttpReply:
    status: int
    content_type: str
    body: bytes = field(repr=False)
    attempts: int = 1
    retry_after_seconds: float | None = None


def is_transient(reply: HttpReply) -> bool:
    if reply.status == 429 or (500 <= reply.status < 600 and reply.status != 524):
        return True
    # Intacct's rate limit answer: HTTP 429 with control error GW-0010, seen with other statuses too.
    return b"GW-0010" in reply.body[:4096]


class HttpTransport:
    def __init__(
        self,
        session: requests.Session | None = None,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session or requests.Session()
        self.timeouts = timeouts
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        self.requests_sent = 0

    def close(self) -> None:
        self._session.close()

    def post(self, url: str, body: bytes, idempotent: bool = True) -> HttpReply:
        """POST ``body``; retry transient faults only for idempotent requests (never a write)."""
        deadline = self._clock() + self.timeouts.total_seconds
        attempts = self.retry.attempts if idempotent else 1
        last_problem = ""
        for attempt in range(1, attempts + 1):
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            try:
                reply = self._attempt(url, body, deadline, attempt)
            except TransportError as error:
                last_problem = error.message
                if not error.retryable:
                    raise
            else:
                if not is_transient(reply) or attempt == attempts:
                    return reply
                delay = self._retry_after(reply) or self.retry.delay(attempt)
                if deadline - self._clock() <= delay:
                    return reply
                self._sleep(delay)
                continue
            if attempt < attempts:
                delay = self.retry.delay(attempt)
                if deadline - self._clock() <= delay:
                    break
                self._sleep(delay)
        host = urlsplit(url).hostname
        raise TransportError(
            f"no answer from Intacct at {host} after {attempt} attempt(s) within "
            f"{self.timeouts.total_seconds:g} s: {last_problem}. This is a network or Intacct problem, "
            "not the company's setup; run again later"
        )

    @staticmethod
    def _retry_after(reply: HttpReply) -> float | None:
        return reply.retry_after_seconds

    def _attempt(self, url: str, body: bytes, deadline: float, attempt: int) -> HttpReply:
        host = urlsplit(url).hostname
        remaining = max(0.001, deadline - self._clock())
        timeout = (min(self.timeouts.connect_seconds, remaining), min(self.timeouts.read_seconds, remaining))
        self.requests_sent += 1
        try:
            response = self._session.post(
                url,
                data=body,
                headers={"Content-Type": "application/xml; charset=UTF-8", "Accept": "application/xml"},
                timeout=timeout,
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            raise TransportError(f"connecting to {host} timed out after {timeout[0]:g} s") from None
        except requests.exceptions.ReadTimeout:
            raise TransportError(f"{host} accepted the connection but sent no answer within {timeout[1]:g} s") from None
        except requests.exceptions.ConnectionError as error:
            raise TransportError(_describe_connection_error(host, error)) from None
        except requests.exceptions.RequestException as error:
            raise TransportError(f"HTTP request to {host} failed: {type(error).__name__}") from None
        with response:
            content = self._read_body(response, host, deadline)
            return HttpReply(
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
                body=content,
                attempts=attempt,
                retry_after_seconds=_parse_retry_after(response.headers.get("Retry-After")),
            )

    def _read_body(self, response: requests.Response, host: str | None, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise TransportError(
                f"{host} announced a {int(declared) // (1024 * 1024)} MB response; refused unread "
                f"(limit {self.max_response_bytes // (1024 * 1024)} MB)",
                retryable=False,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise TransportError(
                        f"{host} sent more than {self.max_response_bytes // (1024 * 1024)} MB; "
                        "refused and the connection closed",
                        retryable=False,
                    )
                if self._clock() > deadline:
                    raise TransportError(f"{host} was still sending its answer when the time limit ran out")
                chunks.append(chunk)
        except requests.exceptions.ConnectionError as error:
            raise TransportError(_describe_connection_error(host, error)) from None
        except requests.exceptions.RequestException as error:
            # ChunkedEncodingError and friends: the connection broke mid-answer.
            raise TransportError(
                f"the connection to {host} broke while reading the answer ({type(error).__name__})"
            ) from None
        return b"".join(chunks)


def _parse_retry_after(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date from a gateway is rare enough to fall back to backoff.
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _describe_connection_error(host: str | None, error: Exception) -> str:
    text = str(error)
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return f"could not resolve the endpoint host {host} (DNS); check --intacct-endpoint and the network"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return f"connection to {host} refused; is the endpoint right and reachable?"
    if "Read timed out" in text or "timed out" in text:
        return f"{host} did not answer in time"
    if "reset" in text.lower() or "RemoteDisconnected" in text or "aborted" in text.lower():
        return f"{host} closed or reset the connection before a complete answer"
    return f"could not reach {host}: connection error"
