"""``python -m pytest_pex_intacct.simulator SCENARIO``: serve a scenario until SIGINT or SIGTERM.

It prints what a user needs to run the checks against it: the company, the simulator's (made-up)
passwords as the environment variables the checks read, and a command to paste.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from .request_parsing import load_schema
from .scenario import Scenario, ScenarioError, load_scenario, scenario_names
from .server import SimulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_pex_intacct.simulator",
        description="Serve a simulated Sage Intacct XML gateway on 127.0.0.1, and print how to run the checks "
        "against it.",
    )
    parser.add_argument("scenario", help=f"a shipped scenario ({', '.join(scenario_names())}) or a JSON path")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--schema", type=Path, help="validate every request against this XSD (api.lxml.xsd)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    return parser


def banner(scenario: Scenario, url: str) -> list[str]:
    """The lines a user needs: where it listens, and the company, passwords and command to use."""
    user = scenario.users[0] if scenario.users else None
    sender_id = next(iter(scenario.senders), "PEX MPP")
    lines = [
        f"Intacct simulator for company {scenario.company_id} listening on {url}",
        "Its passwords are made up for the simulator. In another shell, run:",
        f"  export INTACCT_SENDER_PASSWORD={shlex.quote(scenario.senders.get(sender_id, ''))}",
    ]
    if user is not None:
        lines.append(f"  export INTACCT_USER_PASSWORD={shlex.quote(user.password)}")
    words = ["pytest", f"--intacct-company={scenario.company_id}", f"--intacct-endpoint={url}"]
    if user is not None and user.login_id != "pex_connector":
        words.append(f"--intacct-user={user.login_id}")
    if sender_id != "PEX MPP":
        words.append(f"--intacct-sender-id={sender_id}")
    lines.append("  " + " ".join(shlex.quote(word) for word in words) + " --intacct-write-probe --intacct-udd")
    lines.append("Stop it with Ctrl-C.")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
        schema = load_schema(args.schema) if args.schema else None
        server = SimulatorServer(scenario, schema=schema, port=args.port, latency=args.latency)
    except (ScenarioError, OSError, etree.LxmlError) as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        print("\n".join(banner(scenario, server.url)), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
