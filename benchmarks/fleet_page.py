"""The fleet page at scale: its size in bytes and how long headless Chromium takes to open it.

Builds N realistic company documents (default 1000: mostly accepted, some not accepted with a
failure and what it blocks, some incomplete behind an outage) from the real catalogue and verdict
code, and a ``_fleet.json`` with drift by cause, ``failing_since`` and a 30-run history, as
``run/fleet_summary.py`` writes them. Then runs pytest with pytest-html (``--html
--self-contained-html``) over N x 12 trivial tests that carry a requirement, as a fleet's checks do,
with ``FleetHtmlReport`` registered over those documents: the file is the one a fleet run writes,
pytest-html's own page, script and results JSON included. Prints the file's size and the time
Chromium takes to load it and take a screenshot, against an empty page's time.

    python benchmarks/fleet_page.py [--companies 1000] [--keep DIR] [--repeat 3]

Budget (docs/fleet.md, "The fleet page"): at most 2 MB, and opening in about a second.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_pex_intacct.report.digests import sign_document
from pytest_pex_intacct.requirements import ATTACHMENT_NUMBERING, CATALOGUE, RequirementId
from pytest_pex_intacct.run.fleet_summary import fleet_verdict
from pytest_pex_intacct.verdict import ACCEPTED, Outcome, RequirementResult, results_document, verdict

CHROMIUM = "/usr/bin/chromium"
MAX_BYTES = 2_000_000
SIGNER = "Dana Smith <dana@pex.example>"
STARTED = "2026-12-03T02:00:00Z"
ROLE = RequirementId.STEP3_ROLE
ADMIN = RequirementId.STEP3_ADMIN_FULL

CONFTEST = """
import json
from pathlib import Path

import pytest

from pytest_pex_intacct.run.html_report import FleetHtmlReport

HERE = Path(__file__).parent


class Fleet:
    secrets = ()


class Run:
    fleet = Fleet()
    fleet_document = json.loads((HERE / "_fleet.json").read_text(encoding="utf-8"))
    documents = {
        entry["company"]: json.loads((HERE / "docs" / (entry["company"] + ".json")).read_text(encoding="utf-8"))
        for entry in fleet_document["companies"]
    }


def pytest_configure(config):
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(FleetHtmlReport(config, Run()), "bench-fleet-html")
"""

TESTS = """
import json
from pathlib import Path

import pytest

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("requirement", "failed"), CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)])
def test_check(record_property, requirement, failed):
    record_property("requirement", requirement)
    assert not failed, f"{requirement}: Intacct shows it is not set as the guide requires (a traceback here)"
"""


def _results(kind: str, number: int) -> list[RequirementResult]:
    results = []
    for requirement in CATALOGUE:
        outcome, observed, blocked_by, attested = Outcome.PASSED, f"{requirement.id} as the guide requires", None, None
        if requirement.id == RequirementId.UDD_READ:
            outcome, observed = Outcome.NOT_APPLICABLE, "UDD-READ was not asked for this company"
        elif requirement.id == ATTACHMENT_NUMBERING:
            outcome, attested = Outcome.MANUAL, SIGNER
            observed = f"attested by {SIGNER}; Intacct showed: Intacct has no read API for the Attachments sequence"
        elif kind == "not-accepted" and requirement.id == ROLE:
            outcome = Outcome.FAILED
            observed = f"roles: none (from ROLEUSERS, USERROLES); the company uses role-based permissions ({number})"
        elif kind == "not-accepted" and requirement.id == ADMIN and number % 2:
            outcome, observed = Outcome.FAILED, "ADMIN='Limited'"
        elif kind == "not-accepted" and requirement.id.startswith("STEP4"):
            outcome, blocked_by, observed = Outcome.BLOCKED, ROLE, f"not checked: {ROLE} failed first"
        elif kind == "incomplete":
            outcome = Outcome.ERROR
            observed = "Intacct answered HTTP 503 (Service Unavailable) three times; try again later"
        results.append(RequirementResult(requirement, outcome, observed, blocked_by, attested))
    return results


def _kind(index: int, count: int) -> str:
    not_accepted, incomplete = max(1, count * 35 // 1000), max(1, count * 25 // 1000)
    if index < not_accepted:
        return "not-accepted"
    return "incomplete" if index < not_accepted + incomplete else ACCEPTED


def _drift_cause(kind: str, index: int) -> dict[str, object] | None:
    if kind == "not-accepted":
        folded = [
            {"id": requirement.id, "before": "passed", "after": "blocked", "regression": True, "blocked_by": ROLE}
            for requirement in CATALOGUE
            if requirement.id.startswith("STEP4")
        ]
        cause = {"id": ROLE, "before": "passed", "after": "failed", "regression": True}
        return {**cause, "since": "2026-11-01T02:00:00Z", "folded": folded}
    if kind == ACCEPTED and index % 97 == 0:
        return {
            "id": RequirementId.STEP3_EMAIL,
            "before": "failed",
            "after": "passed",
            "regression": False,
            "since": "2026-11-01T02:00:00Z",
            "folded": [],
        }
    return None


def build(directory: Path, count: int) -> None:
    """The documents, ``_fleet.json`` and the tests that stand for the fleet's checks."""
    docs = directory / "docs"
    docs.mkdir(parents=True)
    entries, cases = [], []
    for index in range(count):
        company, kind = f"CO{index:04d}", _kind(index, count)
        results = _results(kind, index)
        document = sign_document(
            results_document(
                company_id=company,
                mode="replay",
                results=results,
                plugin_version="0.3.0",
                user_id="pex_connector",
                sender_id="PEX MPP",
                started_at=STARTED,
                finished_at=STARTED,
                signoff=SIGNER,
                ticket=None,
                cassette=f"{company}.yaml",
                cassette_sha256="0" * 64,
                recorded_at=STARTED,
                recording_age_days=0,
            ),
            {},
        )
        (docs / f"{company}.json").write_text(json.dumps(document), encoding="utf-8")
        entries.append(
            {
                "company": company,
                "verdict": verdict(results),
                "counts": document["counts"],
                "failed": [result.requirement.id for result in results if result.outcome == Outcome.FAILED],
                "digest": document["digest"],
                "baseline": True,
                "drift": [],
                "drift_cause": _drift_cause(kind, index),
                "failing_since": None if kind == ACCEPTED else f"2026-11-{1 + index % 28:02d}T02:00:00Z",
            }
        )
        cases += [[result.requirement.id, result.outcome == Outcome.FAILED] for result in results]
    accepted = sum(1 for entry in entries if entry["verdict"] == ACCEPTED)
    runs = [
        {"started_at": f"2026-11-{day:02d}T02:00:00Z", "accepted": min(count, accepted - 20 + day), "companies": count}
        for day in range(4, 33)
    ] + [{"started_at": STARTED, "accepted": accepted, "companies": count}]
    fleet = {
        "schema": 1,
        "fleet": "fleet.toml",
        "shard": None,
        "mode": "replay",
        "started_at": STARTED,
        "finished_at": STARTED,
        "verdict": fleet_verdict([entry["verdict"] for entry in entries]),
        "companies": entries,
        "baseline": {"source": "directory", "name": "runs/signed-off/", "taken_at": "2026-11-01T02:00:00Z"},
        "history": {"file": "fleet-history.sqlite", "runs": runs[-30:]},
    }
    (directory / "_fleet.json").write_text(json.dumps(fleet), encoding="utf-8")
    (directory / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    (directory / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (directory / "test_fleet_checks.py").write_text(TESTS, encoding="utf-8")


def render(directory: Path) -> Path:
    page = directory / "fleet.html"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        f"--html={page}",
        "--self-contained-html",
    ]
    completed = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    if not page.exists():
        raise SystemExit(f"pytest wrote no page (exit {completed.returncode}):\n{completed.stdout[-3000:]}")
    return page


# Chromium as the machine's notes start it: headless, and without the background connections a closed
# network refuses.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_seconds(page: Path, screenshot: Path) -> float:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            CHROMIUM,
            *HEADLESS,
            f"--user-data-dir={profile}",
            f"--screenshot={screenshot}",
            "--window-size=1400,2000",
            page.as_uri(),
        ]
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, timeout=120)
        return time.perf_counter() - started


