"""The company-by-requirement matrix: a row per company (failures first), a one-character cell per outcome.

Compact because it is a thousand rows: a cell is its mark and a one-letter colour class, and only a
cell that is not met carries a title (the requirement and the outcome in words). Past
``FOLD_ACCEPTED_OVER`` accepted companies, their rows (every requirement met) are folded under one
line, so the rows that need someone come first and stay on screen.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ..verdict import ACCEPTED, MANUAL, NOT_APPLICABLE, PASSED
from .fleet_entries import company_id, company_link, day, ordered_companies, text
from .markup import SECTION_ID
from .wording import OUTCOME_WORDS, display_text, requirement_entries, verdict_words

# The element verify tells a fleet page by (a single report has none).
MATRIX_ID = f"{SECTION_ID}-matrix"
FOLD_ACCEPTED_OVER = 20
CELL_MARKS = {
    "passed": "✓",
    "failed": "✗",
    "blocked": "B",
    "error": "E",
    "not-applicable": "n/a",
    "manual": "M",
    "not-run": "-",
}
# A tone's one-letter class (fleet.css): good, bad, warn, quiet.
TONE_CLASS = {"good": "g", "bad": "b", "warn": "w", "quiet": "q"}
LEGEND = (
    "✓ passed · ✗ failed · B blocked · E could not be verified · M needs a person · A confirmed by a person · "
    "n/a not applicable · - not run"
)


def _cell(requirement_id: str, entry: Mapping[str, object] | None) -> str:
    if entry is None:
        return '<td class="q">·</td>'
    outcome = display_text(entry.get("outcome"))
    words, tone = OUTCOME_WORDS.get(outcome, (outcome, "quiet"))
    mark = CELL_MARKS.get(outcome, "?")
    if outcome == MANUAL and entry.get("attested_by"):
        words, tone, mark = "Confirmed by a person", "good", "A"
    if outcome in (PASSED, NOT_APPLICABLE) or tone == "good":
        # Met: a thousand rows of these, so the legend says what the mark means, not a title per cell.
        return f'<td class="{TONE_CLASS.get(tone, "q")}">{html.escape(mark)}</td>'
    title = html.escape(f"{requirement_id}: {words}")
    return f'<td class="{TONE_CLASS.get(tone, "q")}" title="{title}">{html.escape(mark)}</td>'


def requirement_ids(documents: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Every requirement any company's document has, in the order they first appear (the guide's)."""
    seen: dict[str, None] = {}
    for document in documents.values():
        for entry in requirement_entries(document):
            seen.setdefault(display_text(entry.get("id")), None)
    return list(seen)


def _row(entry: Mapping[str, object], document: Mapping[str, object], columns: list[str], since: bool) -> str:
    by_id = {display_text(one.get("id")): one for one in requirement_entries(document)}
    words = verdict_words(entry.get("verdict"))
    failing = day(entry.get("failing_since")) if entry.get("failing_since") else ""
    since_cell = f"<td>{text(failing)}</td>" if since else ""
    return (
        f'<tr><th>{company_link(company_id(entry))}</th><td class="{TONE_CLASS.get(words.tone, "w")} pex-v">'
        f"{html.escape(words.word.lower())}</td>{since_cell}"
        + "".join(_cell(column, by_id.get(column)) for column in columns)
        + "</tr>"
    )


def _table(rows: list[str], columns: list[str], since: bool) -> str:
    head = "".join(f'<th class="pex-col">{text(column)}</th>' for column in columns)
    since_head = "<th>Failing since</th>" if since else ""
    return (
        f'<table class="pex-matrix"><thead><tr><th>Company</th><th>Verdict</th>{since_head}{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def matrix_block(fleet: Mapping[str, object], documents: Mapping[str, Mapping[str, object]]) -> str:
    columns = requirement_ids(documents)
    entries = ordered_companies(fleet)
    since = any(entry.get("failing_since") for entry in entries)
    rows = [(entry, _row(entry, documents.get(company_id(entry), {}), columns, since)) for entry in entries]
    accepted = [row for entry, row in rows if display_text(entry.get("verdict")) == ACCEPTED]
    shown_rows = [row for entry, row in rows if display_text(entry.get("verdict")) != ACCEPTED]
    folded = ""
    if len(accepted) > FOLD_ACCEPTED_OVER:
        folded = (
            f'<details class="pex-accepted"><summary>{len(accepted)} accepted companies, every requirement met'
            f"</summary>{_table(accepted, columns, since)}</details>"
        )
    else:
        shown_rows += accepted
    table = _table(shown_rows, columns, since) if shown_rows else ""
    return (
        f'<section class="pex-list" id="{MATRIX_ID}"><h2>Every company, every requirement</h2>'
        f'{table}{folded}<p class="pex-legend">{LEGEND}</p></section>'
    )
