"""The fleet report page (``--intacct-fleet`` with ``--html``), rendered from ``fleet.json`` and the
per-company documents alone (no pytest).

It opens with the company-by-requirement matrix (a coloured cell per outcome, a row per company,
companies that failed first) and the drift since the baseline, then gives each company its own
section, rendered by ``blocks.py`` exactly as a single-company report renders it (verdict, sign-off,
requirements by guide step). It is PEX's overview of the fleet: what goes on a customer's ticket
is that company's signed document or its own single-company report, which ``verify`` checks.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ..verdict import ACCEPTED, INCOMPLETE, NOT_ACCEPTED
from .blocks import requirements_block, signoff_block, verdict_block
from .markup import SECTION_ID, escaped
from .stylesheets import FLEET_CSS, PAGE_CSS, style_element
from .wording import OUTCOME_WORDS, display_text, requirement_entries, verdict_words

# The matrix's cell text: short, so a hundred rows stay readable; the title attribute spells it out.
CELL_MARKS = {
    "passed": "✓",
    "failed": "✗",
    "blocked": "B",
    "error": "E",
    "not-applicable": "n/a",
    "manual": "M",
    "not-run": "-",
}
# Failures first, then what could not be confirmed, then the accepted.
_VERDICT_ORDER: dict[str, int] = {NOT_ACCEPTED: 0, INCOMPLETE: 1, ACCEPTED: 2}
# The matrix's element id: only a fleet page has one, so ``verify`` tells a fleet page by it.
MATRIX_ID = f"{SECTION_ID}-matrix"


def company_anchor(company: str) -> str:
    return f"{SECTION_ID}-company-{company}"


def fleet_title(fleet: Mapping[str, object]) -> str:
    companies = _companies(fleet)
    return (
        f"Fleet of {len(companies)} companies: {verdict_words(fleet.get('verdict')).word}"
        " · PEX Sage Intacct fleet report"
    )


def _companies(fleet: Mapping[str, object]) -> list[Mapping[str, object]]:
    entries = fleet.get("companies")
    return [entry for entry in entries if isinstance(entry, Mapping)] if isinstance(entries, list) else []


def ordered_companies(fleet: Mapping[str, object]) -> list[Mapping[str, object]]:
    """Companies that failed first, then incomplete ones, then accepted ones; by id within each."""
    return sorted(
        _companies(fleet),
        key=lambda entry: (
            _VERDICT_ORDER.get(display_text(entry.get("verdict")), 1),
            display_text(entry.get("company")),
        ),
    )


def _cell(entry: Mapping[str, object] | None) -> str:
    if entry is None:
        return '<td class="pex-cell quiet">·</td>'
    outcome = display_text(entry.get("outcome"))
    words, tone = OUTCOME_WORDS.get(outcome, (outcome, "quiet"))
    mark = CELL_MARKS.get(outcome, "?")
    if outcome == "manual" and entry.get("attested_by"):
        words, tone, mark = "Confirmed by a person", "good", "A"
    title = f"{display_text(entry.get('id'))}: {words}"
    return f'<td class="pex-cell {tone}" title="{html.escape(title)}">{html.escape(mark)}</td>'


def _matrix(fleet: Mapping[str, object], documents: Mapping[str, Mapping[str, object]]) -> str:
    requirement_ids: list[str] = []
    for document in documents.values():
        for entry in requirement_entries(document):
            if display_text(entry.get("id")) not in requirement_ids:
                requirement_ids.append(display_text(entry.get("id")))
    head = "".join(f'<th class="pex-col">{html.escape(requirement_id)}</th>' for requirement_id in requirement_ids)
    rows = []
    for company_entry in ordered_companies(fleet):
        company = display_text(company_entry.get("company"))
        document = documents.get(company, {})
        by_id = {display_text(entry.get("id")): entry for entry in requirement_entries(document)}
        words = verdict_words(company_entry.get("verdict"))
        rows.append(
            f'<tr><td class="pex-company"><a href="#{html.escape(company_anchor(company))}">{html.escape(company)}</a>'
            f'</td><td class="pex-cell {words.tone}">{html.escape(words.word)}</td>'
            + "".join(_cell(by_id.get(requirement_id)) for requirement_id in requirement_ids)
            + "</tr>"
        )
    return (
        '<section class="pex-list"><h2>Every company, every requirement</h2>'
        f'<table class="pex-matrix" id="{MATRIX_ID}"><thead><tr><th>Company</th><th>Verdict</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p>✓ passed · ✗ failed · B blocked · E could not be verified · M needs a person · A confirmed by a person · "
        "n/a not applicable · "
        "- not run</p></section>"
    )


def _drift_block(fleet: Mapping[str, object]) -> str:
    lines = []
    for company_entry in ordered_companies(fleet):
        changes = company_entry.get("drift")
        if not isinstance(changes, list):
            continue
        company = display_text(company_entry.get("company"))
        for change in changes:
            if isinstance(change, Mapping):
                mark = " (regression)" if change.get("regression") else ""
                lines.append(
                    f'<li class="{"bad" if mark else "warn"}">{html.escape(company)} '
                    f"{escaped(change.get('id'))}: {escaped(change.get('before'))} → "
                    f"{escaped(change.get('after'))}{mark}</li>"
                )
    if not any("drift" in entry for entry in _companies(fleet)):
        return ""
    body = f'<ul id="pex-intacct-drift">{"".join(lines)}</ul>' if lines else "<p>No requirement changed outcome.</p>"
    return f'<section class="pex-list"><h2>Changed since the baseline</h2>{body}</section>'


def _header(fleet: Mapping[str, object]) -> str:
    words = verdict_words(fleet.get("verdict"))
    companies = _companies(fleet)
    tally = ", ".join(
        f"{sum(1 for entry in companies if entry.get('verdict') == verdict)} {verdict_words(verdict).word.lower()}"
        for verdict in (ACCEPTED, NOT_ACCEPTED, INCOMPLETE)
        if any(entry.get("verdict") == verdict for entry in companies)
    )
    shard = f" · shard {escaped(fleet.get('shard'))}" if fleet.get("shard") else ""
    return (
        f'<header class="pex-verdict {words.tone}"><p class="pex-kicker">PEX Sage Intacct fleet report{shard}</p>'
        f'<h1 class="pex-headline">{len(companies)} companies <span class="pex-word">{html.escape(words.word)}</span>'
        f'</h1><p class="pex-counts">{html.escape(tally)} · checked {escaped(fleet.get("finished_at"))} UTC, '
        f"mode {escaped(fleet.get('mode'))}</p></header>"
    )


def _company_section(company: str, document: Mapping[str, object], fleet_entry: Mapping[str, object]) -> str:
    digest = fleet_entry.get("digest")
    digest_text = (
        f"{display_text(digest.get('algorithm'))} {display_text(digest.get('value'))}"
        if isinstance(digest, Mapping)
        else "none"
    )
    inner = (
        verdict_block(document)
        + signoff_block(document)
        + requirements_block(document)
        + f'<p class="pex-appendix">Results document digest: <code>{html.escape(digest_text)}</code></p>'
    )
    # blocks.py names its elements for a page with one company; here each company's names are its own.
    inner = inner.replace(f'id="{SECTION_ID}-', f'id="{SECTION_ID}-{html.escape(company)}-')
    return f'<section class="pex-fleet-company" id="{html.escape(company_anchor(company))}">{inner}</section>'


def render_fleet_summary(fleet: Mapping[str, object], documents: Mapping[str, Mapping[str, object]]) -> str:
    """The whole fleet page: header, drift, matrix, then a section per company (in the matrix's order)."""
    sections = [
        _company_section(display_text(entry.get("company")), documents[display_text(entry.get("company"))], entry)
        for entry in ordered_companies(fleet)
        if display_text(entry.get("company")) in documents
    ]
    return "".join(
        [
            f'<section id="{SECTION_ID}">',
            style_element(PAGE_CSS),
            style_element(FLEET_CSS),
            _header(fleet),
            _drift_block(fleet),
            _matrix(fleet, documents),
            *sections,
            "</section>",
        ]
    )
