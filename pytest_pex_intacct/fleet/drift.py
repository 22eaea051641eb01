"""Drift: which requirements of a company changed outcome since an earlier run's results document.

Plain data in, plain data out (no pytest): the terminal, ``fleet.json`` and the report show the same list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..requirements import CATALOGUE
from ..verdict import Outcome

_ORDER = {requirement.id: index for index, requirement in enumerate(CATALOGUE)}
# How far an outcome is from "met", to tell a regression from an improvement. not-run says nothing
# about the company (deselected, or the run stopped), so a change to or from it is never a regression.
_DISTANCE: dict[str, int] = {
    Outcome.PASSED: 0,
    Outcome.NOT_APPLICABLE: 0,
    Outcome.MANUAL: 1,
    Outcome.BLOCKED: 2,
    Outcome.ERROR: 2,
    Outcome.FAILED: 3,
}


@dataclass(frozen=True)
class Drift:
    requirement_id: str
    before: str
    after: str

    @property
    def regression(self) -> bool:
        """Worse than before: e.g. passed → failed, or passed → error (no longer verified)."""
        before, after = _DISTANCE.get(self.before), _DISTANCE.get(self.after)
        return before is not None and after is not None and after > before

    def to_json(self) -> dict[str, object]:
        return {"id": self.requirement_id, "before": self.before, "after": self.after, "regression": self.regression}

    def __str__(self) -> str:
        return f"{self.requirement_id}: {self.before} -> {self.after}" + (" (regression)" if self.regression else "")


def _outcomes(document: Mapping[str, object]) -> dict[str, str]:
    entries = document.get("requirements")
    if not isinstance(entries, list):
        return {}
    return {str(entry["id"]): str(entry["outcome"]) for entry in entries if isinstance(entry, Mapping)}


def drift(before: Mapping[str, object], after: Mapping[str, object]) -> list[Drift]:
    """Every requirement whose outcome differs, regressions first (the worst first), then the other changes;
    each group in the guide's order."""
    old, new = _outcomes(before), _outcomes(after)
    changes = [
        Drift(requirement_id, old[requirement_id], outcome)
        for requirement_id, outcome in new.items()
        if requirement_id in old and old[requirement_id] != outcome
    ]
    return sorted(
        changes,
        key=lambda change: (
            not change.regression,
            -_DISTANCE.get(change.after, 0) if change.regression else 0,
            _ORDER.get(change.requirement_id, len(_ORDER)),  # type: ignore[call-overload]
        ),
    )
