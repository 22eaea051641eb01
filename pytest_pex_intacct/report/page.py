"""What the customer reads: the report page rendered from the results document alone (no pytest).

``report/html_hooks.py`` (the pytest-html hooks) puts ``render_summary(document)`` on the page and hides
pytest-html's own furniture; ``report/verify.py`` re-renders the same markup from the document embedded in
a report and compares. Everything here is a pure function of the document, so both agree byte for
byte, and every piece of text from Intacct or the user is HTML-escaped.

Top to bottom: the verdict (company, ACCEPTED / NOT ACCEPTED / INCOMPLETE, what happens next); the
sign-off block or a DRAFT mark; the requirements grouped like the setup guide; an appendix with the
run's provenance, its environment, the digest and signature, and how to verify them.
"""

from __future__ import annotations

import html
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
from .signing import (
    DIGEST_FIELD,
    HMAC_SHA256,
    SHA256,
    SIGNATURE_FIELD,
    SIGNING_KEY_ENV,
    embedded_json,
    file_digest_element,
    file_signature_element,
)

RESULTS_ELEMENT_ID = "pex-intacct-results"
SECTION_ID = "pex-intacct"
VERIFY_COMMAND = "python -m pytest_pex_intacct verify"

# An outcome or verdict this version does not know (a document from a later one) is still shown, in
# its own words.


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

# -- small helpers -----------------------------------------------------------------------------------


def display_text(value: object) -> str:
    return "" if value is None else str(value)


def _e(value: object) -> str:
    return html.escape(display_text(value))


_BACKTICKS = re.compile(r"`([^`]+)`")


def _prose(value: object) -> str:
    """Escaped text, with the catalogue's `code` spans shown as code rather than as backticks."""
    return _BACKTICKS.sub(r"<code>\1</code>", _e(value))


