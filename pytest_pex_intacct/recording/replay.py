"""Replay a recorded company run: answers come from the cassette, never from the network.

The cassette is vcrpy's YAML format (written by ``recording/record.py``). Replaying it needs neither vcrpy
nor the HTTP stack: a :class:`CassetteTransport` answers each request with the first unplayed
recording that means the same (``request_meaning``), so control ids, passwords and the endpoint's
host may differ. A socket guard fails any connection attempted meanwhile, as a second line.
A missing or unreadable cassette, or one recorded with options the run contradicts, is refused at
start-up (``recording/cassette.py``, ``run/settings.py``); a request the recording does not hold is an ``error``
naming the file and the command that records it again.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ..config.settings import Settings
from ..facts.probe import PROBE_DOCUMENT_PREFIX
from ..facts.registry import asked_facts
from ..facts.snapshot import CompanySnapshot, ReadPlan, gather_snapshot
from ..intacct.client import IntacctClient
from ..intacct.envelope import SenderCredentials
from ..intacct.errors import IntacctError
from ..intacct.functions import IntacctFunction
from ..intacct.hardened_xml import parse_or_none
from ..intacct.wire import HttpReply
from .cassette import Cassette, CassetteProblem, load_cassette, record_again, recorded_command
from .request_meaning import difference, function_meaning, recorded_functions


class NetworkBlocked(RuntimeError):
    """A replay tried to open a network connection; replays must be answered from the cassette."""


class ReplayMismatch(IntacctError):
    """The run asked for something the recording does not hold."""

    fault = "recording"


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


def explain(settings: Settings, what: str) -> str:
    return f"replay of {settings.cassette_path}: {what}; {record_again(settings)}"


def recorded_with(recorded: Mapping[str, Any]) -> str:
    """How the cassette was recorded, from its metadata: usually the quickest fix is to match it."""
    if not recorded:
        return ""
    return f"; it was recorded with {recorded_command(recorded)}"


_guard_lock = threading.Lock()
_guard_depth = 0
_originals: tuple[Any, ...] = ()


@contextmanager
def network_blocked() -> Iterator[None]:
    """No connection can be opened inside; nestable and shared by threads (a fleet replays its
    companies concurrently): the socket functions are swapped by the first to enter and restored
    by the last to leave, never by one thread under another's feet."""
    global _guard_depth, _originals
    with _guard_lock:
        if _guard_depth == 0:
            _originals = (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo, socket.create_connection)

            def refuse(*args: Any, **kwargs: Any) -> Any:
                target = args[1] if len(args) > 1 else args[0] if args else "?"
                raise NetworkBlocked(f"replay mode blocked a network connection to {target!r}")

            socket.socket.connect = refuse  # type: ignore[method-assign]
            socket.socket.connect_ex = refuse  # type: ignore[method-assign]
            socket.getaddrinfo = refuse
            socket.create_connection = refuse
        _guard_depth += 1
    try:
        yield
    finally:
        with _guard_lock:
            _guard_depth -= 1
            if _guard_depth == 0:
                (
                    socket.socket.connect,  # type: ignore[method-assign]
                    socket.socket.connect_ex,  # type: ignore[method-assign]
                    socket.getaddrinfo,
                    socket.create_connection,
                ) = _originals


def recorded_probe_run_id(cassette: Cassette) -> str | None:
    """The run id in the recorded probe attachment's name, if the recording holds a probe."""
    for exchange in cassette.exchanges:
        request = parse_or_none(exchange.request_body)
        for name in request.iter("supdocname") if request is not None else ():
            if (name.text or "").startswith(PROBE_DOCUMENT_PREFIX):
                return (name.text or "").removeprefix(PROBE_DOCUMENT_PREFIX)
    return None


def recorded_plan(settings: Settings, cassette: Cassette) -> ReadPlan | None:
    """The reads the recording's batch holds, and the facts it lacks a read of, each with one line.

    A recording made by an earlier version lacks the reads added since: the facts it holds are
    judged as recorded, the others are errors saying to record again. A recording that holds none of
    this run's reads is left to the ordinary mismatch (another company or options, not another version).
    """
    recorded = recorded_functions(cassette.exchanges[0].request_body)
    held: list[IntacctFunction] = []
    missing: dict[str, list[str]] = {}
    for fact in asked_facts(settings):
        for function in fact.functions(settings):
            call = function.body()
            if recorded.get(function.control_id) == function_meaning(call):
                held.append(function)
            else:
                target = call.findtext("object") or call.get("object") or ""
                missing.setdefault(fact.name, []).append(f"{function.name} {target}".strip())
    if not held or not missing:
        return None
    version = cassette.recorded.get("plugin_version")
    made_by = f" (made by pytest-pex-intacct {version})" if isinstance(version, str) else ""
    not_read = {
        name: (
            f"the recording {settings.cassette_path}{made_by} predates this check: it holds no "
            f"{', '.join(reads)} read as this version makes it; {record_again(settings)}"
        )
        for name, reads in missing.items()
    }
    return ReadPlan(held, not_read)


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

    plan = recorded_plan(settings, cassette)
    try:
        with network_blocked():
            return gather_snapshot(client, settings, run_id, reword, write_probe_selected, plan)
    except NetworkBlocked as error:
        return CompanySnapshot.unavailable(settings, explain(settings, str(error)))
