"""Record the bundled demo companies' cassettes from the simulator: one command, reproducible.

    python -m pytest_pex_intacct.simulator.demos [--cassettes DIR] [--schema PATH]

Each demo is a shipped scenario renamed to its demo company; the checks run against it in
``record`` mode, so the cassette is written (scrubbed) exactly as a customer recording would be.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .scenario import Scenario, raw_scenario
from .server import SimulatorServer

DEMO_OPTIONS = ("--intacct-udd", "--intacct-write-probe")


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


def record(demo: Demo, cassettes: Path, schema: str | None) -> int:
    scenario = demo_scenario(demo)
    user = scenario.users[0]
    environment = {
        **os.environ,
        "INTACCT_SENDER_PASSWORD": scenario.senders["PEX MPP"],
        "INTACCT_USER_PASSWORD": user.password,
    }
    with SimulatorServer(scenario, schema=schema) as server:
        command = [
            sys.executable,
            "-m",
            "pytest",
            f"--intacct-company={demo.company_id}",
            "--intacct-mode=record",
            f"--intacct-endpoint={server.url}",
            f"--intacct-cassettes={cassettes}",
            *DEMO_OPTIONS,
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        completed = subprocess.run(command, env=environment, check=False, capture_output=True, text=True)
    last = completed.stdout.strip().splitlines()[-2:] if completed.stdout.strip() else [completed.stderr.strip()]
    print(f"{demo.company_id}: {' | '.join(last)}")
    return completed.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_pex_intacct.simulator.demos", description=__doc__)
    parser.add_argument("--cassettes", default="cassettes", help="where to write the cassettes (default cassettes/)")
    parser.add_argument("--schema", default=None, help="validate every request against this XSD")
    arguments = parser.parse_args(argv)
    cassettes = Path(arguments.cassettes).resolve()
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
