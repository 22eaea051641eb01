"""What the report says in words: verdicts, outcomes, what Intacct showed, counts, titles, the guide's steps.

Pure functions of the results document, shared by the page, the fleet page and verify (which
re-renders and compares). An outcome or verdict this version does not know (a document from a later
one) is still shown, in its own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..verdict import (
    ACCEPTED,
    BLOCKED,
    ERROR,
    FAILED,
    INCOMPLETE,
    MANUAL,
    NOT_ACCEPTED,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
)


@dataclass(frozen=True)
class VerdictWords:
    word: str
    next_step: str
    tone: str


VERDICTS: dict[str, VerdictWords] = {
    ACCEPTED: VerdictWords(
        "ACCEPTED",
        "Every mandatory requirement of PEX's setup guide is met: PEX can switch the Intacct sync on.",
        "good",
    ),
    NOT_ACCEPTED: VerdictWords(
        "NOT ACCEPTED",
        "At least one requirement failed: fix each failed row below in Intacct (it says where and what to "
        "set), then ask PEX to run the check again.",
        "bad",
    ),
    INCOMPLETE: VerdictWords(
        "INCOMPLETE",
        "Nothing failed, but not every requirement could be confirmed: the rows that are not marked Passed "
        "say what is missing; once it is settled PEX runs the check again.",
        "warn",
    ),
}

# The outcome in words (never pytest's Skipped / XFailed / Rerun), and the colour family of its row.
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    PASSED: ("Passed", "good"),
    FAILED: ("Failed", "bad"),
    BLOCKED: ("Blocked", "warn"),
    ERROR: ("Could not be verified", "warn"),
    NOT_APPLICABLE: ("Not applicable", "quiet"),
    MANUAL: ("Needs a person", "warn"),
    NOT_RUN: ("Not run", "quiet"),
}

# What Intacct showed, in plain words; the raw reading follows on a smaller line.
PLAIN_WORDS: dict[str, str] = {
    PASSED: "Intacct shows it is set as the guide requires.",
    FAILED: "Intacct shows it is not set as the guide requires.",
    BLOCKED: "Not checked: a requirement it depends on failed first, so there was nothing to read.",
    ERROR: "Not checked, for a reason outside the company's setup (connection, Intacct or the recording).",
    NOT_APPLICABLE: "Does not apply to this company or this run.",
    MANUAL: "Intacct cannot show this: a person has to confirm it in Intacct.",
    NOT_RUN: "Not checked in this run.",
}


@dataclass(frozen=True)
class GuideSection:
    prefix: str
    heading: str


# Grouped like PEX's setup guide, by the requirement ID's prefix (IDs are stable API).
GUIDE_SECTIONS = (
    GuideSection("STEP1", "Step 1 · Attachments numbering"),
    GuideSection("STEP2", "Step 2 · Web Services and the sender ID"),
    GuideSection("STEP3", "Step 3 · The Web Services user"),
    GuideSection("STEP4", "Step 4 · The PEX GL account"),
    GuideSection("UDD", "Optional · User-defined dimensions"),
)
OTHER_SECTION = GuideSection("", "Other requirements")

MODE_WORDS = {
    "live": "live: read from the company's Intacct just now",
    "record": "record: read from the company's Intacct just now, and recorded",
    "replay": "replay: reproduced from a recording of an earlier run",
}


def display_text(value: object) -> str:
    return "" if value is None else str(value)


def requirement_entries(document: Mapping[str, object]) -> list[Mapping[str, object]]:
    entries = document.get("requirements")
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def verdict_words(verdict: object) -> VerdictWords:
    return VERDICTS.get(
        display_text(verdict),
        VerdictWords(display_text(verdict).upper() or "NO VERDICT", "This verdict is unknown to this version.", "warn"),
    )


def outcome_words(entry: Mapping[str, object]) -> str:
    outcome = display_text(entry.get("outcome"))
    if outcome == MANUAL and entry.get("attested_by"):
        return "Confirmed by a person"
    if outcome == BLOCKED and entry.get("blocked_by"):
        return f"Blocked by {display_text(entry.get('blocked_by'))}"
    return OUTCOME_WORDS.get(outcome, (outcome.replace("-", " ").capitalize() or "No outcome", "quiet"))[0]


def outcome_tone(entry: Mapping[str, object]) -> str:
    """The colour family of a requirement's row: good, bad, warn or quiet."""
    outcome = display_text(entry.get("outcome"))
    if outcome == MANUAL and entry.get("attested_by"):
        return "good"
    return OUTCOME_WORDS.get(outcome, ("", "quiet"))[1]


