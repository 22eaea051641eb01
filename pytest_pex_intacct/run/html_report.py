"""The pytest-html hooks of the signed-off acceptance report.

What the page shows is rendered by ``report/page.py`` from the results document alone, so that
``python -m pytest_pex_intacct verify report.html`` (``report/verify.py``, no pytest) can re-render it and
compare. These hooks put that page into pytest-html's summary, give the window the verdict as its
title, keep pytest's rows (node ids, durations, Skipped/XFailed words, tracebacks with local paths)
out of the file, strip machine paths from the environment pytest-html collects, and seal the file
once pytest-html has written it. The digests and the seal are defined in ``report/digests.py`` and ``report/seal.py``.
"""

from __future__ import annotations

import getpass
import html
import os
import re
from collections.abc import Generator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..report.appendix import environment_of
from ..report.digests import DIGEST_FIELD, HMAC_SHA256, signing_key
from ..report.machine_paths import environment_text, without_machine_paths
from ..report.page import render_summary
from ..report.seal import seal_file
from ..report.wording import draft_title, report_title
from ..verdict import PROP_REQUIREMENT

if TYPE_CHECKING:
    from ..config.settings import Settings
    from .acceptance_run import AcceptanceRun
    from .fleet_run import FleetRun

REDACTED = "[redacted]"


def html_report_path(config: pytest.Config) -> Path:
    """The file pytest-html writes, resolved as it does (``BaseReport.__init__``), at configure time."""
    return Path.cwd() / Path(os.path.expandvars(str(config.getoption("htmlpath")))).expanduser()


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user database entry (some containers): nothing to hide then
        return None


_ENVIRONMENT_KEY = pytest.StashKey[list[list[str]]]()


def environment_for_report(metadata: Mapping[str, object]) -> list[list[str]]:
    """pytest-metadata's environment as ``[name, value]`` text pairs, without paths or the name of the
    account that ran it."""
    user = _login_name()
    # Whole words only, and not too short: "ci" or "me" would blank out parts of ordinary words; a path
    # holding the name is gone anyway.
    name = re.compile(rf"(?<![\w.-]){re.escape(user)}(?![\w-])") if user and len(user) >= 3 else None
    cleaned: list[list[str]] = []
    for key, value in metadata.items():
        text = without_machine_paths(environment_text(value))
        cleaned.append([str(key), name.sub("[user]", text) if name else text])
    return cleaned


def collected_environment(config: pytest.Config) -> list[list[str]] | None:
    """The environment pytest-html shows, cleaned (see ``environment_for_report``); None without pytest-metadata.

    Worked out once per run: a fleet puts it in every company's document.
    """
    if not config.pluginmanager.hasplugin("metadata"):
        return None
    if _ENVIRONMENT_KEY not in config.stash:
        from pytest_metadata.plugin import metadata_key  # type: ignore[import-untyped]

        config.stash[_ENVIRONMENT_KEY] = environment_for_report(config.stash[metadata_key])
    return [list(pair) for pair in config.stash[_ENVIRONMENT_KEY]]


def _replace_environment(config: pytest.Config, environment: list[tuple[str, str]]) -> None:
    """pytest-html keeps a reference to this dict and writes it (as HTML) into the page's data."""
    if not config.pluginmanager.hasplugin("metadata"):
        return
    from pytest_metadata.plugin import metadata_key

    metadata: MutableMapping[str, object] = config.stash[metadata_key]
    metadata.clear()
    metadata.update({key: html.escape(value) for key, value in environment})


def customer_rows_only(report: pytest.TestReport | pytest.CollectReport, cells: list[str]) -> None:
    # A requirement's row is rendered by report_page from the document; pytest's own row (node id,
    # duration, Skipped, a traceback naming local files) is not for the customer. An emptied list
    # drops the row from the file altogether.
    if any(name == PROP_REQUIREMENT for name, _ in getattr(report, "user_properties", ())):
        del cells[:]
    elif len(cells) > 1 and cells[1].startswith('<td class="col-testId">'):
        # Anything else (a collection error) keeps its row, its id escaped (pytest-html#1024).
        test_id = report.nodeid if getattr(report, "when", "call") == "call" else f"{report.nodeid}::{report.when}"
        cells[1] = f'<td class="col-testId">{html.escape(test_id)}</td>'


