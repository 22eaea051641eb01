"""Replay a recorded company run: answers come from the cassette, never from the network.

The cassette is vcrpy's YAML format (written by ``recording.py``). Replaying it needs neither vcrpy
nor the HTTP stack: a :class:`CassetteTransport` answers each request with the first unplayed
recording that means the same (``request_meaning``), so control ids, passwords and the endpoint's
host may differ. A socket guard fails any connection attempted meanwhile, as a second line.
A missing, damaged or non-matching cassette is an ``error`` naming the file and the command that
records it again.
"""

from __future__ import annotations

import shlex
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .intacct.client import IntacctClient
from .intacct.endpoint import DEFAULT_ENDPOINT
from .intacct.envelope import SenderCredentials
from .intacct.errors import IntacctError
from .intacct.wire import HttpReply
from .probe import PROBE_DOCUMENT_PREFIX
from .request_meaning import difference, parse_request
from .settings import DEFAULT_GL_ACCOUNT, DEFAULT_SENDER_ID, DEFAULT_USER, Settings
from .snapshot import CompanySnapshot, gather_snapshot


class NetworkBlocked(RuntimeError):
    """A replay tried to open a network connection; replays must be answered from the cassette."""


class ReplayMismatch(IntacctError):
    """The run asked for something the recording does not hold."""

    fault = "recording"


class CassetteProblem(ValueError):
    """The cassette is missing or cannot be read as a recording."""


@dataclass(frozen=True)
class RecordedExchange:
    method: str
    path: str
    request_body: bytes | str
    status: int
    content_type: str
    response_body: bytes = field(repr=False)


@dataclass(frozen=True)
class Cassette:
    path: Path
    exchanges: tuple[RecordedExchange, ...]
    recorded: dict[str, Any]


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value or "").encode("utf-8")


def _header(headers: object, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _exchange(number: int, interaction: object) -> RecordedExchange:
    problem = CassetteProblem(f"recorded interaction {number} is malformed (it needs a request and a response)")
    if not isinstance(interaction, dict):
        raise problem
    request, response = interaction.get("request"), interaction.get("response")
    if not (isinstance(request, dict) and isinstance(response, dict)):
        raise problem
    status, body = response.get("status"), response.get("body")
    if not (isinstance(status, dict) and isinstance(status.get("code"), int) and isinstance(body, dict)):
        raise problem
    if not all(key in request for key in ("body", "method", "uri")):
        raise problem
    return RecordedExchange(
        method=str(request["method"]).upper(),
        path=urlsplit(str(request["uri"])).path,
        request_body=request["body"] or b"",
        status=status["code"],
        content_type=_header(response.get("headers"), "content-type"),
        response_body=_as_bytes(body.get("string")),
    )


def load_cassette(path: Path) -> Cassette:
    if not path.is_file():
        raise CassetteProblem("the cassette does not exist")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CassetteProblem(f"the cassette is not readable YAML ({first})") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list) or not data["interactions"]:
        raise CassetteProblem("the cassette holds no recorded interactions")
    exchanges = tuple(_exchange(number, item) for number, item in enumerate(data["interactions"], start=1))
    metadata = data.get("metadata")
    recorded = metadata.get("recorded") if isinstance(metadata, dict) else None
    return Cassette(path, exchanges, recorded if isinstance(recorded, dict) else {})


class CassetteTransport:
    """Answers from the recording, each recorded exchange once, in the order the run asks."""

    def __init__(self, cassette: Cassette, explain: Callable[[str], str]) -> None:
        self._cassette = cassette
        self._played = [False] * len(cassette.exchanges)
        self._explain = explain
        self.requests_sent = 0

    def post(self, url: str, body: bytes, idempotent: bool = True) -> HttpReply:
        self.requests_sent += 1
        path = urlsplit(url).path
        first_difference = None
        already_played = False
        for index, exchange in enumerate(self._cassette.exchanges):
            differs = difference(body, exchange.request_body)
            if exchange.method != "POST" or exchange.path != path:
                differs = differs or f"the recording was made against path {exchange.path!r}, this run uses {path!r}"
            if differs is None and self._played[index]:
                already_played = True
                continue
            if differs is None:
                self._played[index] = True
                return HttpReply(exchange.status, exchange.content_type, exchange.response_body)
            if first_difference is None and not self._played[index]:
                first_difference = differs
        if already_played:
            raise ReplayMismatch(self._explain("the run asked for more than was recorded"))
        what = "the recording does not match this run's requests (other company, user or options?)"
        raise ReplayMismatch(self._explain(what + (f" ({first_difference})" if first_difference else "")))

    def close(self) -> None:
        """Nothing to release: no connection was ever opened."""


