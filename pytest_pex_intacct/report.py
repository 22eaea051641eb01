"""The signed-off acceptance report (SPEC §6): the pytest-html hooks and what the page shows.

The SPEC §5 results document is the single source of truth; everything the report shows about the
requirements is rendered from it (or from the same per-test properties it is built from), so that
``python -m pytest_pex_intacct verify report.html`` (``verify.py``) can re-render it and compare.
After pytest-html has written the file, ``HtmlReport`` seals it: the file digest over the whole file
fills the slot the summary left for it. The document digest and the seal are defined in ``signing.py``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .requirements import BY_ID
from .signing import (
    DIGEST_FIELD,
    HMAC_SHA256,
    SHA256,
    SIGNING_KEY_ENV,
    embedded_json,
    file_digest_element,
    seal_file,
    signing_key,
)
from .verdict import (
    ACCEPTED,
    BLOCKED,
    ERROR,
    FAILED,
    INCOMPLETE,
    MANUAL,
    NOT_ACCEPTED,
    NOT_APPLICABLE,
    OUTCOMES,
    PASSED,
    PROP_REQUIREMENT,
    result_from_properties,
)

if TYPE_CHECKING:
    from .run_hooks import AcceptanceRun
    from .settings import Settings

RESULTS_ELEMENT_ID = "pex-intacct-results"
SECTION_ID = "pex-intacct"
VERIFY_COMMAND = "python -m pytest_pex_intacct verify"
REDACTED = "[redacted]"

# -- what the page shows, rendered from the document ------------------------------------------------


@dataclass(frozen=True)
class Column:
    # pytest-html hydrates sortable cells by matching ``col-(\w+)``: names must be \w+ only.
    name: str
    label: str
    sortable: bool = False

    def header(self) -> str:
        if self.sortable:
            return f'<th class="sortable" data-column-type="{self.name}">{html.escape(self.label)}</th>'
        return f"<th>{html.escape(self.label)}</th>"


COLUMNS = (
    Column("requirement", "Requirement", sortable=True),
    Column("outcome", "Outcome", sortable=True),
    Column("step", "Guide step"),
    Column("where", "Where to fix"),
    Column("observed", "Observed"),
    Column("remediation", "Remediation"),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
# After pytest-html's Result and Test cells, before Duration and Links; header and rows use the same
# index, always, because a count mismatch crashes pytest-html (#728).
FIRST_COLUMN = 2

# The pytest result pytest-html shows beside each requirement outcome (SPEC §3 "pytest shape").
PYTEST_RESULTS: dict[str, tuple[str, ...]] = {
    PASSED: ("Passed",),
    FAILED: ("Failed",),
    ERROR: ("Error", "Failed"),
    BLOCKED: ("Skipped",),
    NOT_APPLICABLE: ("Skipped",),
}
VERDICT_WORDS: dict[str, tuple[str, str]] = {
    ACCEPTED: ("ACCEPTED", "every mandatory requirement is met."),
    NOT_ACCEPTED: ("NOT ACCEPTED", "at least one requirement failed; its row says where to fix it and what to set."),
    INCOMPLETE: (
        "INCOMPLETE",
        "some requirements could not be verified (blocked, error or not attested); nothing unverified counts as met.",
    ),
}
DRAFT_NOTICE = 'DRAFT: not signed off. Sign-off needs --intacct-signoff="Name <email>"; a draft is not an acceptance.'


def display_text(value: object) -> str:
    return "" if value is None else str(value)


def _cell_markup(text: str) -> str:
    # One line per cell: pytest-html's sort hydration reads the cell with a regex whose '.' stops at
    # newlines; &#10; still shows as a line break in the text and unescapes back to "\n".
    return html.escape(text).replace("\r", "&#13;").replace("\n", "&#10;")


def cell_html(name: str, text: str) -> str:
    return f'<td class="col-{name}">{_cell_markup(text)}</td>'


def outcome_text(entry: Mapping[str, object]) -> str:
    outcome = display_text(entry.get("outcome"))
    if entry.get("blocked_by"):
        return f"{outcome} (blocked by {display_text(entry.get('blocked_by'))})"
    if entry.get("attested_by"):
        return f"{outcome} (attested by {display_text(entry.get('attested_by'))})"
    return outcome


def row_texts(entry: Mapping[str, object] | None) -> dict[str, str]:
    """The text of each extra cell for a requirement's row (empty cells for any other test)."""
    if entry is None:
        return dict.fromkeys(COLUMN_NAMES, "")
    return {
        "requirement": display_text(entry.get("id")),
        "outcome": outcome_text(entry),
        "step": display_text(entry.get("guide_step")),
        "where": display_text(entry.get("where_to_fix")),
        "observed": display_text(entry.get("observed")),
        "remediation": display_text(entry.get("remediation")),
    }


def expected_pytest_results(entry: Mapping[str, object]) -> tuple[str, ...]:
    outcome = display_text(entry.get("outcome"))
    if outcome == MANUAL:
        # Attested or not, a manual requirement's check body never runs (nothing verified to judge).
        return ("Skipped",)
    return PYTEST_RESULTS.get(outcome, ())


