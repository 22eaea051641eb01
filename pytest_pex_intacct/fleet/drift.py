"""Drift: which requirements of a company changed outcome since an earlier run's results document,
and the one change that explains the others (its cause).

Plain data in, plain data out (no pytest): the terminal, ``_fleet.json`` and the page show the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..requirements import CATALOGUE
from ..verdict import Outcome

_ORDER: dict[str, int] = {str(requirement.id): index for index, requirement in enumerate(CATALOGUE)}
# A manual requirement a person attested is met; once the attestation expires it is manual again, and
# the company no longer accepted: a change drift tells, though the outcome stays "manual".
ATTESTED = "manual (attested)"
# How far an outcome is from "met", to tell a regression from an improvement. not-run says nothing
# about the company (deselected, or the run stopped), so a change to or from it is never a regression.
_DISTANCE: dict[str, int] = {
    Outcome.PASSED: 0,
    Outcome.NOT_APPLICABLE: 0,
    ATTESTED: 0,
    Outcome.MANUAL: 1,
    Outcome.BLOCKED: 2,
    Outcome.ERROR: 2,
    Outcome.FAILED: 3,
}
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# Folded changes named one by one in a drift line before the rest are only counted.
_NAMED_IN_LINE = 3


@dataclass(frozen=True)
class Drift:
    requirement_id: str
    before: str
    after: str
    # For a change to blocked: the requirement that blocks it now (from the new document).
    blocked_by: str | None = None

    @property
    def regression(self) -> bool:
        """Worse than before: e.g. passed → failed, or passed → error (no longer verified)."""
        before, after = _DISTANCE.get(self.before), _DISTANCE.get(self.after)
        return before is not None and after is not None and after > before

    def to_json(self) -> dict[str, object]:
        return {"id": self.requirement_id, "before": self.before, "after": self.after, "regression": self.regression}

    def __str__(self) -> str:
        return f"{self.requirement_id}: {self.before} -> {self.after}" + (" (regression)" if self.regression else "")


@dataclass(frozen=True)
class CompanyDrift:
    """A company's changes told by cause: the first change that is not the consequence of another, and
    the rest folded under it (a de-authorized sender is one change, not eleven)."""

    cause: Drift
    folded: tuple[Drift, ...]
    # When the company's baseline was taken (its started_at), if it says.
    since: str | None

    @property
    def regression(self) -> bool:
        return self.cause.regression or any(change.regression for change in self.folded)

    def line(self) -> str:
        """``STEP2-SENDER-AUTHORIZED: passed -> failed (regression) since 2026-12-05; with it: 10 now blocked by it``"""
        text = str(self.cause)
        if self.since:
            text += f" since {self.since[:10]}"
        cause_id = self.cause.requirement_id
        blocked_by_cause = [c for c in self.folded if c.after == Outcome.BLOCKED and c.blocked_by == cause_id]
        others = [change for change in self.folded if change not in blocked_by_cause]
        parts = [f"{len(blocked_by_cause)} now blocked by it"] if blocked_by_cause else []
        parts += [str(change) for change in others[:_NAMED_IN_LINE]]
        if len(others) > _NAMED_IN_LINE:
            parts.append(f"{len(others) - _NAMED_IN_LINE} more changed")
        return text + (f"; with it: {', '.join(parts)}" if parts else "")

    def to_json(self) -> dict[str, object]:
        return {
            **self.cause.to_json(),
            "since": self.since,
            "folded": [{**change.to_json(), "blocked_by": change.blocked_by} for change in self.folded],
        }


def _entries(document: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    entries = document.get("requirements")
    if not isinstance(entries, list):
        return {}
    return {str(entry["id"]): entry for entry in entries if isinstance(entry, Mapping)}


def _outcome(entry: Mapping[str, object]) -> str:
    outcome = str(entry.get("outcome"))
    return ATTESTED if outcome == Outcome.MANUAL and entry.get("attested_by") else outcome


def _guide_order(change: Drift) -> int:
    return _ORDER.get(change.requirement_id, len(_ORDER))


def drift(before: Mapping[str, object], after: Mapping[str, object]) -> list[Drift]:
    """Every requirement whose outcome differs, regressions first (the worst first), then the other changes;
    each group in the guide's order."""
    old, new = _entries(before), _entries(after)
    changes = []
    for requirement_id, entry in new.items():
        outcome = _outcome(entry)
        if requirement_id in old and _outcome(old[requirement_id]) != outcome:
            blocked_by = entry.get("blocked_by")
            changes.append(
                Drift(
                    requirement_id,
                    _outcome(old[requirement_id]),
                    outcome,
                    blocked_by if isinstance(blocked_by, str) else None,
                )
            )
    return sorted(
        changes,
        key=lambda change: (
            not change.regression,
            -_DISTANCE.get(change.after, 0) if change.regression else 0,
            _guide_order(change),
        ),
    )


def by_cause(changes: list[Drift], since: str | None = None) -> CompanyDrift | None:
    """The changes told by cause, or None when nothing changed.

    The cause is the first change in the guide's order that is not now blocked (a blocked requirement
    names what blocks it, which changed too; when every change is to blocked, the first of them), among
    the regressions when there are any: a customer who fixed one thing and broke a later one has a
    regression to act on, not an improvement with something folded under it.
    """
    if not changes:
        return None
    in_order = sorted(changes, key=_guide_order)
    candidates = [change for change in in_order if change.regression] or in_order
    cause = next((change for change in candidates if change.after != Outcome.BLOCKED), candidates[0])
    # Regressions first among the rest, so that a drift line never counts one among "more changed".
    folded = sorted((change for change in in_order if change is not cause), key=lambda c: not c.regression)
    return CompanyDrift(cause, tuple(folded), since)


def baseline_taken_at(document: Mapping[str, object]) -> str | None:
    """When a baseline document's run started, as it says (only a plain UTC timestamp is believed)."""
    started = document.get("started_at")
    if isinstance(started, str) and _TIMESTAMP.fullmatch(started):
        return started
    return None
