"""What a bundled check sees: one requirement, the company snapshot, and a place to say what it observed.

Before a check's body runs, :meth:`Check.prepare` (called from the ``intacct`` fixture's setup)
turns missing facts into the right SPEC §3 shape: ``blocked`` and ``not-applicable`` and
``manual`` become skips with a reason, an error becomes a setup error. The body then only
states what it observed and asserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from .facts import GlLookup, ProbeOutcome, RoleAssignments, UddReadability, UserRecord
from .requirements import Requirement
from .settings import Settings
from .sign_in import Evidence, Unavailable
from .snapshot import CompanySnapshot
from .verdict import BLOCKED, MANUAL, NOT_APPLICABLE, RequirementResult

FactT = TypeVar("FactT")

PROBE_REQUIREMENT = "STEP1-ATTACHMENT-NUMBERING"
UDD_REQUIREMENT = "UDD-READ"

# Which snapshot fact each requirement asserts on.
NEEDS: dict[str, str] = {
    PROBE_REQUIREMENT: "probe",
    "STEP2-WEB-SERVICES": "sign_in.web_services",
    "STEP2-SENDER-ID": "sign_in.sender",
    "STEP3-USER-SIGN-IN": "sign_in.user_sign_in",
    "STEP3-WEB-SERVICES-USER": "user",
    "STEP3-ROOT-LEVEL": "user",
    "STEP3-EMAIL": "user",
    "STEP3-USER-TYPE": "user",
    "STEP3-ADMIN-FULL": "user",
    "STEP3-ROLE": "roles",
    "STEP4-NORMAL-BALANCE": "gl",
    UDD_REQUIREMENT: "udd",
}


class RequirementUnverified(Exception):
    """The requirement could not be verified for a reason outside the customer's setup (SPEC: error)."""


@dataclass
class Check:
    requirement: Requirement
    snapshot: CompanySnapshot
    settings: Settings
    observed: str = ""
    attested_by: str | None = None
    decided: RequirementResult | None = field(default=None, repr=False)

    def observe(self, text: str) -> None:
        """Record what Intacct showed; it goes to the report and JSON, pass or fail."""
        self.observed = text

    def unverifiable(self, reason: str) -> None:
        raise RequirementUnverified(reason)

    def _fact(self) -> object:
        value: object = self.snapshot
        for part in NEEDS[self.requirement.id].split("."):
            value = getattr(value, part)
        return value

    def _skip(self, outcome: str, reason: str, blocked_by: str | None = None) -> None:
        self.decided = RequirementResult(self.requirement, outcome, observed=reason, blocked_by=blocked_by)
        label = {BLOCKED: f"BLOCKED by {blocked_by}", MANUAL: "MANUAL", NOT_APPLICABLE: "NOT APPLICABLE"}[outcome]
        pytest.skip(f"{label}: {reason}")

    def prepare(self) -> None:
        requirement_id = self.requirement.id
        if requirement_id == PROBE_REQUIREMENT and not self.settings.write_probe:
            if requirement_id in self.settings.attested and self.settings.signoff is not None:
                self.attested_by = str(self.settings.signoff)
                self.observe(f"attested by {self.attested_by} (Intacct has no read API for this setting)")
                return
            self._skip(
                MANUAL,
                "Intacct has no read API for the Attachments sequence: check it in the UI, then attest it with "
                f'--intacct-attest={PROBE_REQUIREMENT} --intacct-signoff="Name <email>", or let '
                "--intacct-write-probe verify it",
            )
        if requirement_id == UDD_REQUIREMENT and not self.settings.udd:
            self._skip(NOT_APPLICABLE, "optional requirement not requested (add --intacct-udd to check it)")
        fact = self._fact()
        if isinstance(fact, Unavailable):
            if fact.blocked_by:
                self._skip(BLOCKED, fact.reason, fact.blocked_by)
            raise RequirementUnverified(fact.reason)
        if isinstance(fact, UddReadability) and not fact.dimensions:
            self._skip(NOT_APPLICABLE, "the company has no user-defined dimensions (getDimensions lists none)")

    @property
    def attested(self) -> bool:
        return self.attested_by is not None

    def _typed(self, kind: type[FactT]) -> FactT:
        fact = self._fact()
        if not isinstance(fact, kind):
            raise RequirementUnverified(f"internal error: {self.requirement.id} has no {kind.__name__} fact")
        return fact

    @property
    def evidence(self) -> Evidence:
        return self._typed(Evidence)

    @property
    def user(self) -> UserRecord:
        return self._typed(UserRecord)

    @property
    def roles(self) -> RoleAssignments:
        return self._typed(RoleAssignments)

    @property
    def gl(self) -> GlLookup:
        return self._typed(GlLookup)

    @property
    def udd(self) -> UddReadability:
        return self._typed(UddReadability)

    @property
    def probe(self) -> ProbeOutcome:
        return self._typed(ProbeOutcome)