def redact(data: list[str], secrets: tuple[str, ...]) -> None:
    """Defence in depth: tracebacks (e.g. with --showlocals) must not carry a password into the file."""
    for index, line in enumerate(data):
        for secret in secrets:
            line = line.replace(secret, REDACTED).replace(html.escape(secret), REDACTED)
        data[index] = line


class HtmlReport:
    """pytest-html hooks. ``plugin.pytest_configure`` registers this only on the controller, only when
    the checks run and pytest-html writes a report, so its hookspecs always exist (``-p no:html``)."""

    def __init__(self, config: pytest.Config, settings: Settings, run: AcceptanceRun) -> None:
        self.config = config
        self.settings = settings
        self.run = run
        self.path = html_report_path(config)
        self._report_data: Any = None

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
        return seal_file(self.path, key, self.run.signer)

    def pytest_html_report_title(self, report: Any) -> None:
        # The verdict is not known yet: the summary hook retitles the page once it is.
        self._report_data = report
        report.title = draft_title(self.settings.company_id)

    def pytest_html_results_table_row(self, report: pytest.TestReport | pytest.CollectReport, cells: list[str]) -> None:
        customer_rows_only(report, cells)

    def pytest_html_results_table_html(self, data: list[str]) -> None:
        redact(data, self.settings.secrets)

    def pytest_html_results_summary(self, prefix: list[str]) -> None:
        document = self.run.document
        if document is None:  # the run ended before the results existed (e.g. a collection error)
            prefix.append("<p><strong>pex-intacct: no results were recorded; this is not an acceptance.</strong></p>")
            return
        if self._report_data is not None:
            self._report_data.title = report_title(document)
        prefix.append(render_summary(document))
        environment = environment_of(document)
        if environment:
            _replace_environment(self.config, environment)


class FleetHtmlReport:
    """The fleet page (``--intacct-fleet`` with ``--html``; ``report/fleet_page.py``): the counts, what
    changed, the matrix and each company folded.

    Not sealed: the file digest and signature seal one company's report, which ``verify`` re-renders from
    its one embedded document. The fleet page shows each company's document digest instead; a
    company's signed document (``--intacct-json=DIR/``) is what goes on its ticket. pytest-html's own
    rows and their logs are dropped (``customer_rows_only``): at 1000 companies they would be 12,000
    rows in the file's JSON, and the page's sections already carry every result.
    """

    def __init__(self, config: pytest.Config, run: FleetRun) -> None:
        self.config = config
        self.path = html_report_path(config)
        self._report_data: Any = None
        self.fleet_run = run
        self._html_reports: list[dict[str, Any]] | None = None

    def pytest_html_report_title(self, report: Any) -> None:
        self._report_data = report
        report.title = "PEX Sage Intacct fleet report (no results)"

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        # pytest-html keeps every report of every test to the end of the run (it needs a test's phases
        # together only until its teardown). A fleet's rows are dropped, so a finished test's reports are
        # let go: at a thousand companies they were a fifth of the run's memory.
        if self._html_reports is None:
            from pytest_html.basereport import BaseReport  # type: ignore[import-untyped]

            plugins = self.config.pluginmanager.get_plugins()
            found = [getattr(plugin, "_reports", None) for plugin in plugins if isinstance(plugin, BaseReport)]
            self._html_reports = [reports for reports in found if isinstance(reports, dict)]
        for reports in self._html_reports:
            reports.pop(nodeid, None)

    def pytest_html_results_table_row(self, report: pytest.TestReport | pytest.CollectReport, cells: list[str]) -> None:
        customer_rows_only(report, cells)

    def pytest_html_results_table_html(self, data: list[str]) -> None:
        redact(data, self.fleet_run.fleet.secrets)

    def pytest_html_results_summary(self, prefix: list[str]) -> None:
        from ..report.fleet_page import fleet_title, render_fleet_summary

        fleet_document = self.fleet_run.fleet_document
        if fleet_document is None:
            prefix.append("<p><strong>pex-intacct: no results were recorded; this is not an acceptance.</strong></p>")
            return
        if self._report_data is not None:
            self._report_data.title = fleet_title(fleet_document)
        prefix.append(render_fleet_summary(fleet_document, self.fleet_run.documents))
        first = next(iter(self.fleet_run.documents.values()), None)
        environment = environment_of(first) if first is not None else []
        if environment:
            _replace_environment(self.config, environment)
