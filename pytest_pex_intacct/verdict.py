"""Requirement outcomes → the run's verdict → the results document (docs/outcomes.md, docs/results-json.md).

Outcomes ride on ``report.user_properties`` (plain strings), so they reach an xdist controller,
JUnit XML and the HTML report unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .outside_text import shown
from .requirements import CATALOGUE, Requirement


class Outcome(StrEnum):
    """One requirement's outcome, as the JSON, the terminal and the report name it."""

    PASSED = "passed"
    FAILED = "failed"
    BLOCKED = "blocked"
    ERROR = "error"
    NOT_APPLICABLE = "not-applicable"
    MANUAL = "manual"
    # Deselected (-k, node ids) or never reached (-x, interrupt): nothing was checked, nothing is known.
    NOT_RUN = "not-run"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not-accepted"
    INCOMPLETE = "incomplete"


# Short names for the members, as every module that decides outcomes uses them.
PASSED, FAILED, BLOCKED, ERROR = Outcome.PASSED, Outcome.FAILED, Outcome.BLOCKED, Outcome.ERROR
NOT_APPLICABLE, MANUAL, NOT_RUN = Outcome.NOT_APPLICABLE, Outcome.MANUAL, Outcome.NOT_RUN
OUTCOMES = tuple(Outcome)

# Heads what the write probe left behind, in the observed text a person reads.
CLEANUP_FAILED = "CLEAN-UP FAILED"

ACCEPTED, NOT_ACCEPTED, INCOMPLETE = Verdict.ACCEPTED, Verdict.NOT_ACCEPTED, Verdict.INCOMPLETE

# Property names on reports; "requirement" and "outcome" are what JUnit consumers look for.
PROP_REQUIREMENT = "requirement"
PROP_OUTCOME = "outcome"
PROP_OBSERVED = "observed"
PROP_BLOCKED_BY = "blocked_by"
PROP_ATTESTED_BY = "attested_by"
PROP_LEFTOVER = "leftover"
# From the attestation register: when the attester confirmed it, why, and until when (ISO dates).
PROP_ATTESTED_ON = "attested_on"
PROP_ATTESTATION_REASON = "attestation_reason"
PROP_ATTESTATION_EXPIRES = "attestation_expires"


@dataclass(frozen=True)
class RequirementResult:
    requirement: Requirement
    outcome: Outcome
    observed: str = ""
    blocked_by: str | None = None
    attested_by: str | None = None
    # An attestation from the register: its date, reason and expiry (ISO dates). An expired one leaves
    # ``attested_by`` unset and keeps only ``attestation_expires``, to say when it lapsed.
    attested_on: str | None = None
    attestation_reason: str | None = None
    attestation_expires: str | None = None
    # What the write probe could not delete: the run's summary repeats each in red.
    leftovers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # What Intacct showed reaches the terminal, JSON, HTML and JUnit: escaped and bounded, once, here.
        object.__setattr__(self, "observed", shown(self.observed))
        object.__setattr__(self, "leftovers", tuple(shown(leftover) for leftover in self.leftovers))

    @property
    def met(self) -> bool:
        """Counts towards acceptance: passed, a manual requirement someone attested, or one established
        not to apply to this company (STEP3-ROLE on user-based permissions, UDD-READ without UDDs)."""
        return self.outcome in (PASSED, NOT_APPLICABLE) or (self.outcome == MANUAL and self.attested_by is not None)

    def properties(self) -> list[tuple[str, str]]:
        # Plain strings: reports travel from xdist workers through execnet, which knows no enums.
        props = [(PROP_OUTCOME, self.outcome.value), (PROP_OBSERVED, self.observed)]
        if self.blocked_by:
            props.append((PROP_BLOCKED_BY, self.blocked_by))
        if self.attested_by:
            props.append((PROP_ATTESTED_BY, self.attested_by))
        for name, value in (
            (PROP_ATTESTED_ON, self.attested_on),
            (PROP_ATTESTATION_REASON, self.attestation_reason),
            (PROP_ATTESTATION_EXPIRES, self.attestation_expires),
        ):
            if value:
                props.append((name, value))
        props.extend((PROP_LEFTOVER, leftover) for leftover in self.leftovers)
        return props

    def to_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "id": self.requirement.id,
            "title": self.requirement.title,
            "guide_step": self.requirement.step,
            "where_to_fix": self.requirement.where,
            "mandatory": self.requirement.mandatory,
            "outcome": self.outcome,
            "observed": self.observed,
            "remediation": self.requirement.remediation if self.outcome == FAILED else "",
            "blocked_by": self.blocked_by,
            "attested_by": self.attested_by,
        }
        # Only when the register gave them: a document without a register is as before.
        for key, value in (
            ("attested_on", self.attested_on),
            ("reason", self.attestation_reason),
            ("expires", self.attestation_expires),
        ):
            if value:
                entry[key] = value
        return entry


