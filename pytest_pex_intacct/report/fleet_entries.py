"""The fleet summary's companies as every part of the fleet page reads them: in order, with their words.

``_fleet.json`` is read defensively, like a results document: a missing or malformed key is shown as
nothing rather than failing the page, and every text it gives is escaped where it is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from ..outside_text import shown
from ..verdict import ACCEPTED, INCOMPLETE, NOT_ACCEPTED
from .markup import SECTION_ID
from .wording import display_text, verdict_words

# Failures first, then what could not be confirmed, then the accepted.
VERDICT_ORDER: dict[str, int] = {NOT_ACCEPTED: 0, INCOMPLETE: 1, ACCEPTED: 2}
# The fleet page quotes at most this much of one observation: the company's own document has it whole.
OBSERVED_SHOWN = 600
_UTC = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2})(:[0-9]{2})?Z")


def text(value: object, limit: int = OBSERVED_SHOWN) -> str:
    """A value from a document as the page shows it: control and bidi characters escaped, cut, HTML-escaped."""
    return html.escape(shown(display_text(value), limit))


def companies(fleet: Mapping[str, object]) -> list[Mapping[str, object]]:
    entries = fleet.get("companies")
    return [entry for entry in entries if isinstance(entry, Mapping)] if isinstance(entries, list) else []


def company_id(entry: Mapping[str, object]) -> str:
    return display_text(entry.get("company"))


def ordered_companies(fleet: Mapping[str, object]) -> list[Mapping[str, object]]:
    """Companies that failed first, then incomplete ones, then accepted ones; by id within each."""
    return sorted(
        companies(fleet),
        key=lambda entry: (VERDICT_ORDER.get(display_text(entry.get("verdict")), 1), company_id(entry)),
    )


def company_anchor(company: str) -> str:
    # Escaped like the text: a bidi override has no business in an id either.
    return f"{SECTION_ID}-company-{shown(company)}"


def company_link(company: str) -> str:
    return f'<a href="#{html.escape(company_anchor(company))}">{text(company)}</a>'


def day(value: object) -> str:
    """A document's UTC time as its day ("2026-12-03"); anything else as it is."""
    match = _UTC.fullmatch(display_text(value))
    return match.group(1) if match else display_text(value)


def minute(value: object) -> str:
    """A document's UTC time to the minute ("2026-12-03 02:00 UTC"); anything else as it is."""
    match = _UTC.fullmatch(display_text(value))
    return f"{match.group(1)} {match.group(2)} UTC" if match else display_text(value)


def failing_since(entry: Mapping[str, object]) -> str:
    """ "failing since 2026-12-03" for a company the history has seen not accepted, else ""."""
    since = entry.get("failing_since")
    if display_text(entry.get("verdict")) == ACCEPTED or not since:
        return ""
    return f"failing since {day(since)}"


def verdict_tally(fleet: Mapping[str, object]) -> str:
    """The header's words: "500 companies: 3 not accepted, 2 incomplete, 495 accepted"."""
    entries = companies(fleet)
    tally: dict[str, int] = {}
    for entry in entries:
        verdict = display_text(entry.get("verdict"))
        tally[verdict] = tally.get(verdict, 0) + 1
    order = sorted(tally, key=lambda verdict: (VERDICT_ORDER.get(verdict, 1), verdict))
    noun = "company" if len(entries) == 1 else "companies"
    parts = [f"{tally[verdict]} {verdict_words(verdict).word.lower()}" for verdict in order]
    return f"{len(entries)} {noun}" + (": " + ", ".join(parts) if parts else "")
