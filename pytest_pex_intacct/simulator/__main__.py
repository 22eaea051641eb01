"""``python -m pytest_pex_intacct.simulator SCENARIO``: serve a scenario until SIGINT or SIGTERM.

It prints what a user needs to run the checks against it: the company, the simulator's (made-up)
passwords as the environment variables the checks read, and a command to paste. With
``--company ID=SCENARIO`` (repeatable) it serves a fleet from one gateway instead, and prints the
fleet file to write and the fleet command.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shlex
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from .request_parsing import load_schema
from .scenario import Scenario, ScenarioError
from .scenario_files import load_scenario, scenario_names
from .server import SimulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_pex_intacct.simulator",
        description="Serve a simulated Sage Intacct XML gateway on 127.0.0.1, and print how to run the checks "
        "against it.",
    )
    parser.add_argument(
        "scenario", nargs="?", help=f"a shipped scenario ({', '.join(scenario_names())}) or a JSON path"
    )
    parser.add_argument(
        "--company",
        action="append",
        default=[],
        metavar="ID=SCENARIO",
        help="serve a fleet: company ID plays SCENARIO (a shipped name or JSON path); repeatable, instead of SCENARIO",
    )
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


def password_variable(company_id: str) -> str:
    """The environment variable a fleet file names for a company's user password."""
    return re.sub(r"[^A-Za-z0-9]", "_", company_id).upper() + "_INTACCT_PASSWORD"


def fleet_banner(companies: Mapping[str, Scenario], url: str) -> list[str]:
    """The lines a user needs for a fleet: the passwords, the fleet file and the command."""
    first = next(iter(companies.values()))
    sender_id = next(iter(first.senders), "PEX MPP")
    lines = [
        f"Intacct simulator for {len(companies)} companies ({', '.join(companies)}) listening on {url}",
        "Its passwords are made up for the simulator. In another shell, run:",
        f"  export INTACCT_SENDER_PASSWORD={shlex.quote(first.senders.get(sender_id, ''))}",
    ]
    lines += [
        f"  export {password_variable(company)}={shlex.quote(scenario.users[0].password)}"
        for company, scenario in companies.items()
        if scenario.users
    ]
    lines.append("then write these lines to fleet.toml:")
    for company, scenario in companies.items():
        lines += ["  [[company]]", f'  id = "{company}"']
        if scenario.users:
            lines.append(f'  password_env = "{password_variable(company)}"')
            if scenario.users[0].login_id != "pex_connector":
                lines.append(f'  user = "{scenario.users[0].login_id}"')
    lines.append("and run:")
    words = ["pytest", "--intacct-fleet=fleet.toml", f"--intacct-endpoint={url}"]
    if sender_id != "PEX MPP":
        words.append(f"--intacct-sender-id={sender_id}")
    lines.append("  " + " ".join(shlex.quote(word) for word in words))
    lines.append("Stop it with Ctrl-C.")
    return lines


def _companies(pairs: Sequence[str]) -> dict[str, Scenario]:
    companies: dict[str, Scenario] = {}
    for pair in pairs:
        company, separator, source = pair.partition("=")
        if not separator or not company or not source:
            raise ScenarioError(f"--company {pair!r} is not ID=SCENARIO, e.g. --company ACME=ready")
        if company in companies:
            raise ScenarioError(f"--company {company} is given twice")
        companies[company] = dataclasses.replace(load_scenario(source), company_id=company)
    return companies


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if bool(args.scenario) == bool(args.company):
        parser.error("give either SCENARIO or --company ID=SCENARIO (repeatable)")
    try:
        schema = load_schema(args.schema) if args.schema else None
        if args.company:
            companies = _companies(args.company)
            server = SimulatorServer(companies, schema=schema, port=args.port, latency=args.latency)
            lines = fleet_banner(companies, server.url)
        else:
            scenario = load_scenario(args.scenario)
            server = SimulatorServer(scenario, schema=schema, port=args.port, latency=args.latency)
            lines = banner(scenario, server.url)
    except (ScenarioError, OSError, etree.LxmlError) as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        print("\n".join(lines), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
