"""Each company folded in a ``<details>``: a summary line, then what keeps it from being accepted.

The summary gives the company, its verdict, since when it fails and its counts. Inside, the rows
someone has to act on (failed, could not be verified, blocked, needs a person) show what Intacct
showed and where to fix it; what is met is one compact line per outcome. No customer banner (DRAFT,
"ask PEX to run the check again"): the page says once that a company's own document or report is
what goes on its ticket.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping

from ..verdict import BLOCKED, ERROR, FAILED, MANUAL, NOT_ACCEPTED
from .fleet_entries import company_anchor, company_id, failing_since, ordered_companies, text
from .markup import prose
from .wording import (
    attestation_lines,
    counts_text,
    display_text,
    outcome_tone,
    outcome_words,
    requirement_entries,
    verdict_words,
)

# Opened by default when this few companies are not accepted: each is then worth the screen.
OPEN_NOT_ACCEPTED_UP_TO = 3
_ACTED_ON = (FAILED, ERROR, BLOCKED, MANUAL)
_MET_LINES = (("passed", "Passed"), ("not-applicable", "Not applicable"), ("not-run", "Not run"))


def _acted_on(entry: Mapping[str, object]) -> bool:
    return display_text(entry.get("outcome")) in _ACTED_ON and not entry.get("attested_by")


def _row(entry: Mapping[str, object], same_as: str | None) -> str:
    outcome = display_text(entry.get("outcome"))
    observed = f"The same as {same_as}, above." if same_as else display_text(entry.get("observed"))
    if outcome == BLOCKED:
        # Fixing what blocked it is the remedy; its own remediation would send the reader the wrong way.
        fix = f"Fix {text(entry.get('blocked_by'))} first." if entry.get("blocked_by") else ""
    else:
        fix = (
            f'<div class="pex-where">{text(entry.get("where_to_fix"))}</div>'
            f'<div class="pex-remedy">{prose(entry.get("remediation"))}</div>'
        )
    return (
        f'<tr class="{outcome_tone(entry)}"><td><span class="pex-badge">{text(outcome_words(entry))}</span></td>'
        f'<td><div class="pex-title">{prose(entry.get("title"))}</div><div class="pex-id">{text(entry.get("id"))}'
        f'</div></td><td><div class="pex-raw">{text(observed)}</div></td><td>{fix}</td></tr>'
    )


def _rows(entries: list[Mapping[str, object]]) -> str:
    if not entries:
        return ""
    first_with: dict[str, str] = {}
    rows = []
    for entry in entries:
        observed = display_text(entry.get("observed"))
        same_as = None
        if display_text(entry.get("outcome")) == ERROR and observed:
            # One outage is told once: the rows after it point back to it.
            same_as = first_with.get(observed)
            first_with.setdefault(observed, display_text(entry.get("id")))
        rows.append(_row(entry, same_as))
    return (
        '<table class="pex-requirements"><colgroup><col class="c-outcome"><col class="c-requirement">'
        '<col class="c-observed"><col class="c-fix"></colgroup><thead><tr><th>Outcome</th><th>Requirement</th>'
        f"<th>What Intacct showed</th><th>Where to fix it</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _met(document: Mapping[str, object]) -> str:
    entries = requirement_entries(document)
    lines = []
    for outcome, words in _MET_LINES:
        ids = [display_text(entry.get("id")) for entry in entries if display_text(entry.get("outcome")) == outcome]
        if ids:
            lines.append(f"<li>{words}: {text(', '.join(ids), limit=2000)}</li>")
    attested = [entry for entry in entries if entry.get("attested_by")]
    # Who confirmed what, and until when: the register's words, as the company's own report gives them.
    lines += [f"<li>{text(line)}</li>" for line in attestation_lines({"requirements": attested})]
    return f'<ul class="pex-met">{"".join(lines)}</ul>' if lines else ""


def _digest(entry: Mapping[str, object]) -> str:
    digest = entry.get("digest")
    if not isinstance(digest, Mapping):
        return ""
    value = f"{display_text(digest.get('algorithm'))} {display_text(digest.get('value'))}"
    return f'<p class="pex-digest">Results document digest: <code>{text(value)}</code></p>'


def company_details(entry: Mapping[str, object], document: Mapping[str, object], opened: bool) -> str:
    company = company_id(entry)
    words = verdict_words(entry.get("verdict"))
    since = failing_since(entry)
    summary = (
        f'<summary><b>{text(company)}</b> <span class="pex-v {words.tone}">{html.escape(words.word)}</span>'
        + (f' · <span class="pex-since">{text(since)}</span>' if since else "")
        + f' · <span class="pex-n">{text(counts_text(document))}</span></summary>'
    )
    acted_on = [one for one in requirement_entries(document) if _acted_on(one)]
    return (
        f'<details class="pex-co {words.tone}" id="{html.escape(company_anchor(company))}"'
        f"{' open' if opened else ''}>{summary}{_rows(acted_on)}{_met(document)}{_digest(entry)}</details>"
    )


def companies_block(fleet: Mapping[str, object], documents: Mapping[str, Mapping[str, object]]) -> str:
    """A heading per verdict (not accepted first, with the counts), and each of its companies folded."""
    entries = [entry for entry in ordered_companies(fleet) if company_id(entry) in documents]
    not_accepted = sum(1 for entry in entries if entry.get("verdict") == NOT_ACCEPTED)
    opened = 0 < not_accepted <= OPEN_NOT_ACCEPTED_UP_TO
    tally = Counter(verdict_words(entry.get("verdict")).word for entry in entries)
    parts, heading = ['<section class="pex-list pex-companies"><h2>Each company</h2>'], None
    for entry in entries:
        words = verdict_words(entry.get("verdict"))
        if words.word != heading:
            heading = words.word
            same = tally[heading]
            parts.append(f"<h3>{text(heading.capitalize())} · {same} {'company' if same == 1 else 'companies'}</h3>")
        verdict_open = opened and entry.get("verdict") == NOT_ACCEPTED
        parts.append(company_details(entry, documents[company_id(entry)], verdict_open))
    parts.append("</section>")
    return "".join(parts)
