"""HTTP transport: one POST of request bytes, with bounded retries and a bounded total time.

Transient faults (connection errors, HTTP 5xx other than 524, HTTP 429 / ``GW-0010``, busy or off-line
errors inside an HTTP 200 body) are retried
with backoff while the total time allows; then the last reply is handed back (so an XML error body
can still be read) or a :class:`TransportError` says what failed. The body is read as it arrives,
under a size cap (after decompression) and the total deadline, so neither a 100 MB body nor a
byte-by-byte drip can hang a run. The one wait not bounded here is name resolution: the system
resolver's own timeout applies before urllib3's connect timeout starts.

A loopback endpoint (the simulator) is always reached directly, never through a proxy from the
environment: the request carries the passwords in the clear there.

``PEX_INTACCT_TIMEOUTS="connect,read,total"`` shortens the default timeouts for tests and CI only
(:meth:`Timeouts.from_environment`, in the light ``timeouts`` module); it is
deliberately not a command-line option.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
import urllib3.response

from .endpoint import is_loopback_host
from .errors import TransportError, mentions_busy
from .response import MAX_RESPONSE_BYTES
from .timeouts import Timeouts
from .wire import HttpReply

_CHUNK = 64 * 1024
NOT_THE_COMPANY = "This is a network or Intacct problem, not the company's setup; run again later"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 0.5
    backoff_factor: float = 2.0
    max_backoff_seconds: float = 8.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff_seconds, self.backoff_seconds * self.backoff_factor ** (attempt - 1)))


_ERROR_ELEMENT = re.compile(rb"<error>(.*?)</error>", re.DOTALL)
_RESPONSE_ELEMENT = re.compile(rb"<response[\s>]")
# Error blocks sit before any company data in a response (control and authentication levels) or in a
# failed result, which carries no data: the head of the body holds every one worth retrying.
_ERROR_SCAN_BYTES = 64 * 1024


def is_transient(reply: HttpReply) -> bool:
    if reply.status == 429 or (500 <= reply.status < 600 and reply.status != 524):
        return True
    head = reply.body[:_ERROR_SCAN_BYTES]
    # Intacct's rate limit answer is HTTP 429 with the control error GW-0010; look for the error
    # element itself, not the text anywhere (company data may contain it).
    if re.search(rb"<errorno>\s*GW-0010\s*</errorno>", head) is not None:
        return True
    # Busy or off-line inside an HTTP 200 body ("API rate limit exceeded", "The Service is Temporarily
    # Off-line", "Please Try Again Later"), at any level: only inside an <error> element of a response,
    # where company data cannot put it. What shape such a body has is [unconfirmed]: a body that is no
    # Intacct response at all (plain text, a proxy's page) counts by its words alone.
    if _RESPONSE_ELEMENT.search(head) is None:
        return mentions_busy(head.decode("utf-8", "replace"))
    return any(mentions_busy(block.decode("utf-8", "replace")) for block in _ERROR_ELEMENT.findall(head))


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
        last_problem = "no attempt could start"
        made = 0
        for attempt in range(1, attempts + 1):
            if deadline - self._clock() <= 0:
                break
            made = attempt
            try:
                reply = self._attempt(url, body, deadline, attempt)
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
            f"{_seconds(self.timeouts.total_seconds)}: {last_problem}. {NOT_THE_COMPANY}"
        )

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
                proxies=_proxies_for(url),
            )
        except requests.exceptions.ConnectTimeout:
            raise TransportError(f"connecting to {host} timed out after {_seconds(timeout[0])}") from None
        except requests.exceptions.ReadTimeout:
            raise TransportError(
                f"{host} accepted the connection but sent no answer within {_seconds(timeout[1])}"
            ) from None
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
        limit = f"{self.max_response_bytes // (1024 * 1024)} MB"
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise TransportError(
                f"{host} announced a {int(declared) // (1024 * 1024)} MB response; refused unread "
                f"(limit {limit}). {NOT_THE_COMPANY}",
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
                    raise TransportError(f"{host} was still sending its answer when the time limit ran out")
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
                        f"{host} sent more than {limit}; refused and the connection closed. {NOT_THE_COMPANY}",
                        retryable=False,
                    )
                chunks.append(chunk)
        except (urllib3.exceptions.ReadTimeoutError, requests.exceptions.ConnectionError, TimeoutError) as error:
            if not _timed_out(error):
                raise TransportError(_describe_connection_error(host, error)) from None
            if wait < self.timeouts.read_seconds:
                raise TransportError(f"{host} was still sending its answer when the time limit ran out") from None
            raise TransportError(f"{host} stopped sending its answer for {_seconds(wait)} (read timeout)") from None
        except (urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
            raise TransportError(
                f"{host} sent a body that could not be decompressed. {NOT_THE_COMPANY}", retryable=False
            ) from None
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError):
            # urllib3's ProtocolError (reset, IncompleteRead), requests' ChunkedEncodingError and
            # friends: the connection broke mid-answer.
            raise TransportError(
                f"the connection to {host} was reset or closed before the whole answer arrived"
            ) from None
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


def _timed_out(error: Exception) -> bool:
    return isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)) or "timed out" in str(error)


def _limit_socket_wait(raw: object, seconds: float) -> None:
    """Bound the next socket wait; without a reachable socket the per-request read timeout applies."""
    connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.settimeout(max(0.001, seconds))


def _seconds(value: float) -> str:
    return f"{value:.3g} s"


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
        return f"connection to {host} refused: check that the endpoint is right and reachable"
    if "Read timed out" in text or "timed out" in text:
        return f"{host} did not answer in time"
    if "reset" in text.lower() or "RemoteDisconnected" in text or "aborted" in text.lower():
        return f"{host} closed or reset the connection before a complete answer"
    return f"could not reach {host}: connection error"