def plain_words(entry: Mapping[str, object]) -> str:
    outcome = display_text(entry.get("outcome"))
    if outcome == MANUAL and entry.get("attested_by"):
        return f"Intacct cannot show this; {display_text(entry.get('attested_by'))} confirmed it in Intacct."
    if outcome == BLOCKED and entry.get("blocked_by"):
        return f"Not checked: {display_text(entry.get('blocked_by'))} failed first, so there was nothing to read."
    return PLAIN_WORDS.get(outcome, "")


def report_title(document: Mapping[str, object]) -> str:
    """The window title (and pytest-html's heading): the company and its verdict first."""
    title = f"{display_text(document.get('company'))}: {verdict_words(document.get('verdict')).word}"
    title += " · PEX Sage Intacct acceptance report"
    return title if document.get("signoff") else f"{title} (DRAFT)"


def draft_title(company: object) -> str:
    """The title before the run has a verdict (and when it never gets one)."""
    return f"{display_text(company)}: PEX Sage Intacct acceptance report (no results)"


_COUNT_WORDS = (
    (PASSED, "passed"),
    (FAILED, "failed"),
    (BLOCKED, "blocked"),
    (ERROR, "could not be verified"),
    (MANUAL, "need a person"),
    (NOT_APPLICABLE, "not applicable"),
    (NOT_RUN, "not run"),
)


def counts_text(document: Mapping[str, object]) -> str:
    entries = requirement_entries(document)
    tally: dict[str, int] = {}
    for entry in entries:
        outcome = display_text(entry.get("outcome"))
        if outcome == MANUAL and entry.get("attested_by"):
            outcome = "attested"
        tally[outcome] = tally.get(outcome, 0) + 1
    words = dict(_COUNT_WORDS, attested="confirmed by a person")
    order = [PASSED, "attested", *(outcome for outcome, _ in _COUNT_WORDS[1:])]
    order += sorted(outcome for outcome in tally if outcome not in order)
    if tally.get(MANUAL) == 1:
        words[MANUAL] = "needs a person"
    parts = [f"{tally[outcome]} {words.get(outcome, outcome)}" for outcome in order if tally.get(outcome)]
    return f"{len(entries)} requirements: " + ", ".join(parts)


def attestation_lines(document: Mapping[str, object]) -> list[str]:
    lines = []
    for entry in requirement_entries(document):
        requirement_id = display_text(entry.get("id"))
        if entry.get("attested_by"):
            line = f"{requirement_id} attested by {display_text(entry.get('attested_by'))}"
            # From the register: when, why and until when.
            if entry.get("attested_on"):
                line += f" on {display_text(entry.get('attested_on'))}"
            if entry.get("reason"):
                line += f": {display_text(entry.get('reason'))}"
            if entry.get("expires"):
                line += f" (expires {display_text(entry.get('expires'))})"
            lines.append(line)
        elif entry.get("outcome") == MANUAL and entry.get("expires"):
            lines.append(
                f"{requirement_id} needs a person's attestation (the attestation expired on "
                f"{display_text(entry.get('expires'))}: not met)"
            )
        elif entry.get("outcome") == MANUAL:
            lines.append(f"{requirement_id} needs a person's attestation (not attested: not met)")
    return lines


_STEP_PREFIX = re.compile(r"STEP([0-9]{1,2})")


def _section_of(requirement_id: str) -> GuideSection:
    prefix = requirement_id.split("-", 1)[0]
    known = next((section for section in GUIDE_SECTIONS if section.prefix == prefix), None)
    if known is not None:
        return known
    # A step the guide gained after this page was worded still gets a heading of its own, in its place.
    step = _STEP_PREFIX.fullmatch(prefix)
    return GuideSection(prefix, f"Step {int(step.group(1))}") if step else OTHER_SECTION


def _section_order(section: GuideSection) -> tuple[int, int]:
    """The guide's steps by number, then the optional section, then anything else."""
    step = _STEP_PREFIX.fullmatch(section.prefix)
    if step:
        return (0, int(step.group(1)))
    return (1, 0) if section in GUIDE_SECTIONS else (2, 0)


def grouped(document: Mapping[str, object]) -> list[tuple[GuideSection, list[Mapping[str, object]]]]:
    groups: dict[GuideSection, list[Mapping[str, object]]] = {}
    for entry in requirement_entries(document):
        groups.setdefault(_section_of(display_text(entry.get("id"))), []).append(entry)
    return sorted(groups.items(), key=lambda group: _section_order(group[0]))
