"""HTTP round trips and wall time: the product against a naive one-request-per-check script.

Both run against the loopback simulator with the same injected latency per request (default
200 ms, like a distant gateway). The product is the real plugin run (`pytest --intacct-company`,
in a subprocess); the baseline is what a typical SDK-based script does: sign in and send one
function per check. Prints requests, wall seconds and the ratio for each.

    python benchmarks/round_trips.py [--latency 0.2] [--udd]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from pytest_pex_intacct.intacct.client import IntacctClient
from pytest_pex_intacct.intacct.envelope import LoginCredentials, SenderCredentials
from pytest_pex_intacct.intacct.functions import (
    GetDimensions,
    IntacctFunction,
    Query,
    ReadByName,
)
from pytest_pex_intacct.simulator import SimulatorServer, load_scenario

SENDER_PASSWORD = "sim-sender-password"
USER_PASSWORD = "sim-user-password"


def run_product(url: str, udd: bool) -> float:
    environment = {**os.environ, "INTACCT_SENDER_PASSWORD": SENDER_PASSWORD, "INTACCT_USER_PASSWORD": USER_PASSWORD}
    with tempfile.TemporaryDirectory() as directory:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "--intacct-company=ACME",
            f"--intacct-endpoint={url}",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        command += ["--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-signoff=Bench Mark <bench@pex.example>"]
        if udd:
            command.append("--intacct-udd")
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=directory, env=environment, check=False, capture_output=True)
        elapsed = time.perf_counter() - started
    # A fast failure is no figure: the ready company must be accepted.
    if completed.returncode != 0:
        raise SystemExit(f"the product run failed (exit {completed.returncode}):\n{completed.stdout.decode()[-2000:]}")
    return elapsed


def run_snapshot_only(url: str, udd: bool) -> float:
    """The product's company run without pytest's start-up: what the requests themselves cost."""
    from pathlib import Path

    from pytest_pex_intacct.config.settings import resolve_settings
    from pytest_pex_intacct.recording.company_reading import take_snapshot

    environment = {"INTACCT_SENDER_PASSWORD": SENDER_PASSWORD, "INTACCT_USER_PASSWORD": USER_PASSWORD}
    settings = resolve_settings({"company_id": "ACME", "endpoint": url, "udd": udd}, environment, Path.cwd())
    started = time.perf_counter()
    take_snapshot(settings)
    return time.perf_counter() - started


def naive_checks(udd: bool) -> list[IntacctFunction]:
    """One request per check, each re-reading what it needs (as per-check SDK calls do)."""
    user = ("pex_connector",)
    checks: list[IntacctFunction] = [
        ReadByName("web-services", "USERINFO", user),  # sign-in checks: any signed-in call
        ReadByName("sender", "USERINFO", user),
        ReadByName("sign-in", "USERINFO", user),
        ReadByName("ws-user", "USERINFO", user),
        ReadByName("root", "USERINFO", user),
        ReadByName("email", "USERINFO", user),
        ReadByName("type", "USERINFO", user),
        ReadByName("admin", "USERINFO", user),
        Query("role", "ROLEUSERS", ("USERLOGINID", "ROLENAME"), (("USERLOGINID", "pex_connector"),), True),
        Query("roles", "ROLES", ("RECORDNO", "NAME"), pagesize=1),
        Query("restriction", "USERRESTRICTION", ("LOGINID", "UNRESTRICTED"), (("LOGINID", "pex_connector"),), True),
        Query("gl", "GLACCOUNT", ("ACCOUNTNO", "NORMALBALANCE"), (("TITLE", "PEX GL Account"),), True),
    ]
    if udd:
        checks.append(GetDimensions("udd-dimensions"))
        checks.append(Query("udd-probe", "PROJECT_TYPE", ("id", "name"), pagesize=1))
    return checks


def run_baseline(url: str, udd: bool) -> float:
    client = IntacctClient(url, SenderCredentials("PEX MPP", SENDER_PASSWORD))
    login = LoginCredentials("pex_connector", "ACME", USER_PASSWORD)
    started = time.perf_counter()
    for function in naive_checks(udd):
        response = client.send(login, [function])
        if not response.authenticated:
            raise SystemExit(f"the baseline's {function.name} was refused at sign-in")
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every response (default 0.2)")
    parser.add_argument("--udd", action="store_true", help="include the optional UDD-READ requirement")
    arguments = parser.parse_args()
    rows = []
    runs = (
        ("product (pytest plugin)", run_product),
        ("product snapshot only", run_snapshot_only),
        ("naive per-check baseline", run_baseline),
    )
    for name, runner in runs:
        with SimulatorServer(load_scenario("ready"), latency=arguments.latency) as server:
            seconds = runner(server.url, arguments.udd)
            rows.append((name, server.log.count, seconds))
    print(f"latency per request: {arguments.latency * 1000:.0f} ms; UDD-READ {'on' if arguments.udd else 'off'}")
    print(f"{'run':<28}{'HTTP requests':>15}{'wall seconds':>15}")
    for name, count, seconds in rows:
        print(f"{name:<28}{count:>15}{seconds:>15.2f}")
    (_, product_requests, product_seconds), _snapshot, (_, naive_requests, naive_seconds) = rows
    print(
        f"ratio baseline/product: requests {naive_requests / product_requests:.1f}x, "
        f"wall {naive_seconds / product_seconds:.1f}x (product wall includes Python and pytest start-up)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
