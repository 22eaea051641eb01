"""The network layer against every fault: HttpTransport and IntacctClient talking to the loopback simulator.

Each test proves three things: the right error class (or the documented response), a bounded wall
time derived from the configured Timeouts/RetryPolicy ("never hangs", not a benchmark), and a one-line
message that says who is at fault and what to do. Only loopback addresses are used; the DNS test
answers ``.invalid`` names locally, so no query ever leaves the machine.
"""

from __future__ import annotations

import gzip
import io
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import urllib3
from lxml import etree
from lxml.builder import E

from conftest import SENDER_PASSWORD, SHORT_TIMEOUTS, UNRESOLVABLE_HOST, USER_PASSWORD, requests_logged
from pytest_pex_intacct.intacct.client import IntacctClient
from pytest_pex_intacct.intacct.envelope import LoginCredentials, SenderCredentials
from pytest_pex_intacct.intacct.errors import (
    ConfigurationError,
    IntacctError,
    ProtocolError,
    TransportError,
    describe_errors,
    is_busy,
)
from pytest_pex_intacct.intacct.functions import CreateSupdoc, IntacctFunction, Query, ReadByName
from pytest_pex_intacct.intacct.response import MAX_RESPONSE_BYTES, Response
from pytest_pex_intacct.intacct.timeouts import TIMEOUTS_ENVIRONMENT_VARIABLE, Timeouts
from pytest_pex_intacct.intacct.transport import HttpTransport, RetryPolicy, is_transient
from pytest_pex_intacct.intacct.wire import HttpReply
from pytest_pex_intacct.simulator import SimulatorServer, connection_faults, fault_wire, faults
from pytest_pex_intacct.simulator.responses import status_only_failure

RETRY = RetryPolicy(backoff_seconds=0.01)
SENDER = SenderCredentials("PEX MPP", SENDER_PASSWORD)
LOGIN = LoginCredentials("pex_connector", "ACME", USER_PASSWORD)
READS: list[IntacctFunction] = [
    ReadByName("user", "USERINFO", ("pex_connector",)),
    Query("gl", "GLACCOUNT", ("RECORDNO", "NORMALBALANCE"), (("TITLE", "PEX GL Account"),), case_insensitive=True),
]
WRITE: list[IntacctFunction] = [CreateSupdoc("probe-create-attachment", "PEX acceptance probe test", "PEX probe")]
MB = 1024 * 1024
T = TypeVar("T")


def never_hangs_bound(timeouts: Timeouts = SHORT_TIMEOUTS, retry: RetryPolicy = RETRY) -> float:
    """The longest a call may take: the total budget, one more connect and read wait, every backoff, slack."""
    backoff = sum(retry.delay(attempt) for attempt in range(1, retry.attempts + 1))
    return timeouts.total_seconds + timeouts.connect_seconds + timeouts.read_seconds + backoff + 1.5


def client_for(url: str, **transport: Any) -> IntacctClient:
    transport.setdefault("timeouts", SHORT_TIMEOUTS)
    transport.setdefault("retry", RETRY)
    return IntacctClient(url, SENDER, HttpTransport(**transport))


def attempt(
    client: IntacctClient, functions: Sequence[IntacctFunction] = READS, *, allow_writes: bool = False
) -> tuple[Response | IntacctError, float]:
    """Send once; return the response or the Intacct error, and the wall time it took."""
    started = time.monotonic()
    try:
        outcome: Response | IntacctError = client.send(LOGIN, functions, allow_writes=allow_writes)
    except IntacctError as error:
        outcome = error
    return outcome, time.monotonic() - started


def fails_with(
    kind: type[IntacctError], client: IntacctClient, *needles: str, bound: float | None = None, **kwargs: Any
) -> IntacctError:
    outcome, elapsed = attempt(client, **kwargs)
    assert isinstance(outcome, kind), outcome
    assert elapsed < (bound if bound is not None else never_hangs_bound()), f"took {elapsed:.1f} s"
    assert_explains(outcome)
    for needle in needles:
        assert needle in outcome.message, outcome.message
    return outcome


