"""A fleet run against 100 single-company runs one after another, over one slow simulated gateway.

One simulator serves N healthy companies (default 100) with the same injected latency per request
(default 200 ms, like a distant gateway). Prints the wall time of one
`pytest --intacct-fleet=fleet.toml --intacct-concurrency=8` run, the wall time of N
`pytest --intacct-company=ID` runs one after another, their ratio (budget: under 0.2), the fleet run's
ratio to the bound ceil(N / concurrency) x latency, and the requests each company cost in each (must be
exactly 1).

    python benchmarks/fleet.py [--companies 100] [--latency 0.2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pytest_pex_intacct.simulator import SimulatorServer, load_scenario

SENDER_PASSWORD = "bench-sender-password"
ATTEST = ["--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-signoff=Bench Mark <bench@pex.example>"]


def password_of(company: str) -> str:
    return f"bench-{company.lower()}-password"


def env_of(company: str) -> str:
    return f"{company.replace('-', '_')}_PASSWORD"


def pytest_run(arguments: list[str], directory: str, environment: dict[str, str]) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ATTEST, *arguments]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=directory, env=environment, check=False, capture_output=True)
    elapsed = time.perf_counter() - started
    # A fast failure is no figure: every company is healthy and must be accepted.
    if completed.returncode != 0:
        raise SystemExit(f"a run failed (exit {completed.returncode}):\n{completed.stdout.decode()[-2000:]}")
    return elapsed


def per_company(server: SimulatorServer) -> Counter[str | None]:
    return Counter(record.company_id for record in server.log.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the gateway takes per request")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    companies = [f"CO{number:03d}" for number in range(args.companies)]
    ready = load_scenario("ready").with_passwords(sender_password=SENDER_PASSWORD)
    scenarios = {company: ready.with_passwords(user_password=password_of(company)) for company in companies}
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("INTACCT_")},
        "INTACCT_SENDER_PASSWORD": SENDER_PASSWORD,
        **{env_of(company): password_of(company) for company in companies},
    }
    with SimulatorServer(scenarios, latency=args.latency) as server, tempfile.TemporaryDirectory() as directory:
        fleet_file = Path(directory) / "fleet.toml"
        fleet_file.write_text(
            "".join(f'[[company]]\nid = "{company}"\npassword_env = "{env_of(company)}"\n\n' for company in companies),
            encoding="utf-8",
        )
        endpoint = f"--intacct-endpoint={server.url}"
        fleet_arguments = ["--intacct-fleet=fleet.toml", endpoint, f"--intacct-concurrency={args.concurrency}"]
        fleet_seconds = pytest_run(fleet_arguments, directory, environment)
        fleet_requests = per_company(server)
        server.log.clear()

        single_seconds = 0.0
        for company in companies:
            single = {**environment, "INTACCT_USER_PASSWORD": password_of(company)}
            single_seconds += pytest_run([f"--intacct-company={company}", endpoint], directory, single)
        single_requests = per_company(server)

    ratio = fleet_seconds / single_seconds
    print(f"{args.companies} healthy companies, gateway latency {args.latency * 1000:.0f} ms per request")
    print(f"fleet run (--intacct-concurrency={args.concurrency}):   {fleet_seconds:8.2f} s")
    print(f"{args.companies} single-company runs, one after another: {single_seconds:8.2f} s")
    verdict = "within" if ratio < 0.2 else "OVER"
    print(f"ratio fleet / singles: {ratio:.3f} ({verdict} the budget of 0.2)")
    # The singles mostly measure start-up; the bound is what the reads alone cannot beat.
    bound = math.ceil(args.companies / args.concurrency) * args.latency
    print(
        f"fleet / bound ceil({args.companies}/{args.concurrency}) x {args.latency:g} s = {bound:.2f} s: "
        f"{fleet_seconds / bound:.2f} (benchmarks/fleet_scale.py measures it at 500 and 1000 companies)"
    )
    counts = sorted(set(fleet_requests.values()))
    exactly_one = set(fleet_requests) == set(companies) and counts == [1]
    print(
        f"requests per company: fleet {'/'.join(map(str, counts))}, singles "
        f"{'/'.join(map(str, sorted(set(single_requests.values()))))} "
        f"({'exactly 1 each' if exactly_one else 'NOT exactly 1 each'})"
    )
    if not exactly_one or ratio >= 0.2:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
