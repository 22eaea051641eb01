"""``python -m pytest_pex_intacct.simulator SCENARIO``: serve a scenario until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from .request_parsing import load_schema
from .scenario import ScenarioError, load_scenario, scenario_names
from .server import SimulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_pex_intacct.simulator",
        description="Serve a simulated Sage Intacct XML gateway on 127.0.0.1 and print its URL.",
    )
    parser.add_argument("scenario", help=f"a shipped scenario ({', '.join(scenario_names())}) or a JSON path")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--schema", type=Path, help="validate every request against this XSD (api.lxml.xsd)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    return parser


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
        print(server.url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
