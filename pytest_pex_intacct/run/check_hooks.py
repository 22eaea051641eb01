"""The hooks every run of the bundled checks shares, single company or fleet: parametrize each check,
order them, keep a company's checks on one xdist worker, and turn each test's report into its
requirement's outcome. What differs between the runs comes from their :class:`RunShape`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any, Protocol

import pytest

from ..requirements import BY_ID, MARKER, Requirement
from ..verdict import ERROR, FAILED, PROP_OUTCOME, PROP_REQUIREMENT, RequirementResult
from .check import Check
from .outcomes import failure_text, outcome_of, requirement_of_item, user_property

CHECK_KEY = pytest.StashKey[Check]()


class RunShape(Protocol):
    """What a kind of run (one company, a fleet) decides for the shared hooks."""

    def parametrize(self, metafunc: pytest.Metafunc, requirement: Requirement) -> None:
        """Parametrize the ``intacct`` fixture of one check (the test id carries the requirement id)."""

    def order_key(self, item: pytest.Item, requirement: Requirement) -> tuple[Any, ...]:
        """Where the check runs among the others."""

    def properties(self, item: pytest.Item) -> list[tuple[str, object]]:
        """User properties of a check beyond its requirement's."""

    def xdist_scope(self, nodeid: str) -> str:
        """The checks of one scope go to one xdist worker: one company's snapshot is taken once."""

    @property
    def shares_up_front(self) -> bool:
        """Whether xdist workers are sent their whole share of the scopes at once (``xdist_scheduling``)."""

    def terminal_words(self, outcome: str) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        """How the terminal counts and marks a check of this outcome (pytest's own words when None)."""

    def explained(self, item: pytest.Item) -> dict[str, str]:
        """The errors already shown in full, by their text, for the item's company."""

    def keep(self, report: pytest.TestReport, result: RequirementResult) -> None:
        """A requirement's outcome as the controller learns it."""


class CheckHooks:
    def __init__(self, shape: RunShape) -> None:
        self.shape = shape

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        marker = metafunc.definition.get_closest_marker(MARKER)
        if marker is None or "intacct" not in metafunc.fixturenames:
            return
        requirement_id = str(marker.args[0]) if marker.args else ""
        if requirement_id not in BY_ID:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown requirement id {requirement_id!r}")
        self.shape.parametrize(metafunc, BY_ID[requirement_id])

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        ours = [(item, requirement) for item in items if (requirement := requirement_of_item(item)) is not None]
        ours.sort(key=lambda pair: self.shape.order_key(*pair))
        items[:] = [item for item, _ in ours] + [item for item in items if requirement_of_item(item) is None]
        for item, requirement in ours:
            item.user_properties.extend(
                [
                    (PROP_REQUIREMENT, requirement.id.value),
                    ("guide_step", requirement.step),
                    ("where_to_fix", requirement.where),
                    ("remediation", requirement.remediation),
                    *self.shape.properties(item),
                ]
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under xdist, every check of one company goes to one worker, so its snapshot is taken once."""
        from .xdist_scheduling import make_scheduler

        return make_scheduler(config, log, self.shape.xdist_scope, self.shape.shares_up_front)

    # -- one test → one requirement outcome (runs where the test runs) ------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        requirement = requirement_of_item(item)
        check = item.stash.get(CHECK_KEY, None)
        if report.when == "teardown" and check is not None:
            # The check is done with its company's facts (a fleet keeps its items, and their stashes, to
            # the end: a thousand companies' snapshots otherwise).
            check.snapshot = None
        if requirement is None or report.when == "teardown":
            return report
        result = outcome_of(requirement, report, call, check)
        if result is None:
            return report
        if check is not None and check.leftovers:
            result = dataclasses.replace(result, leftovers=check.leftovers)
        properties = result.properties()
        report.user_properties.extend(properties)
        # JUnit XML takes properties from the teardown report, which copies the item's (the same tuples:
        # twelve thousand checks hold them three times over).
        item.user_properties.extend(properties)
        if result.outcome == FAILED:
            report.longrepr = failure_text(requirement, result, call)
        elif result.outcome == ERROR:
            first = self.shape.explained(item).setdefault(result.observed, requirement.id)
            report.longrepr = (
                f"{requirement.id} could not be verified (error, not the company's setup): {result.observed}"
                if first == requirement.id
                else f"{requirement.id} could not be verified: the same error as {first}, shown above"
            )
        return report

    def pytest_report_teststatus(
        self, report: pytest.TestReport | pytest.CollectReport
    ) -> tuple[str, str, object] | None:
        outcome = user_property(report, PROP_OUTCOME)
        if outcome is not None and getattr(report, "when", None) in ("setup", "call"):
            return self.shape.terminal_words(outcome)
        return None

    # -- controller: gather -----------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from ..verdict import result_from_properties

        # A teardown report only repeats the outcome: it copies the item's properties (for JUnit XML).
        if report.when == "teardown":
            return
        requirement_id = user_property(report, PROP_REQUIREMENT)
        if requirement_id not in BY_ID:
            return
        result = result_from_properties(BY_ID[requirement_id], report.user_properties)
        if result is not None:
            self.shape.keep(report, result)