def finished_within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``'s result; run in a thread, so that a call that never ends fails the test instead of hanging it.

    A call left running ends when the test's simulator closes (which aborts its connections).
    """
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(call())
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds:.1f} s: nothing bounds the exchange")
    if errors:
        raise errors[0]
    return results[0]


def assert_explains(error: IntacctError) -> None:
    """One line, says it is not the customer's setup (who is at fault) and what to do."""
    message = str(error)
    assert message == error.message and "\n" not in message and "\r" not in message, message
    assert "not the company's setup" in message, message
    assert "run again later" in message, message
    assert repr(error) == f"{type(error).__name__}({message!r})"


@pytest.fixture
def gateway(simulator: Callable[..., SimulatorServer]) -> SimulatorServer:
    return simulator("ready")


# --- connections that never carry an answer ---------------------------------------------------------


def test_connection_refused_is_retried_then_a_transport_error(simulator: Callable[..., SimulatorServer]) -> None:
    server = simulator("ready")
    server.close()
    client = client_for(server.url)
    fails_with(TransportError, client, "connection to 127.0.0.1 refused", f"after {RETRY.attempts} attempt(s)")
    assert client.transport.requests_sent == RETRY.attempts


def test_dns_failure_names_the_host(local_dns: list[str]) -> None:
    client = client_for(f"https://{UNRESOLVABLE_HOST}/ia/xml/xmlgw.phtml")
    error = fails_with(TransportError, client, f"could not resolve the endpoint host {UNRESOLVABLE_HOST} (DNS)")
    assert "--intacct-endpoint" in error.message
    assert local_dns and set(local_dns) == {UNRESOLVABLE_HOST}


def test_connect_timeout_on_a_full_loopback_backlog(full_backlog_port: int) -> None:
    client = client_for(f"http://127.0.0.1:{full_backlog_port}/ia/xml/xmlgw.phtml")
    error = fails_with(TransportError, client, "connecting to 127.0.0.1 timed out")
    assert "within 3 s" in error.message


