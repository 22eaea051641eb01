"""What a fleet run concludes: ``fleet.json``, the fleet's verdict, and its lines in the terminal."""

from __future__ import annotations

from collections.abc import Mapping

from ..fleet.drift import CompanyDrift, Drift
from ..fleet.fleet_file import shown
from ..fleet.fleet_settings import Fleet
from ..verdict import (
    ACCEPTED,
    ERROR,
    FAILED,
    INCOMPLETE,
    NOT_ACCEPTED,
    NOT_RUN,
    STOPPED_EARLY,
    RequirementResult,
    Verdict,
    counts,
    verdict,
)

FLEET_SCHEMA_VERSION = 1


def fleet_verdict(verdicts: list[Verdict]) -> Verdict:
    """Accepted only when every company is; not accepted when any is not; otherwise incomplete."""
    if verdicts and all(one == ACCEPTED for one in verdicts):
        return ACCEPTED
    return NOT_ACCEPTED if NOT_ACCEPTED in verdicts else INCOMPLETE


def fleet_document(
    fleet: Fleet,
    documents: Mapping[str, Mapping[str, object]],
    finals: Mapping[str, list[RequirementResult]],
    drifts: Mapping[str, list[Drift]],
    causes: Mapping[str, CompanyDrift | None],
    started_at: str,
    finished_at: str,
) -> dict[str, object]:
    entries = []
    for company, document in documents.items():
        results = finals[company]
        entry: dict[str, object] = {
            "company": company,
            "verdict": verdict(results),
            "counts": counts(results),
            "failed": [result.requirement.id for result in results if result.outcome == FAILED],
            "digest": document.get("digest"),
        }
        if fleet.baseline is not None:
            entry["baseline"] = company in fleet.baselines
            entry["drift"] = [change.to_json() for change in drifts.get(company, [])]
            cause = causes.get(company)
            entry["drift_cause"] = cause.to_json() if cause is not None else None
        entries.append(entry)
    return {
        "schema": FLEET_SCHEMA_VERSION,
        "fleet": fleet.path.name,
        "shard": str(fleet.shard) if fleet.shard else None,
        "mode": fleet.mode,
        "started_at": started_at,
        "finished_at": finished_at,
        "verdict": fleet_verdict([verdict(finals[company]) for company in documents]),
        "baseline": baseline_of(fleet),
        "companies": entries,
    }


def baseline_of(fleet: Fleet) -> dict[str, object] | None:
    """Which earlier run drift compares with (a baseline directory, or the history's last run): its name
    as given, and when it was taken (``fleet/baseline_source.py``)."""
    return fleet.baseline.to_json() if fleet.baseline is not None else None


def drift_lines(baseline: object, causes: Mapping[str, CompanyDrift | None]) -> list[tuple[str, dict[str, bool]]]:
    """The terminal's drift lines with their markup: one heading naming the baseline and when it was taken,
    then one line per changed company (regressions first, red; the other changes yellow)."""
    if not isinstance(baseline, Mapping):
        return []
    changed = {company: cause for company, cause in causes.items() if cause is not None}
    taken = f" (taken {baseline['taken_at']})" if baseline.get("taken_at") else ""
    regressed = sum(1 for cause in changed.values() if cause.regression)
    heading = (
        f"drift since baseline {shown(str(baseline.get('name')))}{taken}: {len(changed)} of {len(causes)} "
        "companies with a baseline changed" + (f", {regressed} for the worse" if regressed else "")
    )
    ordered = sorted(changed.items(), key=lambda pair: (not pair[1].regression, pair[0]))
    return [(heading, {})] + [
        (f"DRIFT {company} {cause.line()}", {"red": True} if cause.regression else {"yellow": True})
        for company, cause in ordered
    ]


def why_not_accepted(results: list[RequirementResult]) -> str:
    """What keeps a company from being accepted, in one short line (the details are above and in its document)."""
    failed = [result.requirement.id for result in results if result.outcome == FAILED]
    if failed:
        return "failed " + ", ".join(failed)
    unmet = [result for result in results if result.requirement.mandatory and not result.met]
    errors = [result for result in unmet if result.outcome == ERROR]
    not_run = [result for result in unmet if result.outcome == NOT_RUN]
    parts = [
        f"{result.requirement.id} {result.outcome}"
        + (f" (attestation expired on {result.attestation_expires})" if result.attestation_expires else "")
        for result in unmet
        if result.outcome not in (ERROR, NOT_RUN)
    ]
    if errors:
        first = errors[0].observed
        shown_error = first if len(first) <= 160 else first[:157] + "..."
        parts.insert(0, f"{len(errors)} could not be verified ({shown_error})")
    if not_run:
        # -k STEP3-ROLE leaves eleven requirements of every company out: counted, not listed.
        why = "the run stopped before them" if not_run[0].observed == STOPPED_EARLY else "not selected in this run"
        parts.append(f"{len(not_run)} not run ({why})")
    return "; ".join(parts)


def verdict_tally(verdicts: Mapping[str, Verdict]) -> str:
    return ", ".join(
        f"{sum(1 for one in verdicts.values() if one == kind)} {kind}"
        for kind in (ACCEPTED, NOT_ACCEPTED, INCOMPLETE)
        if any(one == kind for one in verdicts.values())
    )
