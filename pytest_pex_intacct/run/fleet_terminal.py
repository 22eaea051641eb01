"""A fleet run's section of the terminal summary: drift first, then what needs a person, then the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..config.option import Mode
from ..facts.probe import PROBE_FOLDER
from ..fleet.fleet_file import shown
from ..fleet.fleet_settings import FLEET_DOCUMENT
from ..intacct.secrets import Redactor
from ..recording.cassette_file import written_since
from ..verdict import ACCEPTED, NOT_ACCEPTED, Verdict, verdict
from .fleet_history import failing_since_words, history_line
from .fleet_summary import drift_lines, verdict_tally, why_not_accepted

if TYPE_CHECKING:
    from .fleet_run import FleetRun


def write_fleet_summary(run: FleetRun, terminalreporter: pytest.TerminalReporter) -> None:
    assert run.fleet_document is not None
    write = terminalreporter.write_line
    terminalreporter.section("pex-intacct fleet", sep="=")
    # Drift first: what changed since the baseline is the news of a nightly run, one line per company.
    for line, markup in drift_lines(run.fleet_document.get("baseline"), run.causes):
        write(line, **markup)
    for company_id, results in run.finals.items():
        for result in results:
            for leftover in result.leftovers:
                write(f"WRITE PROBE LEFT DATA IN COMPANY {company_id}: {leftover}", red=True)
    if run.fleet.mode == Mode.RECORD:
        write(_cassettes_line(run))
    for company_id, write_probe_selected in run.abandoned.items():
        write(f"INTERRUPTED   {company_id}: {_abandoned_read(run, company_id, write_probe_selected)}", red=True)
    if run.fleet.json_dir is not None:
        written = shown(str(run.fleet.json_dir))
        write(f"results written to {written} ({len(run.documents)} documents and {FLEET_DOCUMENT})")
    if run.history is not None:
        write(history_line(run.history), red=bool(run.history.error))
    unselected = len(run.fleet.companies) - len(run.documents)
    if unselected:
        write(f"{unselected} companies of the fleet were not selected in this run (-k, node ids)")
    verdicts = {company: verdict(results) for company, results in run.finals.items()}
    # One line per company that is not accepted, the ones that must change something first.
    for company, outcome in sorted(verdicts.items(), key=lambda pair: (pair[1] != NOT_ACCEPTED, pair[0])):
        if outcome != ACCEPTED:
            # Passwords were redacted where Intacct's answers were read; this is the last line of defence.
            redacted = Redactor.of(run.fleet.company(company).secrets)
            why = redacted(why_not_accepted(run.finals[company])) + failing_since_words(run.history, company)
            write(f"{outcome.upper():<13} {company}: {why}", red=True)
    overall = Verdict(str(run.fleet_document["verdict"]))
    markup = {"green": True} if overall == ACCEPTED else {"red": True}
    write(
        f"pex-intacct fleet verdict: {overall.upper()} "
        f"({len(verdicts)} companies: {verdict_tally(verdicts) or 'none checked'})",
        bold=True,
        **markup,
    )


def _abandoned_read(run: FleetRun, company_id: str, write_probe_selected: bool) -> str:
    said = "its read was still under way and was abandoned; what it did not reach is not-run"
    if not (write_probe_selected and run.fleet.company(company_id).write_probe):
        return said
    # The probe deletes what it created when it ends; abandoned, it may never get to.
    return (
        f"{said}; its write probe may have left an attachment in folder {PROBE_FOLDER!r}: check and delete "
        "it by hand (Applications > Company > Attachments)"
    )


def _cassettes_line(run: FleetRun) -> str:
    written: list[str] = []
    kept: list[str] = []
    for company in run.documents:
        settings = run.fleet.company(company)
        path = settings.cassette_path
        # Under xdist a worker records, so the controller judges by the files themselves.
        fresh = written_since(path, run.cassettes_before.get(company))
        (written if fresh else kept).append(path.name + (" (replacing the earlier one)" if settings.replacing else ""))
    line = f"cassettes written to {run.fleet.companies[0].cassette_dir}: {', '.join(written) or 'none'}"
    if kept:
        line += f"; not written (nothing usable was read; the errors above say why): {', '.join(kept)}"
    return line