class _Stub(requests.adapters.HTTPAdapter):
    """A requests adapter answering from a callable: no socket at all."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], urllib3.HTTPResponse]) -> None:
        super().__init__()
        self.answer = answer
        self.calls = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.calls += 1
        return self.build_response(request, self.answer(request))


def stub_client(answer: Callable[[requests.PreparedRequest], urllib3.HTTPResponse], **transport: Any) -> IntacctClient:
    session = requests.Session()
    session.mount("https://", _Stub(answer))
    return client_for("https://api.intacct.com/ia/xml/xmlgw.phtml", session=session, **transport)


def stub_calls(client: IntacctClient) -> int:
    adapter = client.transport._session.get_adapter("https://api.intacct.com/")
    assert isinstance(adapter, _Stub)
    return adapter.calls


def canned(status: int, body: bytes, headers: dict[str, str] | None = None) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(
        body=io.BytesIO(body), headers=headers or {}, status=status, preload_content=False, decode_content=False
    )


def test_connect_timeout_mapping_with_an_adapter_stub() -> None:
    def refuse(request: requests.PreparedRequest) -> urllib3.HTTPResponse:
        raise requests.exceptions.ConnectTimeout("stub: connect timed out")

    client = stub_client(refuse)
    fails_with(TransportError, client, "connecting to api.intacct.com timed out after 1 s")
    assert stub_calls(client) == RETRY.attempts


# --- answers that stop coming ---------------------------------------------------------------------


def test_read_timeout_is_retried_within_the_total_time(gateway: SimulatorServer) -> None:
    gateway.inject(connection_faults.Delay(seconds=SHORT_TIMEOUTS.read_seconds + 1), times=None)
    client = client_for(gateway.url)
    fails_with(TransportError, client, "accepted the connection but sent no answer within")
    assert 2 <= client.transport.requests_sent <= RETRY.attempts
    assert requests_logged(gateway, client.transport.requests_sent) == client.transport.requests_sent


def test_slow_body_is_cut_at_the_total_deadline(gateway: SimulatorServer) -> None:
    # Each 64-byte piece arrives well within the read timeout; only the total deadline can stop it.
    gateway.inject(connection_faults.SlowBody(pause=SHORT_TIMEOUTS.read_seconds / 2, chunk_size=64), times=None)
    fails_with(
        TransportError,
        client_for(gateway.url),
        "was still sending its answer when the time limit ran out",
        bound=SHORT_TIMEOUTS.total_seconds + 1,
    )
    assert gateway.log.count == 1


def test_status_line_and_headers_dripped_a_byte_a_second_end_at_the_total_deadline(
    gateway: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 18: each byte comes well within the read timeout, so only a limit on the whole exchange
    # (connect, send, status line, headers, body) can end it; unbounded, it would take minutes.
    monkeypatch.setenv(TIMEOUTS_ENVIRONMENT_VARIABLE, "1,2,5")
    timeouts = Timeouts.from_environment()
    gateway.inject(connection_faults.SlowHeaders(pause=1.0, chunk_size=1), times=None)
    client = IntacctClient(gateway.url, SENDER, HttpTransport(retry=RETRY))
    outcome, _ = finished_within(never_hangs_bound(timeouts), lambda: attempt(client))
    assert isinstance(outcome, TransportError), outcome
    assert_explains(outcome)
    assert "the time limit ran out before 127.0.0.1 had sent its status line and headers" in outcome.message
    assert "after 1 attempt(s) within 5 s" in outcome.message
    assert gateway.log.count == 1


def test_a_kept_alive_connection_dripping_its_head_is_cut_as_well(gateway: SimulatorServer) -> None:
    # The second request goes over the connection the first one opened and left open.
    gateway.inject(fault_wire.NoFault(), times=1)
    gateway.inject(connection_faults.SlowHeaders(pause=SHORT_TIMEOUTS.read_seconds / 2, chunk_size=1), times=None)
    client = client_for(gateway.url)
    first, _ = attempt(client)
    assert isinstance(first, Response) and first.authenticated, first
    second, _ = finished_within(never_hangs_bound(), lambda: attempt(client))
    assert isinstance(second, TransportError), second
    assert "the time limit ran out before 127.0.0.1 had sent its status line and headers" in second.message
    assert gateway.log.count == 2


def test_a_dripped_head_that_ends_in_time_is_an_answer(gateway: SimulatorServer) -> None:
    gateway.inject(connection_faults.SlowHeaders(pause=0.01, chunk_size=8), times=None)
    response, _ = attempt(client_for(gateway.url))
    assert isinstance(response, Response) and response.authenticated, response


def test_stalled_body_hits_the_read_timeout(gateway: SimulatorServer) -> None:
    gateway.inject(connection_faults.SlowBody(pause=SHORT_TIMEOUTS.read_seconds * 2, chunk_size=64), times=None)
    client = client_for(gateway.url)
    fails_with(TransportError, client, "no answer from Intacct at 127.0.0.1")
    assert 2 <= client.transport.requests_sent <= RETRY.attempts
    assert requests_logged(gateway, client.transport.requests_sent) == client.transport.requests_sent


def test_reset_mid_response_is_retried_then_a_transport_error(gateway: SimulatorServer) -> None:
    gateway.inject(connection_faults.ResetMidResponse(), times=None)
    fails_with(TransportError, client_for(gateway.url), "reset or closed before the whole answer arrived")
    assert gateway.log.count == RETRY.attempts


def test_dropped_connection_is_retried_then_a_transport_error(gateway: SimulatorServer) -> None:
    gateway.inject(connection_faults.DropConnection(), times=None)
    fails_with(TransportError, client_for(gateway.url), "closed or reset the connection")
    assert gateway.log.count == RETRY.attempts


# --- HTTP statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_xml_is_retried_then_names_the_status(gateway: SimulatorServer, status: int) -> None:
    gateway.inject(faults.HttpError(status), times=None)
    fails_with(
        TransportError,
        client_for(gateway.url),
        f"HTTP {status} without an XML body",
        f"after {RETRY.attempts} attempt(s)",
    )
    assert gateway.log.count == RETRY.attempts


def test_503_once_then_success_is_one_response(gateway: SimulatorServer) -> None:
    gateway.inject(faults.HttpError(503), times=1)
    client = client_for(gateway.url)
    response, elapsed = attempt(client)
    assert isinstance(response, Response) and response.authenticated
    assert {result.control_id for result in response.results} == {"user", "gl"}
    assert gateway.log.count == 2
    assert client.exchanges[-1].attempts == 2 and client.exchanges[-1].http_status == 200
    assert elapsed < never_hangs_bound()


def test_524_is_not_retried(gateway: SimulatorServer) -> None:
    gateway.inject(faults.HttpError(524), times=None)
    fails_with(TransportError, client_for(gateway.url), "HTTP 524", "after 1 attempt(s)")
    assert gateway.log.count == 1


def test_429_gw_0010_every_time_is_retried_then_returned_as_a_control_failure(gateway: SimulatorServer) -> None:
    gateway.inject(faults.RateLimited(), times=None)
    client = client_for(gateway.url)
    response, elapsed = attempt(client)
    assert elapsed < never_hangs_bound()
    assert gateway.log.count == RETRY.attempts
    assert isinstance(response, Response), response
    assert response.http_status == 429 and not response.control_ok
    assert [error.errorno for error in response.control_errors] == ["GW-0010"]
    assert "\n" not in describe_errors(response.control_errors)


def rate_limited(retry_after: str) -> Callable[[requests.PreparedRequest], urllib3.HTTPResponse]:
    body = status_only_failure("GW-0010", "Rate limit exceeded.")

    def answer(request: requests.PreparedRequest) -> urllib3.HTTPResponse:
        return canned(429, body, {"Content-Type": "text/xml", "Retry-After": retry_after})

    return answer


def test_retry_after_is_honoured() -> None:
    slept: list[float] = []
    client = stub_client(rate_limited("1"), sleep=slept.append)
    response, _ = attempt(client)
    assert isinstance(response, Response) and response.control_errors[0].errorno == "GW-0010"
    assert slept == [1.0] * (RETRY.attempts - 1)
    assert stub_calls(client) == RETRY.attempts


def test_retry_after_beyond_the_total_time_gives_up_at_once() -> None:
    slept: list[float] = []
    client = stub_client(rate_limited("3600"), sleep=slept.append)
    response, elapsed = attempt(client)
    assert isinstance(response, Response) and response.http_status == 429
    assert slept == [] and stub_calls(client) == 1
    assert elapsed < 1


@pytest.mark.parametrize("retry_after", ["\u00b2", "\u0661", "1.5", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", ""])
def test_a_retry_after_that_is_not_ascii_digits_is_ignored(retry_after: str) -> None:
    # str.isdigit() (and int()) accept superscripts and other scripts' digits; a header is read in ASCII only.
    slept: list[float] = []
    client = stub_client(rate_limited(retry_after), sleep=slept.append)
    response, _ = attempt(client)
    assert isinstance(response, Response) and response.control_errors[0].errorno == "GW-0010"
    assert slept == [RETRY.delay(attempt) for attempt in range(1, RETRY.attempts)], "the default backoff"


def test_a_retry_after_of_thousands_of_digits_gives_up_at_once() -> None:
    # int() refuses strings of over 4300 digits: a number this long is simply more than any time limit.
    slept: list[float] = []
    client = stub_client(rate_limited("9" * 5000), sleep=slept.append)
    response, _ = attempt(client)
    assert isinstance(response, Response) and response.http_status == 429
    assert slept == [] and stub_calls(client) == 1


@pytest.mark.parametrize("length", ["\u00b2", "\u0661", "12abc", "-1", "1e3", ""])
def test_a_content_length_that_is_not_ascii_digits_is_a_protocol_error_naming_it(length: str) -> None:
    body = status_only_failure("XL03000006", "x")
    client = stub_client(lambda request: canned(200, body, {"Content-Type": "text/xml", "Content-Length": length}))
    fails_with(ProtocolError, client, "Content-Length", repr(length), bound=1)
    assert stub_calls(client) == 1


def test_a_content_length_of_thousands_of_digits_is_refused_unread() -> None:
    client = stub_client(lambda request: canned(200, b"<response/>", {"Content-Length": "9" * 5000}))
    fails_with(TransportError, client, "refused unread", bound=1)
    assert stub_calls(client) == 1


# --- busy or off-line inside an HTTP 200 body ------------------------------------------------------------


def _error(text: str, where: str) -> etree._Element:
    return E.errormessage(E.error(E.errorno("XL03000009" if where != "correction" else "BL01001973"),
                                  E.description(text if where == "description" else "Error"),
                                  E.description2(text if where == "description2" else ""),
                                  E.correction(text if where == "correction" else "")))  # fmt: skip


def busy_200(level: str, text: str, where: str = "description") -> bytes:
    """An HTTP 200 answer whose error says Intacct is busy, at control or result level (exact bodies unconfirmed)."""
    if level == "control":
        root = E.response(E.control(E.status("failure")), _error(text, where))
    else:
        results = [
            E.result(E.status("failure"), E.function("readByName"), E.controlid("user"), _error(text, where)),
            E.result(E.status("success"), E.function("query"), E.controlid("gl"), E.data(count="0")),
        ]
        root = E.response(
            E.control(E.status("success")),
            E.operation(
                E.authentication(E.status("success"), E.userid("pex_connector"), E.companyid("ACME")), *results
            ),
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


XML = {"Content-Type": "text/xml"}
BUSY_ANSWERS = [
    ("control", "API rate limit exceeded", "description"),
    ("result", "The Service is Temporarily Off-line", "description2"),
    ("result", "Please Try Again Later", "correction"),
]


@pytest.mark.parametrize(("level", "text", "where"), BUSY_ANSWERS)
def test_busy_inside_http_200_is_retried_then_handed_back(level: str, text: str, where: str) -> None:
    slept: list[float] = []
    client = stub_client(lambda request: canned(200, busy_200(level, text, where), XML), sleep=slept.append)
    response, _ = attempt(client)
    assert stub_calls(client) == RETRY.attempts
    assert isinstance(response, Response), response
    errors = response.control_errors if level == "control" else response.result("user").errors
    assert is_busy(errors)


@pytest.mark.parametrize(("level", "text", "where"), BUSY_ANSWERS)
def test_busy_once_then_an_answer_is_one_response(level: str, text: str, where: str) -> None:
    calls: list[int] = []
    healthy = busy_200("result", "a plain failure that is not busy", "description")

    def answer(request: requests.PreparedRequest) -> urllib3.HTTPResponse:
        calls.append(1)
        return canned(200, busy_200(level, text, where) if len(calls) == 1 else healthy, {"Content-Type": "text/xml"})

    client = stub_client(answer, sleep=lambda seconds: None)
    response, _ = attempt(client)
    assert len(calls) == 2
    assert isinstance(response, Response) and response.authenticated
    assert not is_busy(response.result("user").errors)


def test_busy_words_in_company_data_are_not_a_fault() -> None:
    body = busy_200("result", "x").replace(
        b'<data count="0"/>', b"<data><GLACCOUNT><TITLE>API rate limit exceeded</TITLE></GLACCOUNT></data>"
    )
    assert not is_transient(
        HttpReply(200, "text/xml", body.replace(b"<error>", b"<errorx>").replace(b"</error>", b"</errorx>"), 1)
    )
    assert is_transient(HttpReply(200, "text/xml", busy_200("control", "API rate limit exceeded"), 1))


@pytest.mark.parametrize(
    "body",
    [b"API rate limit exceeded", b"<html><body>The Service is Temporarily Off-line. Try Again Later</body></html>"],
)
def test_busy_words_in_a_body_that_is_no_response_are_a_fault(body: bytes) -> None:
    assert is_transient(HttpReply(200, "text/html", body, 1))
    assert not is_transient(HttpReply(200, "text/html", b"<html><body>Maintenance notice</body></html>", 1))


def test_writes_are_not_retried_on_busy_answers() -> None:
    rate_limited_200 = busy_200("control", "API rate limit exceeded")
    client = stub_client(lambda request: canned(200, rate_limited_200, XML), sleep=lambda seconds: None)
    attempt(client, WRITE, allow_writes=True)
    assert stub_calls(client) == 1


# --- bodies that are not usable Intacct answers --------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "needle"),
    [
        (faults.EmptyBody(), "empty body"),
        (faults.Truncated(), "not well-formed XML"),
        (faults.ForeignXml("foo"), "not an Intacct response (root element <foo>)"),
        (faults.ForeignXml("html"), "not an Intacct response (root element <html>)"),
        (faults.MismatchedControlIds(), "results do not answer the request"),
    ],
    ids=["empty", "truncated", "foreign-xml", "xhtml", "mismatched-control-ids"],
)
def test_unusable_200_body_is_a_protocol_error_not_retried(
    gateway: SimulatorServer, fault: fault_wire.Fault, needle: str
) -> None:
    gateway.inject(fault, times=None)
    fails_with(ProtocolError, client_for(gateway.url), needle, bound=1.5)
    assert gateway.log.count == 1


def test_a_maintenance_page_saying_off_line_is_retried_then_named(gateway: SimulatorServer) -> None:
    gateway.inject(faults.MaintenancePage(), times=None)
    fails_with(ProtocolError, client_for(gateway.url), "HTML page (HTTP 200)")
    assert gateway.log.count == RETRY.attempts


def test_xxe_body_never_reads_the_file(gateway: SimulatorServer, tmp_path: Path) -> None:
    secret = "XXE-SECRET-5b1e9d0c7a"
    target = tmp_path / "secret.txt"
    target.write_text(secret, encoding="utf-8")
    gateway.inject(faults.XxeBody(target), times=None)
    error = fails_with(ProtocolError, client_for(gateway.url), "DOCTYPE", bound=1.5)
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and len(chain) < 10:
        chain.append(link)
        link = link.__cause__ or link.__context__
    shown = [text for link in chain for text in (str(link), repr(link), *map(str, link.args))]
    assert not any(secret in text for text in [*shown, *map(str, error.errors)])
    assert error.__suppress_context__ and error.__cause__ is None


def test_billion_laughs_is_refused_unexpanded_and_fast(gateway: SimulatorServer) -> None:
    gateway.inject(faults.BillionLaughs(), times=None)
    error = fails_with(ProtocolError, client_for(gateway.url), "DOCTYPE", bound=1.0)
    assert "lollol" not in str(error)


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "until-close"])
def test_100_mb_body_is_refused_with_bounded_memory(gateway: SimulatorServer, declare_length: bool) -> None:
    gateway.inject(faults.HugeBody(megabytes=100, declare_length=declare_length), times=None)
    client = client_for(gateway.url)
    tracemalloc.start()
    try:
        error = fails_with(TransportError, client, "MB", bound=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_RESPONSE_BYTES + 16 * MB < 100 * MB, f"peak {peak / MB:.0f} MB"
    assert "refused" in error.message
    assert gateway.log.count == 1, "an oversized body is not retried"


def test_a_huge_header_block_is_refused_with_bounded_memory(gateway: SimulatorServer) -> None:
    # 90 lines of 60 KiB: within what http.client itself accepts, far beyond any real gateway's headers.
    gateway.inject(faults.HugeHeaders(count=90, value_bytes=60 * 1024), times=None)
    client = client_for(gateway.url)
    tracemalloc.start()
    try:
        fails_with(TransportError, client, "KB of HTTP headers; refused (limit 64 KB)", bound=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * MB, f"peak {peak / MB:.0f} MB"
    assert gateway.log.count == 1, "a huge header block is not retried"


@pytest.mark.parametrize(
    "fault",
    [faults.HugeHeaders(count=150, value_bytes=16), faults.HugeHeaders(count=1, value_bytes=100 * 1024)],
    ids=["more-than-100-lines", "a-line-over-64-KiB"],
)
def test_headers_beyond_http_client_limits_are_refused_and_named(gateway: SimulatorServer, fault: faults.Fault) -> None:
    gateway.inject(fault, times=None)
    fails_with(TransportError, client_for(gateway.url), "status line or headers beyond", bound=5)
    assert gateway.log.count == 1, "not retried"


def test_gzip_bomb_is_refused_after_decoding_with_bounded_memory() -> None:
    bomb = gzip.compress(b"\0" * (100 * MB), compresslevel=9)
    assert len(bomb) < MB

    def answer(request: requests.PreparedRequest) -> urllib3.HTTPResponse:
        return canned(200, bomb, {"Content-Type": "text/xml", "Content-Encoding": "gzip"})

    client = stub_client(answer)
    tracemalloc.start()
    try:
        fails_with(TransportError, client, "sent more than 20 MB", bound=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_RESPONSE_BYTES + 16 * MB, f"peak {peak / MB:.0f} MB"
    assert stub_calls(client) == 1


@pytest.fixture
def chunked_gzip_url(gateway: SimulatorServer) -> Iterator[str]:
    """A loopback front for the simulator answering chunked and gzip-encoded, as a CDN in front of Intacct may."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            request = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = gzip.compress(gateway.gateway.handle(request).body)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=UTF-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(answer), 100):
                piece = answer[start : start + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ia/xml/xmlgw.phtml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def test_chunked_gzip_answer_is_read_whole(chunked_gzip_url: str) -> None:
    client = client_for(chunked_gzip_url)
    for _ in range(2):  # the second request reuses the kept-alive connection
        response, elapsed = attempt(client)
        assert isinstance(response, Response) and response.authenticated, response
        assert {result.control_id for result in response.results} == {"user", "gl"}
        assert elapsed < 1


# --- writes are never retried --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        faults.HttpError(503),
        faults.HttpError(500),
        faults.RateLimited(),
        connection_faults.DropConnection(),
        connection_faults.ResetMidResponse(),
        connection_faults.Delay(seconds=SHORT_TIMEOUTS.read_seconds + 1),
    ],
    ids=["503", "500", "429", "drop", "reset", "read-timeout"],
)
def test_a_write_is_sent_exactly_once_whatever_the_fault(gateway: SimulatorServer, fault: fault_wire.Fault) -> None:
    gateway.inject(fault, times=None)
    client = client_for(gateway.url)
    outcome, elapsed = attempt(client, WRITE, allow_writes=True)
    assert elapsed < SHORT_TIMEOUTS.total_seconds + 1
    assert client.transport.requests_sent == 1
    assert requests_logged(gateway, 1) == 1
    assert gateway.log.records[0].writes == ("create_supdoc",)
    if isinstance(outcome, Response):
        assert outcome.control_errors[0].errorno == "GW-0010"
    else:
        assert isinstance(outcome, TransportError)
        assert_explains(outcome)
        assert "after 1 attempt(s)" in outcome.message