def result_from_properties(
    requirement: Requirement, properties: Iterable[tuple[str, object]]
) -> RequirementResult | None:
    pairs = [(str(name), str(value)) for name, value in properties]
    values = dict(pairs)
    outcome = values.get(PROP_OUTCOME)
    if outcome not in OUTCOMES:
        return None
    return RequirementResult(
        requirement=requirement,
        outcome=Outcome(outcome),
        observed=values.get(PROP_OBSERVED, ""),
        blocked_by=values.get(PROP_BLOCKED_BY),
        attested_by=values.get(PROP_ATTESTED_BY),
        attested_on=values.get(PROP_ATTESTED_ON),
        attestation_reason=values.get(PROP_ATTESTATION_REASON),
        attestation_expires=values.get(PROP_ATTESTATION_EXPIRES),
        leftovers=tuple(value for name, value in pairs if name == PROP_LEFTOVER),
    )


NOT_SELECTED = "not selected in this run (-k, -m or node ids left it out); nothing was checked"
STOPPED_EARLY = "not run: the run stopped before it (-x/--maxfail, a collection error or an interruption)"


def complete(results: Mapping[str, RequirementResult], missing_reason: str = NOT_SELECTED) -> list[RequirementResult]:
    """Every catalogue requirement once, in catalogue order; one without a result is not-run."""
    return [
        results.get(requirement.id) or RequirementResult(requirement, NOT_RUN, observed=missing_reason)
        for requirement in CATALOGUE
    ]


def verdict(results: Iterable[RequirementResult]) -> Verdict:
    results = list(results)
    if any(result.outcome == FAILED for result in results):
        return NOT_ACCEPTED
    if all(result.met for result in results if result.requirement.mandatory):
        return ACCEPTED
    return INCOMPLETE


def counts(results: Iterable[RequirementResult]) -> dict[Outcome, int]:
    tally = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        tally[result.outcome] += 1
    return tally


def utc_text(moment: datetime) -> str:
    """A time as the results document writes it: UTC, to the second, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# 2: deselected and unreached requirements are `not-run` (they were `not-applicable`).
SCHEMA_VERSION = 2


# A replay of a recording older than this says so beside the verdict: record again before a customer signs.
STALE_RECORDING_DAYS = 30


def recording_age_days(recorded_at: str | None, replayed_at: str) -> int | None:
    """Whole days between when Intacct was read (a recording's ``recorded_at``) and the replay; None if unknown."""
    if recorded_at is None:
        return None
    try:
        read = datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
        replayed = datetime.fromisoformat(replayed_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max((replayed - read).days, 0)


def results_document(
    *,
    company_id: str,
    mode: str,
    results: list[RequirementResult],
    plugin_version: str,
    user_id: str,
    sender_id: str,
    started_at: str,
    finished_at: str,
    signoff: str | None,
    ticket: str | None,
    cassette: str | None,
    cassette_sha256: str | None = None,
    recorded_at: str | None = None,
    recording_age_days: int | None = None,
) -> dict[str, object]:
    """The stable results document (docs/results-json.md); ``schema`` changes only when a field changes meaning.

    ``report.digests.sign_document`` adds a ``digest`` field (what it covers is documented there) before the
    document is written (``--intacct-json``) or embedded in the HTML report.
    """
    return {
        "schema": SCHEMA_VERSION,
        "company": company_id,
        "verdict": verdict(results),
        "mode": mode,
        "user": user_id,
        "sender_id": sender_id,
        "plugin_version": plugin_version,
        "started_at": started_at,
        "finished_at": finished_at,
        "signoff": signoff,
        "ticket": ticket,
        "cassette": cassette,
        "cassette_sha256": cassette_sha256,
        "recorded_at": recorded_at,
        "recording_age_days": recording_age_days,
        "counts": counts(results),
        "requirements": [result.to_json() for result in results],
    }