def rerecord_command(settings: Settings) -> str:
    words = ["pytest", f"--intacct-company={settings.company_id}", "--intacct-mode=record"]
    if settings.user_id != DEFAULT_USER:
        words.append(f"--intacct-user={settings.user_id}")
    if settings.sender_id != DEFAULT_SENDER_ID:
        words.append(f"--intacct-sender-id={settings.sender_id}")
    # A recording holds the answers of the endpoint it was made against: re-record against that one.
    if settings.endpoint != DEFAULT_ENDPOINT:
        words.append(f"--intacct-endpoint={settings.endpoint}")
    if settings.gl_account != DEFAULT_GL_ACCOUNT:
        words.append(f"--intacct-gl-account={settings.gl_account}")
    if settings.udd:
        words.append("--intacct-udd")
    if settings.write_probe:
        words.append("--intacct-write-probe")
    words.append(f"--intacct-cassettes={settings.cassette_dir}")
    command = " ".join(shlex.quote(word) for word in words)
    return f"{command} (with INTACCT_SENDER_PASSWORD and INTACCT_USER_PASSWORD set)"


def explain(settings: Settings, what: str) -> str:
    return f"replay of {settings.cassette_path}: {what}. Re-record it with: {rerecord_command(settings)}"


def recorded_with(recorded: dict[str, Any]) -> str:
    """How the cassette was recorded, from its metadata: usually the quickest fix is to match it."""
    if not recorded:
        return ""
    options = [f"--intacct-user={recorded.get('user')}", f"--intacct-gl-account={recorded.get('gl_account')!s}"]
    # The endpoint is left out: a replay matches requests whatever host they were recorded against.
    if recorded.get("sender_id") not in (None, "", DEFAULT_SENDER_ID):
        options.append(f"--intacct-sender-id={recorded['sender_id']}")
    options += [
        flag for flag, key in (("--intacct-udd", "udd"), ("--intacct-write-probe", "write_probe")) if recorded.get(key)
    ]
    return f"; it was recorded with {' '.join(shlex.quote(option) for option in options)}"


@contextmanager
def network_blocked() -> Iterator[None]:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo
    original_create_connection = socket.create_connection

    def refuse(*args: Any, **kwargs: Any) -> Any:
        target = args[1] if len(args) > 1 else args[0] if args else "?"
        raise NetworkBlocked(f"replay mode blocked a network connection to {target!r}")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse
    socket.create_connection = refuse
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = original_getaddrinfo
        socket.create_connection = original_create_connection


def recorded_probe_run_id(cassette: Cassette) -> str | None:
    """The run id in the recorded probe attachment's name, if the recording holds a probe."""
    for exchange in cassette.exchanges:
        request = parse_request(exchange.request_body)
        for name in request.iter("supdocname") if request is not None else ():
            if (name.text or "").startswith(PROBE_DOCUMENT_PREFIX):
                return (name.text or "").removeprefix(PROBE_DOCUMENT_PREFIX)
    return None


def replay_snapshot(settings: Settings, run_id: str, write_probe_selected: bool) -> CompanySnapshot:
    try:
        cassette = load_cassette(settings.cassette_path)
    except CassetteProblem as problem:
        return CompanySnapshot.unavailable(settings, explain(settings, str(problem)))
    # The probe lists its attachment by this run's unique name: a replay is the recorded run, so it
    # uses the recorded name, or the recorded listing would not show "its" attachment.
    run_id = recorded_probe_run_id(cassette) or run_id
    suffix = recorded_with(cassette.recorded)
    transport = CassetteTransport(cassette, lambda what: explain(settings, what + suffix))
    # A replay sends nothing anywhere, so it needs no password.
    client = IntacctClient(settings.endpoint, SenderCredentials(settings.sender_id, ""), transport)

    def reword(error: IntacctError) -> str:
        if isinstance(error, ReplayMismatch):
            return error.message
        # The answer came from the file: an unusable one is the recording's fault, not Intacct's.
        return explain(settings, f"a recorded answer cannot be used ({error.message})")

    try:
        with network_blocked():
            return gather_snapshot(client, settings, run_id, reword, write_probe_selected)
    except NetworkBlocked as error:
        return CompanySnapshot.unavailable(settings, explain(settings, str(error)))