def report_title(company: object, signed: bool) -> str:
    title = f"PEX Sage Intacct acceptance report: {display_text(company)}"
    return title if signed else f"{title} (DRAFT, not signed off)"


def _verdict_words(verdict: object) -> tuple[str, str]:
    return VERDICT_WORDS.get(display_text(verdict), (display_text(verdict).upper(), "unknown verdict."))


def _counts_text(counts: object) -> str:
    tally = counts if isinstance(counts, Mapping) else {}
    return ", ".join(f"{display_text(tally.get(outcome, 0))} {outcome}" for outcome in OUTCOMES)


def requirement_entries(document: Mapping[str, object]) -> list[Mapping[str, object]]:
    entries = document.get("requirements")
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def _attestations(document: Mapping[str, object]) -> list[str]:
    lines = []
    for entry in requirement_entries(document):
        if entry.get("attested_by"):
            lines.append(f"{display_text(entry.get('id'))} attested by {display_text(entry.get('attested_by'))}")
        elif entry.get("outcome") == MANUAL:
            lines.append(f"{display_text(entry.get('id'))} needs a person's attestation (not attested: not met)")
    return lines


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


def _mode_text(document: Mapping[str, object]) -> str:
    mode = display_text(document.get("mode"))
    cassette = document.get("cassette")
    return f"{mode} (cassette {display_text(cassette)})" if cassette else mode


def _field(tag: str, name: str, text: str) -> str:
    return f'<{tag} id="{SECTION_ID}-{name}">{html.escape(text)}</{tag}>'


def _item_list(name: str, lines: list[str]) -> str:
    if not lines:
        return _field("span", name, "none")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul id="{SECTION_ID}-{name}">{items}</ul>'


# The long test ids would otherwise squeeze the columns a customer reads (observed, remediation).
_TABLE_STYLE = (
    "<style>#results-table td.col-testId{max-width:24em;overflow-wrap:anywhere}"
    "#results-table td.col-observed,#results-table td.col-remediation{min-width:18em}</style>"
)


def render_summary(document: Mapping[str, object]) -> str:
    """The summary block: verdict, counts, sign-off, digests and the embedded document. All text escaped.

    The file digest is rendered as its placeholder; ``HtmlReport`` fills it in once the file exists.
    """
    word, meaning = _verdict_words(document.get("verdict"))
    colour = "#1a7f37" if document.get("verdict") == ACCEPTED else "#c62828"
    signer = document.get("signoff")
    signed_by = display_text(signer) if signer else "nobody (DRAFT)"
    parts = [f'<section id="{SECTION_ID}" style="margin:0.5em 0 1em 0">', _TABLE_STYLE]
    if not signer:
        parts.append(
            '<p style="border:2px solid #c62828;color:#c62828;padding:0.4em;font-weight:bold">'
            f"{_field('span', 'draft', DRAFT_NOTICE)}</p>"
        )
    parts += [
        f"<p>Company {_field('span', 'company', display_text(document.get('company')))}: verdict "
        f'<strong style="color:{colour}">{_field("span", "verdict", word)}</strong> '
        f"{_field('span', 'verdict-meaning', meaning)}</p>",
        f"<p>Requirements: {_field('span', 'counts', _counts_text(document.get('counts')))}</p>",
        f"<p>Mode: {_field('span', 'mode', _mode_text(document))}</p>",
        '<h3>Sign-off</h3><dl style="display:grid;grid-template-columns:max-content auto;gap:0.2em 1em">',
        f"<dt>Signed off by</dt><dd>{_field('span', 'signoff', signed_by)}</dd>",
        f"<dt>Ticket</dt><dd>{_field('span', 'ticket', display_text(document.get('ticket')) or 'none')}</dd>",
        f"<dt>Run (UTC)</dt><dd>{_field('span', 'run', _run_text(document))}</dd>",
        f"<dt>Attestations</dt><dd>{_item_list('attestations', _attestations(document))}</dd>",
        "</dl>",
        f"<p>Digest of the embedded results: {_field('code', 'digest', _digest_text(document))}.<br>"
        "Digest of this whole file (same algorithm, computed with this value as 64 zeros): "
        f"{file_digest_element()}.<br>"
        f"Check this file with <code>{VERIFY_COMMAND} &lt;file&gt;</code>.</p>",
        f'<script type="application/json" id="{RESULTS_ELEMENT_ID}">{embedded_json(document)}</script>',
        "</section>",
    ]
    return "".join(parts)


def _run_text(document: Mapping[str, object]) -> str:
    return f"started {display_text(document.get('started_at'))}, finished {display_text(document.get('finished_at'))}"


# Environment entries, all from the document, so verify checks them.
DOCUMENT_ENVIRONMENT = (
    ("Intacct company", "company"),
    ("Intacct user", "user"),
    ("Sender ID", "sender_id"),
    ("Mode", "mode"),
    ("Cassette", "cassette"),
    ("Cassette SHA-256", "cassette_sha256"),
    ("pex-intacct version", "plugin_version"),
    ("Run started (UTC)", "started_at"),
    ("Run finished (UTC)", "finished_at"),
)


