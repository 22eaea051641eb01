"""HTTP transport: one POST of request bytes, with bounded retries and a bounded total time.

Transient faults (connection errors, HTTP 5xx other than 524, HTTP 429 / ``GW-0010``, busy or off-line
errors inside an HTTP 200 body) are retried
with backoff while the total time allows; then the last reply is handed back (so an XML error body
can still be read) or a :class:`TransportError` says what failed. The total time bounds the whole
exchange, status line and headers included (``exchange_deadline``); the body is read as it arrives,
under a size cap (after decompression), and the header block under one of its own, so neither a
100 MB answer nor a byte-by-byte drip can hang a run. The one wait not bounded here is name
resolution: the system resolver's own timeout applies before urllib3's connect timeout starts.

A loopback endpoint (the simulator) is always reached directly, never through a proxy from the
environment: the request carries the passwords in the clear there.

``PEX_INTACCT_TIMEOUTS="connect,read,total"`` shortens the default timeouts for tests and CI only
(:meth:`Timeouts.from_environment`, in the light ``timeouts`` module); it is
deliberately not a command-line option.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
import urllib3.response

from .endpoint import is_loopback_host
from .errors import ProtocolError, TransportError
from .exchange_deadline import ExchangeDeadline, ExchangeSockets
from .reply_headers import MAX_HEADER_BYTES, ascii_number, header_block_bytes, retry_after_seconds
from .response import MAX_RESPONSE_BYTES
from .timeouts import Timeouts
from .transient import is_transient
from .transport_failures import (
    NOT_THE_COMPANY,
    describe_connection_error,
    failure_before_the_head,
    seconds_text,
    still_sending,
    timed_out,
)
from .wire import HttpReply

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 0.5
    backoff_factor: float = 2.0
    max_backoff_seconds: float = 8.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff_seconds, self.backoff_seconds * self.backoff_factor ** (attempt - 1)))


class HttpTransport:
    def __init__(
        self,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy = RetryPolicy(),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session or requests.Session()
        self.timeouts = timeouts if timeouts is not None else Timeouts.from_environment()
        # None: requests reads proxies and CA bundle from the environment at each request; given,
        # the environment is never read again (a read thread must not touch it).
        self._proxies: dict[str, str] | None = None
        self._verify: bool | str = True
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        self.requests_sent = 0
        self._sockets = ExchangeSockets()

    @classmethod
    def resolved(cls, timeouts: Timeouts, proxies: Mapping[str, str], ca_bundle: str | None) -> HttpTransport:
        """A transport whose proxies, CA bundle and timeouts were read once, up front, from the environment."""
        session = requests.Session()
        session.trust_env = False
        transport = cls(session, timeouts)
        transport._proxies = dict(proxies)
        transport._verify = ca_bundle or True
        return transport

    def close(self) -> None:
        self._session.close()

    def post(self, url: str, body: bytes, idempotent: bool = True) -> HttpReply:
        """POST ``body``; retry transient faults only for idempotent requests (never a write)."""
        with ExchangeDeadline(self.timeouts.total_seconds, self._sockets) as limit:
            return self._post(url, body, idempotent, self._clock() + self.timeouts.total_seconds, limit)

    def _post(self, url: str, body: bytes, idempotent: bool, deadline: float, limit: ExchangeDeadline) -> HttpReply:
        attempts = self.retry.attempts if idempotent else 1
        last_problem = "no attempt could start"
        made = 0
        for attempt in range(1, attempts + 1):
            if deadline - self._clock() <= 0:
                break
            made = attempt
            try:
                reply = self._attempt(url, body, deadline, limit, attempt)
            except TransportError as error:
                last_problem = error.message
                if not error.retryable:
                    raise
            else:
                if not is_transient(reply) or attempt == attempts:
                    return reply
                delay = reply.retry_after_seconds or self.retry.delay(attempt)
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
            f"no answer from Intacct at {host} after {made} attempt(s) within "
            f"{seconds_text(self.timeouts.total_seconds)}: {last_problem}. {NOT_THE_COMPANY}"
        )

    def _attempt(self, url: str, body: bytes, deadline: float, limit: ExchangeDeadline, attempt: int) -> HttpReply:
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
                proxies=_proxies_for(url) if self._proxies is None else self._proxies,
                verify=self._verify,
            )
        except requests.exceptions.RequestException as error:
            raise failure_before_the_head(host, timeout, error, limit.expired) from None
        with response:
            # Cut short by the deadline, an unfinished header block reads as a complete one.
            if limit.expired:
                raise failure_before_the_head(host, timeout, None, expired=True)
            size = header_block_bytes(response.headers.items())
            if size > MAX_HEADER_BYTES:
                raise TransportError(
                    f"{host} sent {size // 1024} KB of HTTP headers; refused (limit {MAX_HEADER_BYTES // 1024} KB). "
                    f"{NOT_THE_COMPANY}",
                    retryable=False,
                )
            content = self._read_body(response, host, deadline, limit)
            return HttpReply(
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
                body=content,
                attempts=attempt,
                retry_after_seconds=retry_after_seconds(response.headers.get("Retry-After")),
            )

    def _read_body(
        self, response: requests.Response, host: str | None, deadline: float, limit: ExchangeDeadline
    ) -> bytes:
        cap = f"{self.max_response_bytes // (1024 * 1024)} MB"
        declared = response.headers.get("Content-Length")
        length = None if declared is None else ascii_number(declared)
        if declared is not None and length is None:
            raise ProtocolError(
                f"{host} sent a Content-Length header that is not a number ({declared[:20]!r}), so its answer "
                f"cannot be read. {NOT_THE_COMPANY}"
            )
        if length is not None and length > self.max_response_bytes:
            raise TransportError(
                f"{host} announced a {length // (1024 * 1024)} MB response; refused unread "
                f"(limit {cap}). {NOT_THE_COMPANY}",
                retryable=False,
            )
        raw = response.raw
        pieces = _pieces(response)
        chunks: list[bytes] = []
        size = 0
        wait = self.timeouts.read_seconds
        try:
            while True:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise still_sending(host)
                # Each wait for bytes ends by the deadline, and a piece is whatever has arrived: a
                # body dripped byte by byte cannot keep a read going past the total time.
                wait = min(self.timeouts.read_seconds, remaining)
                _limit_socket_wait(raw, wait)
                chunk = next(pieces, b"")
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise TransportError(
                        f"{host} sent more than {cap}; refused and the connection closed. {NOT_THE_COMPANY}",
                        retryable=False,
                    )
                chunks.append(chunk)
        except (urllib3.exceptions.ReadTimeoutError, requests.exceptions.ConnectionError, TimeoutError) as error:
            if limit.expired or (timed_out(error) and wait < self.timeouts.read_seconds):
                raise still_sending(host) from None
            if not timed_out(error):
                raise TransportError(describe_connection_error(host, error)) from None
            raise TransportError(f"{host} stopped sending its answer for {seconds_text(wait)} (read timeout)") from None
        except (urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
            raise TransportError(
                f"{host} sent a body that could not be decompressed. {NOT_THE_COMPANY}", retryable=False
            ) from None
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError):
            if limit.expired:
                raise still_sending(host) from None
            # urllib3's ProtocolError (reset, IncompleteRead), requests' ChunkedEncodingError and
            # friends: the connection broke mid-answer.
            raise TransportError(
                f"the connection to {host} was reset or closed before the whole answer arrived"
            ) from None
        # A body that runs until the connection closes looks complete when the deadline closed it.
        if limit.expired:
            raise still_sending(host)
        return b"".join(chunks)


def _proxies_for(url: str) -> dict[str, Any] | None:
    """No proxy at all for a loopback endpoint; otherwise None, so the environment's proxies apply.

    The body carries both passwords. An ``http_proxy`` meant for the outside world would otherwise
    receive a loopback simulator's plain-http request, passwords and all, in cleartext. A proxy for
    ``https://*.intacct.com`` keeps working: requests tunnels HTTPS through CONNECT, end to end.
    requests merges the environment's (and the session's) proxies into these with ``setdefault``
    and then drops keys set to None, so a None under every key ``select_proxy`` consults wins.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not is_loopback_host(host):
        return None
    return dict.fromkeys((parts.scheme, f"{parts.scheme}://{host}", "all", f"all://{host}"))


def _pieces(response: requests.Response) -> Iterator[bytes]:
    """The (decoded) body in pieces of at most one chunk, each handed over as soon as it has arrived."""
    raw = response.raw
    if isinstance(raw, urllib3.response.HTTPResponse) and hasattr(raw, "read1"):
        return iter(lambda: bytes(raw.read1(_CHUNK, decode_content=True)), b"")
    # urllib3 1.x (no read1) or a stand-in response (vcrpy's replay): a piece is a whole chunk, so
    # the deadline is checked per chunk there.
    return response.iter_content(_CHUNK)


def _limit_socket_wait(raw: object, seconds: float) -> None:
    """Bound the next socket wait; without a reachable socket the per-request read timeout applies."""
    connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.settimeout(max(0.001, seconds))
