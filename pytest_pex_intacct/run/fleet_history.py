"""A fleet run's end with ``--intacct-history``: the run appended to the history, and what the fleet
summary and the terminal say from it (``failing_since``, the chart's ``history``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config.option import SettingsError
from ..fleet.fleet_file import shown
from ..fleet.fleet_settings import Fleet
from ..fleet.history import CompanyOutcome, Recorded, RequirementOutcome, RunRecord
from ..verdict import NOT_RUN, NOT_SELECTED, RequirementResult, verdict
from .fleet_summary import fleet_verdict


@dataclass(frozen=True)
class HistoryOutcome:
    file: str
    recorded: Recorded | None = None
    # Why the run could not be recorded (one line), when it could not.
    error: str | None = None
    # Companies left out of the history because not all their requirements were selected.
    partly_selected: int = 0


def record_in_history(
    fleet: Fleet, finals: Mapping[str, list[RequirementResult]], started_at: str, finished_at: str
) -> HistoryOutcome | None:
    """Append this run (controller only, once); None without ``--intacct-history`` or when no company was
    checked (``-k`` matching none): a run of nobody would be a 0-of-0 point on the chart and the next baseline."""
    history = fleet.history
    # A company with requirements left out (-k STEP3-ROLE) was not checked whole: recorded, it would turn
    # "failing" for what was not asked, and be the next run's baseline for requirements it never checked.
    whole = {company: results for company, results in finals.items() if not _partly_selected(results)}
    left_out = len(finals) - len(whole)
    if history is None or not finals:
        return None
    if not whole:
        return HistoryOutcome(history.name, partly_selected=left_out)
    finals = whole
    companies = tuple(
        CompanyOutcome(
            company,
            verdict(results).value,
            tuple(
                RequirementOutcome(one.requirement.id, one.outcome.value, one.blocked_by, one.attested_by is not None)
                for one in results
            ),
        )
        for company, results in finals.items()
    )
    run = RunRecord(
        fleet=fleet.path.name,
        shard=str(fleet.shard) if fleet.shard else None,
        mode=fleet.mode.value,
        started_at=started_at,
        finished_at=finished_at,
        verdict=fleet_verdict([verdict(results) for results in finals.values()]).value,
        companies=companies,
    )
    try:
        return HistoryOutcome(history.name, recorded=history.record(run), partly_selected=left_out)
    except SettingsError as error:
        return HistoryOutcome(history.name, error=str(error))


def _partly_selected(results: list[RequirementResult]) -> bool:
    return any(result.outcome == NOT_RUN and result.observed == NOT_SELECTED for result in results)


def with_history(document: dict[str, object], outcome: HistoryOutcome | None) -> dict[str, object]:
    """The fleet summary with ``history`` (always; null without a history) and each company's ``failing_since``."""
    recorded = outcome.recorded if outcome is not None else None
    if outcome is None or recorded is None:
        document["history"] = None
        return document
    document["history"] = {"file": outcome.file, "runs": [point.to_json() for point in recorded.runs]}
    entries = document.get("companies")
    for entry in entries if isinstance(entries, list) else []:
        entry["failing_since"] = recorded.failing_since.get(str(entry["company"]))
    return document


def failing_since_words(outcome: HistoryOutcome | None, company: str) -> str:
    """The words "; failing since 2026-12-03" for a company's NOT-ACCEPTED / INCOMPLETE line, when the history knows."""
    since = outcome.recorded.failing_since.get(company) if outcome is not None and outcome.recorded else None
    return f"; failing since {since[:10]}" if since else ""


def history_line(outcome: HistoryOutcome) -> str:
    """The terminal's line on the history: recorded (and what was left out), or why not."""
    if outcome.error:
        return outcome.error
    left_out = (
        f"{outcome.partly_selected} companies with requirements left out of this run (-k, node ids) are not in it"
        if outcome.partly_selected
        else ""
    )
    if outcome.recorded is None:
        return f"run not recorded in the history {shown(outcome.file)}: {left_out}"
    return f"run recorded in the history {shown(outcome.file)}" + (f"; {left_out}" if left_out else "")
