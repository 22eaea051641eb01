"""The hooks of a fleet run (``--intacct-fleet``): every bundled check once per company.

The shape of pytest-testinfra's ``--hosts``: ``pytest_generate_tests`` parametrizes the ``intacct``
fixture by company and requirement (node id ``...[ACME-STEP3-ROLE]``, so ``-k ACME`` selects a
company), and each company's checks judge that company's snapshot, read concurrently by
``fleet/reads.py``. Outcomes ride on the reports as in a single-company run, with the company
beside them; the controller builds one results document per company, ``fleet.json``, the drift
against a baseline, the terminal lines and the exit code.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from ..config.option import Mode
from ..facts.snapshot import CompanySnapshot
from ..fleet.drift import Drift, drift
from ..fleet.fleet_settings import FLEET_DOCUMENT, Fleet
from ..requirements import ATTACHMENT_NUMBERING, BY_ID, RequirementId
from ..verdict import (
    ACCEPTED,
    ERROR,
    FAILED,
    INCOMPLETE,
    NOT_ACCEPTED,
    PROP_REQUIREMENT,
    RequirementResult,
    Verdict,
    counts,
    result_from_properties,
    verdict,
)
from .acceptance_run import (
    _ORDER,
    AcceptanceRun,
    _property,
    _utc_now,
    company_document,
    final_results,
    requirement_of_item,
    write_json_atomically,
)
from .check import Check

if TYPE_CHECKING:
    from ..fleet.reads import FleetReads

PROP_COMPANY = "company"
FLEET_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CompanyRequirement:
    """The ``intacct`` fixture's parameter in a fleet run: which company, which requirement."""

    company_id: str
    requirement_id: RequirementId

    @property
    def test_id(self) -> str:
        return f"{self.company_id}-{self.requirement_id}"