def environment_entries(document: Mapping[str, object]) -> dict[str, str]:
    return {
        key: display_text(document.get(name))
        for key, name in DOCUMENT_ENVIRONMENT
        if name not in ("cassette", "cassette_sha256") or document.get(name)
    }


# -- the pytest-html hooks ------------------------------------------------------------------------


def _entry_for_report(report: pytest.TestReport | pytest.CollectReport) -> dict[str, object] | None:
    properties = list(getattr(report, "user_properties", ()))
    requirement_id = next((str(value) for name, value in properties if name == PROP_REQUIREMENT), None)
    requirement = BY_ID.get(requirement_id or "")
    if requirement is None:
        return None
    result = result_from_properties(requirement, properties)
    if result is None:
        return {"id": requirement.id, "guide_step": requirement.step, "where_to_fix": requirement.where}
    return result.to_json()


def html_report_path(config: pytest.Config) -> Path:
    """The file pytest-html writes, resolved as it does (``BaseReport.__init__``), at configure time."""
    return Path.cwd() / Path(os.path.expandvars(str(config.getoption("htmlpath")))).expanduser()


def _test_id(report: pytest.TestReport | pytest.CollectReport) -> str:
    when = getattr(report, "when", "collect")
    return report.nodeid if when == "call" else f"{report.nodeid}::{when}"


class HtmlReport:
    """pytest-html hooks. ``plugin.pytest_configure`` registers this only on the controller, only when
    the checks run and pytest-html writes a report, so its hookspecs always exist (``-p no:html``)."""

    def __init__(self, config: pytest.Config, settings: Settings, run: AcceptanceRun) -> None:
        self.config = config
        self.settings = settings
        self.run = run
        self.path = html_report_path(config)

    # When to seal: pytest-html writes the file in its own trylast pytest_sessionfinish. Among trylast
    # impls pluggy calls the later-registered one *last*, and this object is registered (plugin.py,
    # tryfirst pytest_configure) before pytest-html's report, so a plain trylast impl would run before
    # the file exists. A wrapper runs around every plain impl: after its yield the file is complete.
    # trylast makes it the innermost wrapper, so it seals before TerminalReporter's wrapper prints the
    # terminal summary, where pytest-html announces "Generated html report".
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self) -> Generator[None, None, None]:
        yield  # an exception (pytest-html failed to write) propagates: nothing to seal
        self.seal()

    def seal(self) -> bool:
        document = self.run.document
        if document is None:  # no results, so the summary has no slot for the file digest
            return False
        digest = document.get(DIGEST_FIELD)
        keyed = isinstance(digest, Mapping) and digest.get("algorithm") == HMAC_SHA256
        # The same algorithm and key as the document digest, which was computed moments earlier.
        key = signing_key(os.environ) if keyed else None
        if keyed and key is None:  # the key vanished meanwhile: a plain SHA-256 seal would be a lie
            return False
        return seal_file(self.path, key)

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = report_title(self.settings.company_id, self.settings.signoff is not None)

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[FIRST_COLUMN:FIRST_COLUMN] = [column.header() for column in COLUMNS]

    def pytest_html_results_table_row(self, report: pytest.TestReport | pytest.CollectReport, cells: list[str]) -> None:
        if not cells:  # another plugin dropped the row; adding cells would resurrect it
            return
        # pytest-html inserts the test id unescaped (pytest-html#1024).
        if cells[1].startswith('<td class="col-testId">'):
            cells[1] = cell_html("testId", _test_id(report))
        texts = row_texts(_entry_for_report(report))
        cells[FIRST_COLUMN:FIRST_COLUMN] = [cell_html(name, texts[name]) for name in COLUMN_NAMES]

    def pytest_html_results_table_html(self, data: list[str]) -> None:
        # Defence in depth: tracebacks (e.g. with --showlocals) must not carry a password into the file.
        secrets = self.settings.secrets
        for index, line in enumerate(data):
            for secret in secrets:
                line = line.replace(secret, REDACTED).replace(html.escape(secret), REDACTED)
            data[index] = line

    def pytest_html_results_summary(self, prefix: list[str]) -> None:
        document = self.run.document
        if document is None:  # the run ended before the results existed (e.g. a collection error)
            prefix.append("<p><strong>pex-intacct: no results were recorded; this is not an acceptance.</strong></p>")
            return
        prefix.append(render_summary(document))
        self._fill_environment(document)

    def _fill_environment(self, document: Mapping[str, object]) -> None:
        if not self.config.pluginmanager.hasplugin("metadata"):
            return
        from pytest_metadata.plugin import metadata_key  # type: ignore[import-untyped]

        # pytest-html keeps a reference to this dict and renders its values as HTML: escape each one.
        metadata: dict[str, object] = self.config.stash[metadata_key]
        for key, value in environment_entries(document).items():
            metadata[key] = html.escape(value)
