"""What changed since the baseline, told by cause: one line per company that changed, regressions first.

Each line names the requirement that changed first (``drift_cause``: its id, before → after) and
folds what followed from it under a ``<details>`` ("10 more: now blocked by it"). A ``_fleet.json``
written before ``drift_cause`` existed has only ``drift``, the full list, worst change first: its
first change stands as the cause then, and the rest are folded.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from ..verdict import BLOCKED
from .fleet_entries import company_id, company_link, day, failing_since, ordered_companies, text
from .markup import SECTION_ID
from .wording import display_text

DRIFT_ID = f"{SECTION_ID}-drift"


@dataclass(frozen=True)
class Change:
    requirement_id: str
    before: str
    after: str
    regression: bool
    blocked_by: str = ""


@dataclass(frozen=True)
class CompanyChange:
    entry: Mapping[str, object]
    cause: Change
    folded: tuple[Change, ...]
    since: str


def _change(value: Mapping[str, object]) -> Change:
    return Change(
        display_text(value.get("id")),
        display_text(value.get("before")),
        display_text(value.get("after")),
        value.get("regression") is True,
        display_text(value.get("blocked_by")),
    )


def _mappings(value: object) -> list[Mapping[str, object]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def company_change(entry: Mapping[str, object]) -> CompanyChange | None:
    """The company's change by cause, or None when nothing changed (or there was no baseline)."""
    cause = entry.get("drift_cause")
    if isinstance(cause, Mapping):
        folded = tuple(_change(item) for item in _mappings(cause.get("folded")))
        return CompanyChange(entry, _change(cause), folded, display_text(cause.get("since")))
    if "drift_cause" in entry:
        return None
    changes = [_change(item) for item in _mappings(entry.get("drift"))]
    return CompanyChange(entry, changes[0], tuple(changes[1:]), "") if changes else None


def has_baseline(fleet: Mapping[str, object], entries: list[Mapping[str, object]]) -> bool:
    return isinstance(fleet.get("baseline"), Mapping) or any(
        "drift_cause" in entry or "drift" in entry for entry in entries
    )


def _words(change: Change) -> str:
    return f"{text(change.requirement_id)} {text(change.before)} → {text(change.after)}"


def _folded(cause: Change, folded: tuple[Change, ...]) -> str:
    if not folded:
        return ""
    by_cause = all(one.after == BLOCKED and one.blocked_by == cause.requirement_id for one in folded)
    summary = f"{len(folded)} more: now blocked by it" if by_cause else f"{len(folded)} more changed"
    items = "".join(
        f'<li class="{"bad" if one.regression else "good"}">{_words(one)}'
        + (f" (blocked by {text(one.blocked_by)})" if one.blocked_by and not by_cause else "")
        + "</li>"
        for one in folded
    )
    return f"<details><summary>{summary}</summary><ul>{items}</ul></details>"


def _line(change: CompanyChange, baseline_day: str) -> str:
    cause = change.cause
    notes = []
    if cause.regression:
        notes.append('<span class="pex-tag bad">regression</span>')
    since = failing_since(change.entry)
    if since:
        notes.append(f'<span class="pex-since">{text(since)}</span>')
    if change.since and day(change.since) != baseline_day:
        # A company compared with an older (or newer) document than the fleet's baseline says so.
        notes.append(f'<span class="pex-since">compared with its run of {text(day(change.since))}</span>')
    return (
        f'<li class="{"bad" if cause.regression else "good"}">{company_link(company_id(change.entry))} '
        f"<b>{text(cause.requirement_id)}</b> {text(cause.before)} → {text(cause.after)} "
        f"{' '.join(notes)} {_folded(cause, change.folded)}</li>"
    )


def baseline_words(fleet: Mapping[str, object]) -> str:
    """ "the baseline signed-off/ of 2026-11-01", or "" when the summary names none."""
    baseline = fleet.get("baseline")
    if not isinstance(baseline, Mapping):
        return ""
    taken = baseline.get("taken_at")
    of = f" of {day(taken)}" if taken else " (its date unknown)"
    if baseline.get("source") == "history":
        return f"the last run in the history {display_text(baseline.get('name'))}{of}"
    return f"the baseline {display_text(baseline.get('name'))}{of}"


def changes_block(fleet: Mapping[str, object]) -> str:
    """Regressions first, then improvements; "" when the run had no baseline."""
    entries = ordered_companies(fleet)
    if not has_baseline(fleet, entries):
        return ""
    baseline = fleet.get("baseline")
    baseline_day = day(baseline.get("taken_at")) if isinstance(baseline, Mapping) else ""
    changed = [change for entry in entries if (change := company_change(entry)) is not None]
    since = baseline_words(fleet)
    heading = f"<h2>Changed since {text(since) if since else 'the baseline'}</h2>"
    if not changed:
        return f'<section class="pex-list pex-changes">{heading}<p>No requirement changed outcome.</p></section>'
    groups = []
    for regression, title in ((True, "Regressions"), (False, "Improvements and other changes")):
        lines = [_line(change, baseline_day) for change in changed if change.cause.regression is regression]
        if lines:
            noun = "company" if len(lines) == 1 else "companies"
            groups.append(f"<h3>{title} · {len(lines)} {noun}</h3><ul>{''.join(lines)}</ul>")
    return (
        f'<section class="pex-list pex-changes">{heading}'
        f'<div id="{html.escape(DRIFT_ID)}">{"".join(groups)}</div></section>'
    )