def company_of_item(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    param = callspec.params.get("intacct") if callspec is not None else None
    return param.company_id if isinstance(param, CompanyRequirement) else None


def company_of_nodeid(nodeid: str) -> str | None:
    """The company of a fleet check's node id ``...[ACME-STEP3-ROLE]`` (company ids may hold '-')."""
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    test_id = nodeid[nodeid.rindex("[") + 1 : -1]
    for requirement_id in BY_ID:
        if test_id.endswith(f"-{requirement_id}"):
            return test_id.removesuffix(f"-{requirement_id}")
    return None


def fleet_verdict(verdicts: list[Verdict]) -> Verdict:
    """Accepted only when every company is; not accepted when any is not; otherwise incomplete."""
    if verdicts and all(one == ACCEPTED for one in verdicts):
        return ACCEPTED
    return NOT_ACCEPTED if NOT_ACCEPTED in verdicts else INCOMPLETE


class FleetRun(AcceptanceRun):
    def __init__(self, config: pytest.Config, fleet: Fleet, ignored_arguments: tuple[str, ...] = ()) -> None:
        super().__init__(config, fleet.companies[0], ignored_arguments)
        self.fleet = fleet
        self.by_company: dict[str, dict[str, RequirementResult]] = {}
        self.explained_by_company: dict[str, dict[str, str]] = {}
        self.documents: dict[str, dict[str, object]] = {}
        self.finals: dict[str, list[RequirementResult]] = {}
        self.drifts: dict[str, list[Drift]] = {}
        self.fleet_document: dict[str, object] | None = None
        self._reads: FleetReads | None = None
        self._wanted: dict[str, bool] = {}

    # -- collection ---------------------------------------------------------------------------
    def parametrize_checks(self, metafunc: pytest.Metafunc, requirement_id: str) -> None:
        params = [
            CompanyRequirement(settings.company_id, BY_ID[requirement_id].id) for settings in self.fleet.companies
        ]
        metafunc.parametrize("intacct", params, indirect=True, ids=[param.test_id for param in params])

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        super().pytest_collection_modifyitems(items)
        ours = [item for item in items if company_of_item(item) is not None]
        others = [item for item in items if company_of_item(item) is None]
        # A company's checks run together, in the guide's order: its snapshot is needed, then released.
        ours.sort(key=lambda item: (company_of_item(item), _ORDER[requirement_of_item(item).id]))  # type: ignore[union-attr]
        items[:] = ours + others
        for item in ours:
            item.user_properties.append((PROP_COMPANY, company_of_item(item)))

    def xdist_scope(self, nodeid: str) -> str:
        """Each company is a scope of its own: read once, on one worker."""
        return company_of_nodeid(nodeid) or nodeid

    def pytest_report_header(self) -> list[str]:
        fleet = self.fleet
        shard = f", shard {fleet.shard} of the {fleet.listed} listed" if fleet.shard else ""
        reads = (
            "from the recordings, no network"
            if fleet.mode == Mode.REPLAY
            else f"endpoint {self.settings.endpoint}, at most {fleet.concurrency} read at a time"
        )
        lines = [
            f"pex-intacct: fleet {fleet.path.name}: {len(fleet.companies)} companies{shard}, mode {fleet.mode}, {reads}"
        ]
        if self.ignored_arguments:
            lines.append(
                "pex-intacct: --intacct-fleet runs only the bundled checks; ignoring "
                + " ".join(self.ignored_arguments)
            )
        return lines

    # -- snapshots ------------------------------------------------------------------------------
    def check(self, request: pytest.FixtureRequest, param: CompanyRequirement) -> Check:
        """The ``intacct`` fixture of a fleet check: that company's settings and snapshot."""
        from .acceptance_run import CHECK_KEY

        check = Check(BY_ID[param.requirement_id], self.fleet.company(param.company_id))
        request.node.stash[CHECK_KEY] = check
        if check.needs_intacct():
            check.prepare(self._snapshot(request.session, param.company_id))
        return check

    def _snapshot(self, session: pytest.Session, company_id: str) -> CompanySnapshot:
        from ..fleet.reads import FleetReads

        if self._reads is None:
            self._reads = FleetReads(self.fleet)
            # The one write ever made happens only for a company whose probe check is selected.
            wanted: dict[str, bool] = {}
            for item in session.items:
                company, requirement = company_of_item(item), requirement_of_item(item)
                if company is not None and requirement is not None:
                    wanted[company] = wanted.get(company, False) or requirement.id == ATTACHMENT_NUMBERING
            self._wanted = wanted
            # A worker of xdist runs only the companies sent to it, which it learns one by one: it reads
            # each when it reaches it (the workers are the concurrency). Alone, the run starts them all now.
            if not self.is_worker:
                self._reads.start(wanted)
        return self._reads.snapshot(company_id, self._wanted.get(company_id, False))

    def pytest_unconfigure(self) -> None:
        if self._reads is not None:
            self._reads.close()

    def _explained(self, item: pytest.Item) -> dict[str, str]:
        return self.explained_by_company.setdefault(company_of_item(item) or "", {})

    # -- controller: gather, decide, write ------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        requirement_id = _property(report, PROP_REQUIREMENT)
        company = _property(report, PROP_COMPANY)
        if requirement_id not in BY_ID or company is None:
            return
        result = result_from_properties(BY_ID[requirement_id], report.user_properties)
        if result is not None:
            self.by_company.setdefault(company, {})[requirement_id] = result

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.is_worker or self.config.option.collectonly:
            return
        stopped_early = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldfail or session.shouldstop)
        # -k ACME checks ACME: a company none of whose checks ran is not part of this run's verdict,
        # unless the run stopped before reaching it.
        checked = [
            settings for settings in self.fleet.companies if stopped_early or settings.company_id in self.by_company
        ]
        for settings in checked:
            company = settings.company_id
            results = final_results(self.by_company.get(company, {}), settings, stopped_early)
            self.finals[company] = results
            self.documents[company] = company_document(self.config, settings, results, self.started_at, self.signer)
            baseline = self.fleet.baselines.get(company)
            if baseline is not None:
                self.drifts[company] = drift(baseline, self.documents[company])
        self.fleet_document = self._fleet_document()
        if checked:
            # The first company's document stands in where a single document is expected.
            self.document = self.documents[checked[0].company_id]
            self.final = self.finals[checked[0].company_id]
        if self.fleet.json_dir is not None:
            for company, document in self.documents.items():
                write_json_atomically(self.fleet.json_dir / f"{company}.json", document)
            write_json_atomically(self.fleet.json_dir / FLEET_DOCUMENT, self.fleet_document)
        if exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            return
        accepted = bool(checked) and self.fleet_document["verdict"] == ACCEPTED
        session.exitstatus = pytest.ExitCode.OK if accepted else pytest.ExitCode.TESTS_FAILED

    def _fleet_document(self) -> dict[str, object]:
        entries = []
        for company, document in self.documents.items():
            results = self.finals[company]
            entry: dict[str, object] = {
                "company": company,
                "verdict": verdict(results),
                "counts": counts(results),
                "failed": [result.requirement.id for result in results if result.outcome == FAILED],
                "digest": document.get("digest"),
            }
            if self.fleet.baseline_dir is not None:
                entry["baseline"] = company in self.fleet.baselines
                entry["drift"] = [change.to_json() for change in self.drifts.get(company, [])]
            entries.append(entry)
        return {
            "schema": FLEET_SCHEMA_VERSION,
            "fleet": self.fleet.path.name,
            "shard": str(self.fleet.shard) if self.fleet.shard else None,
            "mode": self.fleet.mode,
            "started_at": self.started_at,
            "finished_at": _utc_now(),
            "verdict": fleet_verdict([verdict(self.finals[company]) for company in self.documents]),
            "companies": entries,
        }

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
        yield
        if self.is_worker or self.fleet_document is None:
            return
        write = terminalreporter.write_line
        terminalreporter.section("pex-intacct fleet", sep="=")
        # Drift first: what changed since the baseline is the news of a nightly run.
        for company, changes in sorted(self.drifts.items(), key=lambda pair: not any(c.regression for c in pair[1])):
            for change in changes:
                write(f"DRIFT {company} {change}", red=change.regression, yellow=not change.regression)
        for company_id, results in self.finals.items():
            for result in results:
                for leftover in result.leftovers:
                    write(f"WRITE PROBE LEFT DATA IN COMPANY {company_id}: {leftover}", red=True)
        if self.fleet.mode == Mode.RECORD:
            write(self._cassettes_line())
        if self.fleet.json_dir is not None:
            write(f"results written to {self.fleet.json_dir} ({len(self.documents)} documents and {FLEET_DOCUMENT})")
        unselected = len(self.fleet.companies) - len(self.documents)
        if unselected:
            write(f"{unselected} companies of the fleet were not selected in this run (-k, node ids)")
        verdicts = {company: verdict(results) for company, results in self.finals.items()}
        # One line per company that is not accepted, the ones that must change something first.
        for company, outcome in sorted(verdicts.items(), key=lambda pair: (pair[1] != NOT_ACCEPTED, pair[0])):
            if outcome != ACCEPTED:
                write(f"{outcome.upper():<13} {company}: {self._why(company)}", red=True)
        overall = Verdict(str(self.fleet_document["verdict"]))
        tally = ", ".join(
            f"{sum(1 for one in verdicts.values() if one == kind)} {kind}"
            for kind in (ACCEPTED, NOT_ACCEPTED, INCOMPLETE)
            if any(one == kind for one in verdicts.values())
        )
        markup = {"green": True} if overall == ACCEPTED else {"red": True}
        write(
            f"pex-intacct fleet verdict: {overall.upper()} ({len(verdicts)} companies: {tally or 'none checked'})",
            bold=True,
            **markup,
        )

    def _cassettes_line(self) -> str:
        started = datetime.fromisoformat(self.started_at.replace("Z", "+00:00")).timestamp()
        written: list[str] = []
        kept: list[str] = []
        for company in self.documents:
            path = self.fleet.company(company).cassette_path
            # Under xdist a worker records, so the controller judges by the files themselves.
            fresh = path.is_file() and path.stat().st_mtime >= started - 1
            (written if fresh else kept).append(path.name)
        line = f"cassettes written to {self.settings.cassette_dir}: {', '.join(written) or 'none'}"
        if kept:
            line += f"; not written (nothing usable was read; the errors above say why): {', '.join(kept)}"
        return line

    def _why(self, company: str) -> str:
        """What keeps the company from being accepted, in one short line (the details are above and in its document)."""
        results = self.finals[company]
        failed = [result.requirement.id for result in results if result.outcome == FAILED]
        if failed:
            return "failed " + ", ".join(failed)
        unmet = [result for result in results if result.requirement.mandatory and not result.met]
        errors = [result for result in unmet if result.outcome == ERROR]
        parts = [f"{result.requirement.id} {result.outcome}" for result in unmet if result.outcome != ERROR]
        if errors:
            first = errors[0].observed
            shown = first if len(first) <= 160 else first[:157] + "..."
            parts.insert(0, f"{len(errors)} could not be verified ({shown})")
        return "; ".join(parts)