# --- proxies from the environment ------------------------------------------------------------------------

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture
def proxy_listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A would-be proxy on another loopback address that never answers; no proxy settings of the machine's own."""
    for name in (*PROXY_VARIABLES, "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.2", 0))
    except OSError:
        listener.close()
        pytest.skip("127.0.0.2 is not a loopback address here (only 127.0.0.1 is configured)")
    listener.listen(8)
    # A connection the transport made would wait in the backlog: accept() returns it at once.
    listener.settimeout(0.3)
    try:
        yield listener
    finally:
        listener.close()


@pytest.mark.parametrize("variable", ["http_proxy", "HTTP_PROXY", "all_proxy"])
def test_a_loopback_endpoint_never_goes_through_a_proxy_from_the_environment(
    gateway: SimulatorServer, proxy_listener: socket.socket, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    host, port = proxy_listener.getsockname()
    monkeypatch.setenv(variable, f"http://{host}:{port}")
    # The setting is live: requests on its own would send the simulator's request to the proxy.
    assert requests.utils.get_environ_proxies(gateway.url)
    response, _ = attempt(client_for(gateway.url))
    assert isinstance(response, Response) and response.authenticated, response
    assert gateway.log.count == 1
    with pytest.raises(TimeoutError):
        connection, _ = proxy_listener.accept()
        connection.close()


class _RecordingAdapter(requests.adapters.HTTPAdapter):
    """Answers every request with a canned reply and keeps the proxies requests chose for it."""

    def __init__(self) -> None:
        super().__init__()
        self.proxies: list[Any] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.proxies.append(kwargs.get("proxies"))
        return self.build_response(request, canned(503, b"stub"))


@pytest.mark.parametrize("variable", ["https_proxy", "all_proxy"])
def test_an_intacct_endpoint_still_uses_the_proxy_from_the_environment(
    proxy_listener: socket.socket, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://proxy.example:3128")
    adapter = _RecordingAdapter()
    session = requests.Session()
    session.mount("https://", adapter)
    transport = HttpTransport(session, SHORT_TIMEOUTS, RetryPolicy(attempts=1))
    transport.post("https://api.intacct.com/ia/xml/xmlgw.phtml", b"<request/>")
    # A corporate proxy for HTTPS stays in use (requests tunnels through it with CONNECT).
    key = "https" if variable == "https_proxy" else "all"
    assert adapter.proxies == [{key: "http://proxy.example:3128"}]


# --- the test-only timeouts switch ---------------------------------------------------------------------


def test_timeouts_default_without_the_environment_variable() -> None:
    assert Timeouts.from_environment({}) == Timeouts() == Timeouts(10.0, 60.0, 180.0)


def test_timeouts_from_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Timeouts.from_environment({TIMEOUTS_ENVIRONMENT_VARIABLE: " 1, 2.5 ,3 "}) == Timeouts(1.0, 2.5, 3.0)
    monkeypatch.setenv(TIMEOUTS_ENVIRONMENT_VARIABLE, "1,1,3")
    assert HttpTransport().timeouts == Timeouts(1.0, 1.0, 3.0)
    assert HttpTransport(timeouts=Timeouts()).timeouts == Timeouts()


@pytest.mark.parametrize("value", ["1,2", "1,2,3,4", "a,b,c", "0,1,3", "1,-1,3", "1,1,inf", "1,1,nan"])
def test_bad_timeouts_environment_variable_is_a_one_line_configuration_error(value: str) -> None:
    with pytest.raises(ConfigurationError, match=TIMEOUTS_ENVIRONMENT_VARIABLE) as raised:
        Timeouts.from_environment({TIMEOUTS_ENVIRONMENT_VARIABLE: value})
    assert "\n" not in str(raised.value)


def test_the_timeouts_module_is_light() -> None:
    # Settings validates the variable before any traffic: that import must not load the HTTP stack.
    probe = (
        "import sys, pytest_pex_intacct.intacct.timeouts; "
        "print(sorted({'requests', 'urllib3', 'lxml'} & {name.split('.')[0] for name in sys.modules}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