def _field(tag: str, name: str, text: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f'<{tag} id="{SECTION_ID}-{name}"{attribute}>{html.escape(text)}</{tag}>'


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


def _tone(entry: Mapping[str, object]) -> str:
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
        if entry.get("attested_by"):
            lines.append(f"{display_text(entry.get('id'))} attested by {display_text(entry.get('attested_by'))}")
        elif entry.get("outcome") == MANUAL:
            lines.append(f"{display_text(entry.get('id'))} needs a person's attestation (not attested: not met)")
    return lines


def _section_of(requirement_id: str) -> GuideSection:
    prefix = requirement_id.split("-", 1)[0]
    return next((section for section in GUIDE_SECTIONS if section.prefix == prefix), OTHER_SECTION)


def grouped(document: Mapping[str, object]) -> list[tuple[GuideSection, list[Mapping[str, object]]]]:
    groups: dict[GuideSection, list[Mapping[str, object]]] = {}
    for entry in requirement_entries(document):
        groups.setdefault(_section_of(display_text(entry.get("id"))), []).append(entry)
    order = [*GUIDE_SECTIONS, OTHER_SECTION]
    return [(section, groups[section]) for section in order if section in groups]


# -- the page ------------------------------------------------------------------------------------------

# pytest-html's own furniture (its heading, "Report generated on", the environment table first, the
# run count, the filter checkboxes, the JavaScript table of node ids and durations) is hidden: the
# page is the verdict, the sign-off, the requirements and the appendix, all rendered below.
STYLE = """<style>
body{color:#1f2328;background:#fff;font:14px/1.45 Helvetica,Arial,sans-serif;min-width:0;max-width:1180px;
margin:0 auto;padding:16px 20px}
body>h1#title,body>h1#title+p,#environment-header,#environment,.summary__data>h2,.run-count,p.filter,
.summary__reload,.summary__spacer,.controls,#results-table,.additional-summary.summary,.additional-summary.postfix
{display:none}
#pex-intacct p,#pex-intacct li,#pex-intacct dd,#pex-intacct td{color:#1f2328}
#pex-intacct h2{font-size:18px;margin:22px 0 8px;color:#1f2328}
#pex-intacct h3{font-size:14px;margin:14px 0 6px}
#pex-intacct code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.pex-verdict{border-left:10px solid;padding:10px 18px;margin:0 0 14px;border-radius:4px}
.pex-verdict.good{border-color:#1a7f37;background:#eef8f0}.pex-verdict.bad{border-color:#c62828;background:#fdecec}
.pex-verdict.warn{border-color:#b35900;background:#fff4e5}
.pex-kicker{margin:0;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:#57606a!important}
.pex-draft-kicker{color:#c62828}
.pex-headline{font-size:34px;line-height:1.15;margin:4px 0 6px;color:#1f2328}
.pex-verdict.good .pex-word{color:#1a7f37}.pex-verdict.bad .pex-word{color:#c62828}
.pex-verdict.warn .pex-word{color:#b35900}
.pex-next{font-size:16px;margin:0 0 4px}.pex-counts{margin:0;color:#57606a!important}
.pex-draft{border:3px solid #c62828;color:#c62828!important;font-weight:bold;font-size:16px;padding:8px 12px;
margin:0 0 10px;border-radius:4px}
.pex-signoff dl,.pex-appendix dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:0}
.pex-signoff dt,.pex-appendix dt{font-weight:bold;color:#57606a}.pex-signoff dd,.pex-appendix dd{margin:0}
.pex-signoff ul,.pex-appendix ul{margin:0;padding-left:18px}
table.pex-requirements{border-collapse:collapse;width:100%;table-layout:fixed;margin-top:4px}
.pex-requirements th,.pex-requirements td{border-bottom:1px solid #d8dee4;padding:6px 8px;text-align:left;
vertical-align:top;overflow-wrap:break-word}
.pex-requirements thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#57606a;
border-bottom:2px solid #57606a}
.pex-requirements th.pex-step{font-size:15px;background:#f3f5f7;color:#1f2328;padding:7px 8px;border-bottom:0}
.pex-requirements col.c-outcome{width:15%}.pex-requirements col.c-requirement{width:25%}
.pex-requirements col.c-observed{width:31%}.pex-requirements col.c-fix{width:29%}
.pex-badge{display:inline-block;font-weight:bold;padding:1px 7px;border-radius:4px;font-size:13px}
.pex-nowrap{white-space:nowrap}
.good .pex-badge{background:#dafbe1;color:#116329}.bad .pex-badge{background:#c62828;color:#fff}
.warn .pex-badge{background:#fff1d6;color:#8a4600}.quiet .pex-badge{background:#eaeef2;color:#424a53}
tr.bad td{background:#fdecec}tr.bad td:first-child{box-shadow:inset 5px 0 #c62828}
.pex-id,.pex-raw,.pex-where{font-size:12px;color:#57606a!important}
.pex-raw{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;margin-top:2px}
.pex-remedy{margin-top:3px}.pex-title{font-weight:bold}
.pex-appendix{margin-top:26px;border-top:2px solid #d8dee4;font-size:12.5px}
.pex-appendix table{border-collapse:collapse}.pex-appendix td{border:1px solid #d8dee4;padding:2px 6px;
vertical-align:top}
.pex-appendix code{overflow-wrap:anywhere;word-break:break-all}
@page{size:A4;margin:11mm 10mm}
@media print{body{font-size:10.5px;padding:0;max-width:none}.pex-headline{font-size:26px}
.pex-next{font-size:12.5px}.pex-requirements td,.pex-requirements th{padding:3px 5px}
.pex-requirements th.pex-step{font-size:11.5px;padding:2px 5px}.pex-badge{font-size:10px}
.pex-raw{font:9.5px/1.3 Helvetica,Arial,sans-serif}.pex-requirements col.c-outcome{width:12%}
.pex-requirements col.c-observed{width:37%}.pex-requirements col.c-fix{width:26%}
.pex-id,.pex-where{font-size:9.5px}.pex-appendix{font-size:10px;margin-top:12px}
#pex-intacct .pex-appendix code{font-size:9.5px}
#pex-intacct h2{font-size:14px;
margin:10px 0 4px}
tr{break-inside:avoid}.pex-verdict,tr.bad td,.pex-badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
</style>"""


def _draft_kicker(document: Mapping[str, object]) -> str:
    # A draft's verdict reads as final at a glance; the mark above it says it is not (yet).
    return "" if document.get("signoff") else ' · <strong class="pex-draft-kicker">draft, not signed off</strong>'


def _verdict_block(document: Mapping[str, object]) -> str:
    words = verdict_words(document.get("verdict"))
    return (
        f'<header class="pex-verdict {words.tone}">'
        f'<p class="pex-kicker">PEX Sage Intacct acceptance report{_draft_kicker(document)}</p>'
        f'<h1 class="pex-headline">{_field("span", "company", display_text(document.get("company")))} '
        f"{_field('span', 'verdict', words.word, 'pex-word')}</h1>"
        f"{_field('p', 'verdict-meaning', words.next_step, 'pex-next')}"
        f"{_field('p', 'counts', counts_text(document), 'pex-counts')}"
        "</header>"
    )


def _item_list(name: str, lines: list[str]) -> str:
    if not lines:
        return _field("span", name, "none")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul id="{SECTION_ID}-{name}">{items}</ul>'


def _when_checked(document: Mapping[str, object]) -> list[str]:
    finished = display_text(document.get("finished_at"))
    if document.get("mode") != "replay":
        return [f"<dt>Checked (UTC)</dt><dd>{_field('span', 'checked', finished)}</dd>"]
    # A replay judges answers Intacct gave when the recording was made: that is the date that counts.
    recorded = display_text(document.get("recorded_at")) or "not stated in the recording"
    return [
        f"<dt>Intacct read (UTC)</dt><dd>{_field('span', 'recorded-at', recorded)}</dd>",
        f"<dt>Replayed (UTC)</dt><dd>{_field('span', 'checked', finished)}</dd>",
    ]


def _signoff_block(document: Mapping[str, object]) -> str:
    signer = document.get("signoff")
    parts = ['<section class="pex-signoff">']
    if not signer:
        draft = "DRAFT: not signed off. A draft is not an acceptance; PEX signs the final report off."
        parts.append(_field("p", "draft", draft, "pex-draft"))
    parts += [
        "<h2>Sign-off</h2><dl>",
        f"<dt>Signed off by</dt><dd>{_field('span', 'signoff', display_text(signer) or 'nobody (DRAFT)')}</dd>",
        f"<dt>Ticket</dt><dd>{_field('span', 'ticket', display_text(document.get('ticket')) or 'none')}</dd>",
        *_when_checked(document),
        f"<dt>Attestations</dt><dd>{_item_list('attestations', attestation_lines(document))}</dd>",
        "</dl></section>",
    ]
    return "".join(parts)


def _badge(entry: Mapping[str, object]) -> str:
    words = _e(outcome_words(entry))
    blocked_by = _e(entry.get("blocked_by"))
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
    raw = f'<div class="pex-raw">{_e(observed)}</div>' if observed else ""
    remedy = f'<div class="pex-remedy">{_prose(remediation)}</div>' if remediation else ""
    return (
        f'<tr id="{SECTION_ID}-{html.escape(row_id)}" class="{_tone(entry)}">'
        f'<td><span class="pex-badge">{_badge(entry)}</span></td>'
        f'<td><div class="pex-title">{_prose(entry.get("title"))}</div>'
        f'<div class="pex-id">{_e(requirement_id)}{" · " + _e(step) if step else ""}</div></td>'
        f"<td><div>{_e(plain_words(entry))}</div>{raw}</td>"
        f'<td><div class="pex-where">{_e(entry.get("where_to_fix"))}</div>{remedy}</td>'
        "</tr>"
    )


def _requirements_block(document: Mapping[str, object]) -> str:
    parts = [
        '<section class="pex-list"><h2>Requirements, step by step as in PEX\'s setup guide</h2>',
        '<table class="pex-requirements"><colgroup><col class="c-outcome"><col class="c-requirement">'
        '<col class="c-observed"><col class="c-fix"></colgroup>',
        "<thead><tr><th>Outcome</th><th>Requirement</th><th>What Intacct showed</th>"
        "<th>Where to fix it</th></tr></thead>",
    ]
    first_with: dict[str, str] = {}
    for section, entries in grouped(document):
        parts.append(f'<tbody class="pex-group"><tr><th class="pex-step" colspan="4">{_e(section.heading)}</th></tr>')
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


def _digest_text(document: Mapping[str, object]) -> str:
    digest = document.get(DIGEST_FIELD)
    if not isinstance(digest, Mapping):
        return "none"
    algorithm = display_text(digest.get("algorithm"))
    how = {
        SHA256: "SHA-256 (unkeyed: detects edits, anyone can recompute it)",
        HMAC_SHA256: f"HMAC-SHA256 keyed with {SIGNING_KEY_ENV}",
    }.get(algorithm, algorithm)
    return f"{how}: {display_text(digest.get('value'))}"


def signature_of(document: Mapping[str, object]) -> Mapping[str, object] | None:
    signature = document.get(SIGNATURE_FIELD)
    return signature if isinstance(signature, Mapping) else None


def _signature_text(signature: Mapping[str, object]) -> str:
    return f"{display_text(signature.get('algorithm'))}: {display_text(signature.get('value'))}"


def environment_of(document: Mapping[str, object]) -> list[tuple[str, str]]:
    """The document's ``environment``: ``[name, value]`` pairs, in the order pytest-metadata collected them
    (a list, because the embedded JSON sorts object keys)."""
    environment = document.get("environment")
    if not isinstance(environment, list):
        return []
    return [
        (display_text(pair[0]), display_text(pair[1]))
        for pair in environment
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def _run_rows(document: Mapping[str, object]) -> list[tuple[str, str, str]]:
    mode = display_text(document.get("mode"))
    rows = [("mode", "Mode", MODE_WORDS.get(mode, mode))]
    if document.get("cassette"):
        rows.append(("cassette", "Recording", display_text(document.get("cassette"))))
        rows.append(("cassette-sha256", "Recording SHA-256", display_text(document.get("cassette_sha256"))))
    rows += [
        ("user", "Intacct user checked", display_text(document.get("user"))),
        ("sender-id", "Sender ID", display_text(document.get("sender_id"))),
        ("version", "Checked with", f"pytest-pex-intacct {display_text(document.get('plugin_version'))}"),
        (
            "run",
            "Run (UTC)",
            f"{display_text(document.get('started_at'))} to {display_text(document.get('finished_at'))}",
        ),
        ("schema", "Results schema", display_text(document.get("schema"))),
    ]
    return rows


def _appendix_block(document: Mapping[str, object]) -> str:
    parts = ['<section class="pex-appendix"><h2>Appendix: how this report was made and how to check it</h2>']
    parts.append("<h3>Run</h3><dl>")
    parts += [
        f"<dt>{html.escape(label)}</dt><dd>{_field('span', name, text)}</dd>"
        for name, label, text in _run_rows(document)
    ]
    parts.append("</dl>")
    environment = environment_of(document)
    if environment:
        parts.append(f'<h3>Environment</h3><table id="{SECTION_ID}-environment">')
        parts += [f"<tr><td>{_e(key)}</td><td>{_e(value)}</td></tr>" for key, value in environment]
        parts.append("</table>")
    signature = signature_of(document)
    parts += [
        "<h3>Integrity</h3><dl>",
        f"<dt>Digest of the results</dt><dd>{_field('code', 'digest', _digest_text(document))}</dd>",
    ]
    if signature is not None:
        parts += [
            f"<dt>Signature of the results</dt><dd>{_field('code', 'signature', _signature_text(signature))}</dd>",
            f"<dt>Signing key</dt><dd>{_field('code', 'key', display_text(signature.get('key_fingerprint')))}</dd>",
            f"<dt>Signature of this file</dt><dd>{file_signature_element()}</dd>",
        ]
    parts += [
        f"<dt>Digest of this file</dt><dd>{file_digest_element()}</dd>",
        "</dl>",
        f"<p>{_how_to_verify(document, signature)}</p>",
        f'<script type="application/json" id="{RESULTS_ELEMENT_ID}">{embedded_json(document)}</script>',
        "</section>",
    ]
    return "".join(parts)


def _how_to_verify(document: Mapping[str, object], signature: Mapping[str, object] | None) -> str:
    # The page cannot know what its file is called on the reader's machine.
    command = f"<code>{VERIFY_COMMAND} FILE</code>"
    text = (
        f"To check that nothing in this file was changed since it was written, run {command} with FILE this "
        "report's file name (the pytest-pex-intacct package). It re-reads the results embedded in the file, "
        "recomputes their digest and the file's, and compares every line shown above with them."
    )
    if signature is not None:
        text += (
            f" To check the signature with PEX's public key alone, add <code>--public-key pex.pub</code>: the key's "
            f"fingerprint must be {_e(signature.get('key_fingerprint'))}."
        )
    digest = document.get(DIGEST_FIELD)
    if isinstance(digest, Mapping) and digest.get("algorithm") == HMAC_SHA256:
        text += f" The HMAC is checked by PEX, with {SIGNING_KEY_ENV} set to its key."
    text += (
        " By hand: each file value was computed over this file with its slot holding the placeholder "
        "(64 zeros for the digest, 88 letters A for the signature)."
    )
    return text


def render_summary(document: Mapping[str, object]) -> str:
    """The whole customer-facing page, rendered from the document alone. All text escaped.

    The file digest (and signature) are rendered as placeholders; the report hooks fill them in once
    pytest-html has written the file.
    """
    return "".join(
        [
            f'<section id="{SECTION_ID}">',
            STYLE,
            _verdict_block(document),
            _signoff_block(document),
            _requirements_block(document),
            _appendix_block(document),
            "</section>",
        ]
    )


# -- nothing of the machine that ran it ----------------------------------------------------------------

# An absolute POSIX path of two or more segments not inside a URL (``https://host/a/b`` is preceded by
# a word character or a slash), a home-relative one, or a Windows one.
_POSIX_PATH = re.compile(r"(?<![\w/.:~-])(?:~|/)(?:/?[\w.@+~-]+/)+[\w.@+~-]*")
_WINDOWS_PATH = re.compile(r"(?<![\w])[A-Za-z]:\\(?:[^\\\s'\"<>|]+\\)+[^\\\s'\"<>|]*")


def _last_segment(match: re.Match[str]) -> str:
    segments = [segment for segment in re.split(r"[/\\]", match.group(0)) if segment and segment != "~"]
    return segments[-1] if segments else ""


def without_machine_paths(text: str) -> str:
    """``text`` with every absolute path shortened to its last segment (a file or directory name).

    The report goes to the customer's ticket: where the run happened (home directories, user names,
    checkouts) is none of its business, and a file's name still says which file was meant.
    """
    return _WINDOWS_PATH.sub(_last_segment, _POSIX_PATH.sub(_last_segment, text))


def environment_text(value: object) -> str:
    """One environment value as text: a mapping (pytest-metadata's Packages, Plugins) as ``name version`` pairs."""
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {display_text(item)}" for key, item in value.items())
    return display_text(value)
