"""The blocks of a company's page that the fleet page repeats: the verdict, the sign-off and the requirements.

Each is a pure function of the results document, with every text escaped (see ``markup``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ..verdict import ERROR, STALE_RECORDING_DAYS
from .markup import SECTION_ID, escaped, field, item_list, prose
from .wording import (
    attestation_lines,
    counts_text,
    display_text,
    grouped,
    outcome_tone,
    outcome_words,
    plain_words,
    verdict_words,
)


def _draft_kicker(document: Mapping[str, object]) -> str:
    # A draft's verdict reads as final at a glance; the mark above it says it is not (yet).
    return "" if document.get("signoff") else ' · <strong class="pex-draft-kicker">draft, not signed off</strong>'


def verdict_block(document: Mapping[str, object]) -> str:
    """The company, its verdict (the loudest line of the page), what happens next and the counts."""
    words = verdict_words(document.get("verdict"))
    return (
        f'<header class="pex-verdict {words.tone}">'
        f'<p class="pex-kicker">PEX Sage Intacct acceptance report{_draft_kicker(document)}</p>'
        f'<h1 class="pex-headline">{field("span", "company", display_text(document.get("company")))} '
        f"{field('span', 'verdict', words.word, 'pex-word')}</h1>"
        f"{field('p', 'verdict-meaning', words.next_step, 'pex-next')}"
        f"{field('p', 'counts', counts_text(document), 'pex-counts')}"
        f"{_stale_recording(document)}"
        "</header>"
    )


def _stale_recording(document: Mapping[str, object]) -> str:
    """Beside the verdict: a replay of a recording older than a month shows the company as it was then."""
    age = document.get("recording_age_days")
    if document.get("mode") != "replay" or not isinstance(age, int) or age <= STALE_RECORDING_DAYS:
        return ""
    return field(
        "p",
        "stale-recording",
        f"This replays a recording made {age} days ago: it shows the company as it was then. Record the "
        "company again before a customer signs off on it.",
        "pex-stale",
    )


def _when_checked(document: Mapping[str, object]) -> list[str]:
    finished = display_text(document.get("finished_at"))
    if document.get("mode") != "replay":
        return [f"<dt>Checked (UTC)</dt><dd>{field('span', 'checked', finished)}</dd>"]
    # A replay judges answers Intacct gave when the recording was made: that is the date that counts.
    recorded = display_text(document.get("recorded_at")) or "not stated in the recording"
    age = document.get("recording_age_days")
    aged = f" {field('span', 'recording-age', f'({age} days before this replay)')}" if isinstance(age, int) else ""
    return [
        f"<dt>Intacct read (UTC)</dt><dd>{field('span', 'recorded-at', recorded)}{aged}</dd>",
        f"<dt>Replayed (UTC)</dt><dd>{field('span', 'checked', finished)}</dd>",
    ]


def signoff_block(document: Mapping[str, object]) -> str:
    """Who signed off, the ticket, when Intacct was read and the attestations; a DRAFT mark without a sign-off."""
    signer = document.get("signoff")
    parts = ['<section class="pex-signoff">']
    if not signer:
        draft = "DRAFT: not signed off. A draft is not an acceptance; PEX signs the final report off."
        parts.append(field("p", "draft", draft, "pex-draft"))
    parts += [
        "<h2>Sign-off</h2><dl>",
        f"<dt>Signed off by</dt><dd>{field('span', 'signoff', display_text(signer) or 'nobody (DRAFT)')}</dd>",
        f"<dt>Ticket</dt><dd>{field('span', 'ticket', display_text(document.get('ticket')) or 'none')}</dd>",
        *_when_checked(document),
        f"<dt>Attestations</dt><dd>{item_list('attestations', attestation_lines(document))}</dd>",
        "</dl></section>",
    ]
    return "".join(parts)


def _badge(entry: Mapping[str, object]) -> str:
    words = escaped(outcome_words(entry))
    blocked_by = escaped(entry.get("blocked_by"))
    if blocked_by and words.endswith(blocked_by):
        # A requirement ID breaks at its hyphens otherwise ("STEP2-" / "SENDER-ID").
        return f'{words.removesuffix(blocked_by)}<span class="pex-nowrap">{blocked_by}</span>'
    return words


def _row(entry: Mapping[str, object], same_as: str | None = None) -> str:
    requirement_id = display_text(entry.get("id"))
    row_id = f"row-{requirement_id}"
    observed = display_text(entry.get("observed"))
    remediation = display_text(entry.get("remediation"))
    step = display_text(entry.get("guide_step"))
    if same_as is not None:
        # One cause (a refused sign-in, an outage) is told once: the rows after it point back to it.
        observed = f"The same as {same_as}, above."
    raw = f'<div class="pex-raw">{escaped(observed)}</div>' if observed else ""
    remedy = f'<div class="pex-remedy">{prose(remediation)}</div>' if remediation else ""
    return (
        f'<tr id="{SECTION_ID}-{html.escape(row_id)}" class="{outcome_tone(entry)}">'
        f'<td><span class="pex-badge">{_badge(entry)}</span></td>'
        f'<td><div class="pex-title">{prose(entry.get("title"))}</div>'
        f'<div class="pex-id">{escaped(requirement_id)}{" · " + escaped(step) if step else ""}</div></td>'
        f"<td><div>{escaped(plain_words(entry))}</div>{raw}</td>"
        f'<td><div class="pex-where">{escaped(entry.get("where_to_fix"))}</div>{remedy}</td>'
        "</tr>"
    )


def requirements_block(document: Mapping[str, object]) -> str:
    """The requirements grouped by the guide's steps: outcome, requirement, what Intacct showed, where to fix it."""
    parts = [
        '<section class="pex-list"><h2>Requirements, step by step as in PEX\'s setup guide</h2>',
        '<table class="pex-requirements"><colgroup><col class="c-outcome"><col class="c-requirement">'
        '<col class="c-observed"><col class="c-fix"></colgroup>',
        "<thead><tr><th>Outcome</th><th>Requirement</th><th>What Intacct showed</th>"
        "<th>Where to fix it</th></tr></thead>",
    ]
    first_with: dict[str, str] = {}
    for section, entries in grouped(document):
        parts.append(
            f'<tbody class="pex-group"><tr><th class="pex-step" colspan="4">{escaped(section.heading)}</th></tr>'
        )
        for entry in entries:
            same_as = None
            observed = display_text(entry.get("observed"))
            if display_text(entry.get("outcome")) == ERROR and observed:
                same_as = first_with.get(observed)
                first_with.setdefault(observed, display_text(entry.get("id")))
            parts.append(_row(entry, same_as))
        parts.append("</tbody>")
    parts.append("</table></section>")
    return "".join(parts)
