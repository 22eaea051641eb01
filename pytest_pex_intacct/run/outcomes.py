"""One test → one requirement outcome: what a bundled check's report says, in the catalogue's terms.

Pure functions over pytest's reports; the hooks that call them are in ``check_hooks.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from ..outside_text import shown
from ..requirements import BY_ID, CATALOGUE, MARKER, Requirement
from ..verdict import (
    BLOCKED,
    ERROR,
    FAILED,
    MANUAL,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
    RequirementResult,
    utc_text,
)

if TYPE_CHECKING:
    from .check import Check

# The guide's order: reports, documents and the terminal list requirements in it.
CATALOGUE_ORDER = {requirement.id: index for index, requirement in enumerate(CATALOGUE)}
TERMINAL_WORDS: dict[str, tuple[str, str, tuple[str, dict[str, bool]]]] = {
    BLOCKED: ("blocked", "b", ("BLOCKED", {"yellow": True})),
    NOT_APPLICABLE: ("not-applicable", "n", ("NOT APPLICABLE", {"yellow": True})),
    MANUAL: ("manual", "m", ("MANUAL", {"yellow": True})),
    NOT_RUN: ("not-run", "-", ("NOT RUN", {"yellow": True})),
    ERROR: ("error", "E", ("ERROR", {"red": True})),
}


def utc_now() -> str:
    return utc_text(datetime.now(UTC))


def assertion_line(call: pytest.CallInfo[None]) -> str:
    """The check body's failed assertion, as written and as pytest evaluated it."""
    if call.excinfo is None or not call.excinfo.errisinstance(AssertionError):
        return ""
    lines = str(call.excinfo.value).splitlines()
    evaluated = next((line.strip() for line in lines if line.strip().startswith("assert ")), "")
    try:
        written = " ".join(str(call.excinfo.traceback[-1].statement).split())
    except (IndexError, OSError):
        written = ""
    if written and evaluated and written != evaluated:
        return f"{written}  (evaluated: {evaluated})"
    return written or evaluated


def requirement_of_item(item: pytest.Item) -> Requirement | None:
    marker = item.get_closest_marker(MARKER)
    if marker is None or not marker.args:
        return None
    return BY_ID.get(str(marker.args[0]))


def user_property(report: pytest.TestReport | pytest.CollectReport, name: str) -> str | None:
    for key, value in getattr(report, "user_properties", ()):
        if key == name:
            return str(value)
    return None


def describe_exception(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    from .check import RequirementUnverified

    if isinstance(excinfo.value, RequirementUnverified):
        return str(excinfo.value)
    return f"internal error in the check ({excinfo.typename}: {excinfo.value}); please report it"


def outcome_of(
    requirement: Requirement, report: pytest.TestReport, call: pytest.CallInfo[None], check: Check | None
) -> RequirementResult | None:
    """The requirement's outcome from one phase's report; None when this phase decides nothing."""
    observed = check.observed if check else ""
    if report.skipped and check is not None and check.decided is not None:
        return check.decided
    if report.skipped:
        return RequirementResult(requirement, NOT_APPLICABLE, observed=str(call.excinfo.value) if call.excinfo else "")
    if report.failed and call.excinfo is not None:
        if report.when == "call" and call.excinfo.errisinstance(AssertionError):
            message = str(call.excinfo.value).split("\n")[0]
            return RequirementResult(requirement, FAILED, observed=observed or message)
        return RequirementResult(requirement, ERROR, observed=describe_exception(call.excinfo))
    if report.when == "call" and report.passed:
        return RequirementResult(requirement, PASSED, observed=observed)
    return None


def failure_text(requirement: Requirement, result: RequirementResult, call: pytest.CallInfo[None]) -> str:
    """What a failed requirement's report shows: what Intacct showed, the check, where and how to fix it."""
    # pytest's evaluation quotes the fact's values, the customer's data among them.
    judged = shown(assertion_line(call))
    return (
        f"{requirement.id} failed: {requirement.title} ({requirement.step} of the setup guide)\n"
        f"  observed:     {result.observed or '(nothing recorded)'}\n"
        + (f"  check:        {judged}\n" if judged else "")
        + f"  where to fix: {requirement.where}\n"
        f"  remediation:  {requirement.remediation}"
    )
