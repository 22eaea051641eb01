"""Record the bundled demo companies' cassettes from the simulator: one command, reproducible.

    python -m pytest_pex_intacct.simulator.demos [--cassettes DIR] [--schema PATH]

Each demo is a shipped scenario renamed to its demo company; the checks run against it in
``record`` mode, so the cassette is written (scrubbed) exactly as a customer recording would be.
The simulator runs on a fixed clock (its session times and creation dates are those of
``RECORDED_AT``, whatever the day); what else differs from one recording to the next (control ids,
the probe's run id, the simulator's port, the recording's own time stamp) is replaced by fixed
values, so recording the demos again on any day gives the same bytes, and a change in a committed
cassette is a change in behaviour.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vcr.serializers import yamlserializer

from ..atomic_write import write_text_atomically
from .scenario import Scenario
from .scenario_files import raw_scenario
from .server import SimulatorServer

DEMO_OPTIONS = ("--intacct-udd", "--intacct-write-probe")
# What a demo cassette says about when and where it was recorded: fixed, so that it is reproducible.
DEMO_TIME = datetime(2026, 1, 1, tzinfo=UTC)
RECORDED_AT = DEMO_TIME.isoformat()
LOOPBACK = "http://127.0.0.1"

_CONTROL_ID = re.compile(r"(<control>(?:(?!</control>).)*?<controlid>)([^<]*)(</controlid>)", re.DOTALL)
_PROBE_NAME = re.compile(r"(PEX\s+acceptance\s+probe)\s+[0-9a-f]{12}\b")
_LOOPBACK_PORT = re.compile(r"^http://127\.0\.0\.1:\d+")
# The date, and the HTTP library's version (which differs between installs, not between recordings).
_VOLATILE_HEADERS = ("date", "user-agent")


@dataclass(frozen=True)
class Demo:
    company_id: str
    scenario: str
    expected_verdict: str


DEMOS = (
    Demo("demo-ready", "ready", "accepted"),
    Demo("demo-misconfigured", "misconfigured", "not-accepted"),
    Demo("demo-user-misconfigured", "user-misconfigured", "not-accepted"),
)


def demo_scenario(demo: Demo) -> Scenario:
    data = copy.deepcopy(raw_scenario(demo.scenario))
    data["company_id"] = demo.company_id
    return Scenario.from_dict(data, source=f"demo {demo.company_id}")


def _map_body(body: object, change: Callable[[str], str]) -> object:
    if isinstance(body, bytes):
        return change(body.decode("utf-8")).encode("utf-8")
    if isinstance(body, str):
        return change(body)
    return body


def _set_length(headers: dict[str, Any], body: object) -> None:
    for name in headers:
        if name.lower() == "content-length" and isinstance(body, (str, bytes)):
            size = len(body.encode("utf-8") if isinstance(body, str) else body)
            headers[name] = [str(size)]


def _drop_volatile(headers: dict[str, Any]) -> None:
    for name in [name for name in headers if name.lower() in _VOLATILE_HEADERS]:
        del headers[name]


def normalise(cassette_text: str) -> str:
    """The cassette with its per-recording values replaced by fixed ones (replay ignores them all)."""
    cassette = yamlserializer.deserialize(cassette_text)
    for number, interaction in enumerate(cassette.get("interactions", []), start=1):
        control_id = f"demo-request-{number}"

        def fixed(text: str, control_id: str = control_id) -> str:
            text = _CONTROL_ID.sub(lambda match: match.group(1) + control_id + match.group(3), text, count=1)
            return _PROBE_NAME.sub(r"\1 demo", text)

        request, response = interaction["request"], interaction["response"]
        request["body"] = _map_body(request["body"], fixed)
        request["uri"] = _LOOPBACK_PORT.sub(LOOPBACK, str(request["uri"]))
        _drop_volatile(request.get("headers", {}))
        _set_length(request.get("headers", {}), request["body"])
        response["body"]["string"] = _map_body(response["body"].get("string"), fixed)
        _drop_volatile(response.get("headers", {}))
        _set_length(response.get("headers", {}), response["body"]["string"])
    recorded = cassette.get("metadata", {}).get("recorded", {})
    if recorded:
        recorded["recorded_at"] = RECORDED_AT
        recorded["endpoint"] = _LOOPBACK_PORT.sub(LOOPBACK, str(recorded.get("endpoint", "")))
    return str(yamlserializer.serialize(cassette))


def record(demo: Demo, cassettes: Path, schema: str | None) -> int:
    scenario = demo_scenario(demo)
    user = scenario.users[0]
    environment = {
        **os.environ,
        "INTACCT_SENDER_PASSWORD": scenario.senders["PEX MPP"],
        "INTACCT_USER_PASSWORD": user.password,
    }
    # Support ids are random per answer: a demo recording does without them.
    with SimulatorServer(scenario, schema=schema, support_ids=False, clock=lambda: DEMO_TIME) as server:
        command = [
            sys.executable,
            "-m",
            "pytest",
            f"--intacct-company={demo.company_id}",
            "--intacct-mode=record",
            # The demo recorder exists to record them again.
            "--intacct-record-mode=rewrite",
            f"--intacct-endpoint={server.url}",
            f"--intacct-cassettes={cassettes}",
            *DEMO_OPTIONS,
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        completed = subprocess.run(command, env=environment, check=False, capture_output=True, text=True)
    path = cassettes / f"{demo.company_id}.yaml"
    if path.is_file():
        write_text_atomically(path, normalise(path.read_text(encoding="utf-8")))
    verdicts = [line for line in completed.stdout.splitlines() if "pex-intacct verdict" in line]
    print(verdicts[-1] if verdicts else f"{demo.company_id}: {completed.stderr.strip() or completed.stdout.strip()}")
    print(f"  cassette {path}")
    return completed.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_pex_intacct.simulator.demos", description=__doc__)
    parser.add_argument("--cassettes", default="cassettes", help="where to write the cassettes (default cassettes/)")
    parser.add_argument("--schema", default=None, help="validate every request against this XSD")
    arguments = parser.parse_args(argv)
    cassettes = Path(arguments.cassettes).resolve()
    cassettes.mkdir(parents=True, exist_ok=True)
    failures = 0
    for demo in DEMOS:
        code = record(demo, cassettes, arguments.schema)
        expected = 0 if demo.expected_verdict == "accepted" else 1
        if code != expected:
            print(f"{demo.company_id}: expected verdict {demo.expected_verdict}, pytest exited {code}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
