"""The fleet report page (``--intacct-fleet`` with ``--html``), rendered from ``_fleet.json`` and the
per-company documents alone (no pytest).

It is for the person who acts on the fleet each morning, in this order: a header whose words are
the counts (when, mode, shard, the baseline; the accepted count over the last runs when there is a
history), what changed since the baseline by cause (``fleet_changes``), the company-by-requirement
matrix (``fleet_matrix``), then each company folded (``fleet_companies``). It is PEX's overview, not
a customer's report: what goes on a customer's ticket is that company's signed document or its own
single-company report, which ``verify`` checks; the page says so once, and carries no customer
banner.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..verdict import ACCEPTED, INCOMPLETE, NOT_ACCEPTED
from .fleet_changes import baseline_words, changes_block
from .fleet_companies import companies_block
from .fleet_entries import minute, text, verdict_tally
from .fleet_matrix import MATRIX_ID as MATRIX_ID
from .fleet_matrix import matrix_block
from .history_chart import accepted_chart
from .markup import SECTION_ID
from .stylesheets import FLEET_CSS, PAGE_CSS, style_element
from .wording import display_text, verdict_words

# The fleet's verdict in the fleet's words: what it says about the companies, not about one of them.
FLEET_VERDICTS: dict[str, str] = {
    ACCEPTED: "every company is accepted; nothing to act on.",
    NOT_ACCEPTED: "at least one company failed a requirement; its rows below say where to fix it.",
    INCOMPLETE: "nothing failed, but at least one company could not be confirmed.",
}
TICKET_NOTE = (
    "This page is PEX's overview of the fleet, not a customer's report, and is not sealed. What goes on a "
    "company's ticket is its own signed results document (verify DIR/&lt;company&gt;.json) or its own "
    "single-company report (pytest --intacct-company=ID --html=REPORT.html)."
)


def fleet_title(fleet: Mapping[str, object]) -> str:
    """The window title: the counts in words, e.g. "500 companies: 3 not accepted, 497 accepted"."""
    return f"{verdict_tally(fleet)} · PEX Sage Intacct fleet report"


def _facts(fleet: Mapping[str, object]) -> str:
    parts = [f"checked {text(minute(fleet.get('finished_at')))}", f"mode {text(fleet.get('mode'))}"]
    if fleet.get("shard"):
        parts.append(f"shard {text(fleet.get('shard'))}")
    baseline = baseline_words(fleet)
    if baseline:
        parts.append(f"compared with {text(baseline)}")
    return " · ".join(parts)


def _header(fleet: Mapping[str, object]) -> str:
    verdict = display_text(fleet.get("verdict"))
    words = verdict_words(verdict)
    meaning = FLEET_VERDICTS.get(verdict, "a verdict unknown to this version.")
    name = f" · {text(fleet.get('fleet'))}" if fleet.get("fleet") else ""
    history = fleet.get("history")
    chart = accepted_chart(history.get("runs")) if isinstance(history, Mapping) else ""
    return (
        f'<header class="pex-verdict pex-fleet-head {words.tone}">'
        f'<p class="pex-kicker">PEX Sage Intacct fleet report{name}</p>'
        f'<h1 class="pex-headline">{text(verdict_tally(fleet))}</h1>'
        f'<p class="pex-next"><span class="pex-word">Fleet {text(words.word)}</span>: {text(meaning)}</p>'
        f'<p class="pex-counts">{_facts(fleet)}</p>{chart}</header>'
        f'<p class="pex-ticket-note">{TICKET_NOTE}</p>'
    )


def render_fleet_summary(fleet: Mapping[str, object], documents: Mapping[str, Mapping[str, object]]) -> str:
    """The whole fleet page: header, what changed, the matrix, then each company folded."""
    return "".join(
        [
            f'<section id="{SECTION_ID}" class="pex-fleet">',
            style_element(PAGE_CSS),
            style_element(FLEET_CSS),
            _header(fleet),
            changes_block(fleet),
            matrix_block(fleet, documents),
            companies_block(fleet, documents),
            "</section>",
        ]
    )