# Appended to a copy of the page: when the load event fires, force a layout of the whole page and note the time
# since navigation began. Chromium's process start, which dominates the wall time, is left out.
TIMING = (
    "<script>addEventListener('load',()=>{document.body.offsetHeight;"
    "document.documentElement.dataset.pexLoaded=Math.round(performance.now())})</script>"
)


def in_page_milliseconds(page: Path) -> int:
    timed = page.with_name(f"timed-{page.name}")
    timed.write_text(page.read_text(encoding="utf-8").replace("</body>", TIMING + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        command = [
            CHROMIUM,
            *HEADLESS,
            f"--user-data-dir={profile}",
            "--window-size=1400,2000",
            "--dump-dom",
            timed.as_uri(),
        ]
        dom = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    match = re.search(r'data-pex-loaded="([0-9]+)"', dom)
    if match is None:
        raise SystemExit(f"{timed}: the load event never fired")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="Chromium loads of each page (the median is shown)")
    parser.add_argument("--keep", type=Path, help="write the page, its inputs and screenshots here")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="fleet-page-")) if args.keep is None else args.keep
    try:
        build(directory, args.companies)
        started = time.perf_counter()
        page = render(directory)
        rendered = time.perf_counter() - started
        size = page.stat().st_size
        empty = directory / "empty.html"
        empty.write_text("<!doctype html><title>empty</title><body></body>", encoding="utf-8")
        loads = [chromium_seconds(page, directory / "fleet.png") for _ in range(args.repeat)]
        baseline = [chromium_seconds(empty, directory / "empty.png") for _ in range(args.repeat)]
        in_page = [in_page_milliseconds(page) for _ in range(args.repeat)]
        in_empty = [in_page_milliseconds(empty) for _ in range(args.repeat)]
        checks = args.companies * len(CATALOGUE)
        print(f"{args.companies} companies, {checks} checks: pytest + pytest-html {rendered:.1f} s")
        print(f"page size: {size} bytes ({size / 1_000_000:.2f} MB; budget {MAX_BYTES / 1_000_000:.0f} MB)")
        extra = statistics.median(loads) - statistics.median(baseline)
        print(
            f"headless Chromium load + screenshot: {statistics.median(loads):.2f} s (empty page "
            f"{statistics.median(baseline):.2f} s; extra {extra:.2f} s)"
        )
        print(
            f"in the page: load event + a layout of the whole page at {statistics.median(in_page):.0f} ms "
            f"after navigation (empty page {statistics.median(in_empty):.0f} ms)"
        )
        if args.keep:
            print(f"page and screenshot: {page}, {directory / 'fleet.png'}")
        if size > MAX_BYTES:
            raise SystemExit(1)
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    os.environ.pop("PYTEST_ADDOPTS", None)
    main()
