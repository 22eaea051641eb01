"""The hooks of a fleet run (``--intacct-fleet``): every bundled check once per company.

The shape of pytest-testinfra's ``--hosts``: ``pytest_generate_tests`` parametrizes the ``intacct``
fixture by company and requirement (node id ``...[ACME-STEP3-ROLE]``, so ``-k ACME`` selects a
company), and each company's checks judge that company's snapshot, read concurrently by
``fleet/reads.py``. Outcomes ride on the reports as in a single-company run, with the company
beside them; the controller builds one results document per company, ``fleet.json``, the drift
against a baseline, the terminal lines and the exit code.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from ..config.option import Mode
from ..fleet.drift import CompanyDrift, Drift, baseline_taken_at, by_cause, drift
from ..fleet.fleet_file import shown
from ..fleet.fleet_settings import FLEET_DOCUMENT, Fleet
from ..recording.cassette_file import stamp
from ..requirements import BY_ID, Requirement, RequirementId
from ..verdict import ACCEPTED, ERROR, RequirementResult
from .check import Check
from .check_hooks import CHECK_KEY
from .company_document import company_document, final_results, signer_of, stopped_early, write_json_atomically
from .fleet_history import HistoryOutcome, record_in_history, with_history
from .fleet_snapshots import FleetSnapshots
from .fleet_summary import fleet_document
from .fleet_terminal import write_fleet_summary
from .outcomes import CATALOGUE_ORDER, TERMINAL_WORDS, user_property, utc_now

PROP_COMPANY = "company"
FLEET_TERMINAL_WORDS = {**TERMINAL_WORDS, ERROR: ("unverified", "E", ("UNVERIFIED", {"red": True}))}
# From this many companies on, a run freezes its long-lived objects out of the cyclic collector.
LARGE_FLEET = 100
_FREEZE_AT_EXIT = False


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


class FleetRun:
    """A :class:`~.check_hooks.RunShape` for many companies, and the hooks that conclude a fleet's run."""

    def __init__(
        self, config: pytest.Config, fleet: Fleet, ignored_arguments: tuple[str, ...] = (), every_check: bool = False
    ) -> None:
        """``every_check``: the run collects every bundled check (no node ids or paths were given)."""
        self.config = config
        self.fleet = fleet
        self.ignored_arguments = ignored_arguments
        self.started_at = utc_now()
        # Which file each cassette path named when the run began: a recording written since replaced it.
        self.cassettes_before = {company.company_id: stamp(company.cassette_path) for company in fleet.companies}
        self.is_worker = hasattr(config, "workerinput")
        self.signer = None if self.is_worker else signer_of(config)
        self.by_company: dict[str, dict[str, RequirementResult]] = {}
        self.explained_by_company: dict[str, dict[str, str]] = {}
        self.documents: dict[str, dict[str, object]] = {}
        self.finals: dict[str, list[RequirementResult]] = {}
        self.drifts: dict[str, list[Drift]] = {}
        self.causes: dict[str, CompanyDrift | None] = {}
        self.fleet_document: dict[str, object] | None = None
        self.history: HistoryOutcome | None = None
        # Companies whose read was under way when the run stopped (company id → write probe selected).
        self.abandoned: dict[str, bool] = {}
        self.snapshots = FleetSnapshots(config, fleet, every_check)
        # Selected checks per company, and the documents made (and written) as companies end.
        self._selected: dict[str, int] = {}
        self._early: dict[str, tuple[list[RequirementResult], dict[str, object]]] = {}
        self._written: dict[str, dict[str, object]] = {}

    # -- the shape of the run -------------------------------------------------------------------
    def parametrize(self, metafunc: pytest.Metafunc, requirement: Requirement) -> None:
        params = [CompanyRequirement(settings.company_id, requirement.id) for settings in self.fleet.companies]
        metafunc.parametrize("intacct", params, indirect=True, ids=[param.test_id for param in params])

    def order_key(self, item: pytest.Item, requirement: Requirement) -> tuple[Any, ...]:
        # A company's checks run together, in the guide's order: its snapshot is needed, then released.
        return (company_of_item(item) or "", CATALOGUE_ORDER[requirement.id])

    def properties(self, item: pytest.Item) -> list[tuple[str, object]]:
        company = company_of_item(item)
        return [(PROP_COMPANY, company)] if company is not None else []

    def xdist_scope(self, nodeid: str) -> str:
        """Each company is a scope of its own: read once, on one worker."""
        return company_of_nodeid(nodeid) or nodeid

    @property
    def shares_up_front(self) -> bool:
        return True

    def terminal_words(self, outcome: str) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        # A company that could not be read makes every check of it an error: a section and a summary line
        # each, twelve thousand at a thousand companies. The fleet's section says it once per company.
        return FLEET_TERMINAL_WORDS.get(outcome)

    def explained(self, item: pytest.Item) -> dict[str, str]:
        return self.explained_by_company.setdefault(company_of_item(item) or "", {})

    def keep(self, report: pytest.TestReport, result: RequirementResult) -> None:
        company = user_property(report, PROP_COMPANY)
        if company is None:
            return
        results = self.by_company.setdefault(company, {})
        results[result.requirement.id] = result
        # A company whose every selected check has reported gets its document now, while the run waits
        # for the next company's read, instead of a thousand of them in a row at the end of the run.
        if len(results) == self._selected.get(company):
            self.snapshots.release(company)
        if len(results) == self._selected.get(company) and not self.is_worker:
            settings = self.fleet.company(company)
            final = final_results(results, settings, stopped_early=False)
            document = company_document(self.config, settings, final, self.started_at, self.signer)
            self._early[company] = (final, document)
            # Written now too (a thousand files at the end were seconds of the run); the end of the run
            # writes it again only if it changed (a stopped run remakes every document).
            if self.fleet.json_dir is not None:
                write_json_atomically(self.fleet.json_dir / f"{company}.json", document)
                self._written[company] = document

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._count_selected(company_of_item(item) for item in session.items)
        self.snapshots.start_after_collection(session)
        self._freeze_what_lives_to_the_end()

    def _freeze_what_lives_to_the_end(self) -> None:
        # A large fleet's checks, and then its reports and documents, live until the run ends: the
        # cyclic collector walking them again and again only takes the GIL from the reads. Objects freed
        # by their count are still freed.
        if len(self.fleet.companies) >= LARGE_FLEET:
            gc.freeze()

    def _unfreeze(self) -> None:
        if len(self.fleet.companies) < LARGE_FLEET:
            return
        # A caller of pytest.main() in its own process gets its objects back to the collector. A
        # command-line run exits next: frozen again at exit, its last collection (seconds at a thousand
        # companies) is spared.
        gc.unfreeze()
        global _FREEZE_AT_EXIT
        if not _FREEZE_AT_EXIT:
            atexit.register(gc.freeze)
            _FREEZE_AT_EXIT = True

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Under xdist the controller collects nothing itself; every worker collects the same checks.
        if not self._selected:
            self._count_selected(company_of_nodeid(nodeid) for nodeid in ids)

    def _count_selected(self, companies: Iterable[str | None]) -> None:
        for company in companies:
            if company is not None:
                self._selected[company] = self._selected.get(company, 0) + 1

    def pytest_runtest_logfinish(self) -> None:
        # pytest keeps every passed setup and teardown report in the terminal's stats, under a key it never
        # shows ("setup/teardown reports have an empty key, ignore them"): two thirds of a fleet's reports.
        # (--durations reads them: the setup phase is where a check waits for its company's read.)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and getattr(self.config.option, "durations", None) is None:
            reporter.stats.pop("", None)

    # -- snapshots ------------------------------------------------------------------------------
    def check(self, request: pytest.FixtureRequest, param: CompanyRequirement) -> Check:
        """The ``intacct`` fixture of a fleet check: that company's settings and snapshot."""
        check = Check(BY_ID[param.requirement_id], self.fleet.company(param.company_id))
        request.node.stash[CHECK_KEY] = check
        if check.needs_intacct():
            check.prepare(self.snapshots.snapshot(request.session, param.company_id))
        return check

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> None:
        self.snapshots.start_before_collection()

    # -- hooks ----------------------------------------------------------------------------------
    def pytest_report_header(self) -> list[str]:
        fleet = self.fleet
        shard = f", shard {fleet.shard} of the {fleet.listed} listed" if fleet.shard else ""
        reads = (
            "from the recordings, no network"
            if fleet.mode == Mode.REPLAY
            else f"endpoint {fleet.companies[0].endpoint}, at most {fleet.concurrency} read at a time"
        )
        lines = [
            f"pex-intacct: fleet {shown(fleet.path.name)}: {len(fleet.companies)} companies{shard}, "
            f"mode {fleet.mode}, {reads}"
        ]
        if self.ignored_arguments:
            lines.append(
                "pex-intacct: --intacct-fleet runs only the bundled checks; ignoring "
                + " ".join(self.ignored_arguments)
            )
        return lines

    def pytest_unconfigure(self) -> None:
        self.snapshots.close()
        self._unfreeze()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.is_worker or self.config.option.collectonly:
            return
        stopped = stopped_early(session, exitstatus)
        if stopped:
            self.abandoned = self.snapshots.under_way
        # -k ACME checks ACME: a company none of whose checks ran is not part of this run's verdict,
        # unless the run stopped before reaching it.
        checked = [settings for settings in self.fleet.companies if stopped or settings.company_id in self.by_company]
        for settings in checked:
            company = settings.company_id
            early = self._early.get(company)
            if early is not None and not stopped:
                self.finals[company], self.documents[company] = early
            else:
                results = final_results(self.by_company.get(company, {}), settings, stopped)
                self.finals[company] = results
                self.documents[company] = company_document(self.config, settings, results, self.started_at, self.signer)
            baseline = self.fleet.baselines.get(company)
            if baseline is not None:
                self.drifts[company] = drift(baseline, self.documents[company])
                self.causes[company] = by_cause(self.drifts[company], baseline_taken_at(baseline))
        finished_at = utc_now()
        self.history = record_in_history(self.fleet, self.finals, self.started_at, finished_at)
        self.fleet_document = with_history(
            fleet_document(
                self.fleet, self.documents, self.finals, self.drifts, self.causes, self.started_at, finished_at
            ),
            self.history,
        )
        if self.fleet.json_dir is not None:
            for company, document in self.documents.items():
                if self._written.get(company) is not document:
                    write_json_atomically(self.fleet.json_dir / f"{company}.json", document)
            write_json_atomically(self.fleet.json_dir / FLEET_DOCUMENT, self.fleet_document)
        if exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            return
        accepted = bool(checked) and self.fleet_document["verdict"] == ACCEPTED
        session.exitstatus = pytest.ExitCode.OK if accepted else pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
        yield
        if self.is_worker or self.fleet_document is None:
            return
        write_fleet_summary(self, terminalreporter)
