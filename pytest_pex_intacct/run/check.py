"""What a bundled check runs on: one requirement, the company snapshot, and the typed facts it judges.

Before a check's body runs, :meth:`Check.prepare` (called from the ``intacct`` fixture's setup)
takes the requirement's reading of its fact (the catalogue names both): ``blocked``, ``not-applicable``, ``manual`` and
attested become skips with a reason, and anything that cannot be verified (an :class:`Unavailable`
reading: network, missing or unrecognised field) becomes a setup *error*. What Intacct showed is
recorded as the requirement's observation. So every "can this be verified at all" decision is
taken in setup, and the body only asserts over typed facts (``web_services_user.admin_privileges``,
``pex_gl_account.normal_balance``): a failing body is always a verified ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from ..config.attestation import Attestation, attestation_of
from ..config.settings import Settings
from ..facts.fact import Fact
from ..facts.probe import ProbeOutcome
from ..facts.reading import Evidence, NeedsPerson, NotApplicable, Observed, Unavailable
from ..facts.snapshot import CompanySnapshot, RequirementReading
from ..requirements import ATTACHMENT_NUMBERING, UDD_READ, Requirement
from ..verdict import BLOCKED, MANUAL, NOT_APPLICABLE, Outcome, RequirementResult


class RequirementUnverified(Exception):
    """The requirement could not be verified for a reason outside the customer's setup (outcome error).

    Raised only in setup (:meth:`Check.prepare`), so pytest reports it as an error, not a failure.
    """


@dataclass
class Check:
    # Imported into the check modules: a project's ``python_classes = Check*`` must not collect it.
    __test__: ClassVar[bool] = False

    requirement: Requirement
    settings: Settings
    snapshot: CompanySnapshot | None = field(default=None, repr=False)
    observed: str = ""
    # What the write probe could not delete, whatever the outcome.
    leftovers: tuple[str, ...] = ()
    decided: RequirementResult | None = field(default=None, repr=False)

    def _reading(self) -> RequirementReading:
        if self.snapshot is None:
            raise TypeError(f"{self.requirement.id}: the check was not prepared with a snapshot")
        return self.snapshot.reading(self.requirement)

    def _skip(
        self,
        outcome: Outcome,
        reason: str,
        blocked_by: str | None = None,
        attested_by: str | None = None,
        attestation: Attestation | None = None,
    ) -> None:
        # An expired attestation keeps only its expiry: it attests nothing, but says when it lapsed.
        valid = attestation is not None and not attestation.expired
        self.decided = RequirementResult(
            self.requirement,
            outcome,
            observed=reason,
            blocked_by=blocked_by,
            attested_by=attested_by,
            attested_on=attestation.on.isoformat() if valid and attestation else None,
            attestation_reason=attestation.reason if valid and attestation else None,
            attestation_expires=attestation.expires.isoformat() if attestation else None,
        )
        label = {
            BLOCKED: f"BLOCKED by {blocked_by}",
            MANUAL: "MANUAL",
            NOT_APPLICABLE: "NOT APPLICABLE",
        }[outcome]
        # The reason quotes Intacct: the terminal shows it as the decided result holds it (escaped, bounded).
        pytest.skip(f"{label}: {self.decided.observed}")

    def _attest_or_skip(self, reason: str) -> None:
        """A requirement Intacct cannot show: met when the signer attested it, otherwise manual.

        Either way the body does not run: there is nothing verified for it to judge.
        """
        requirement = self.requirement
        if requirement.id in self.settings.attested and self.settings.signoff is not None:
            signer = str(self.settings.signoff)
            self._skip(MANUAL, f"attested by {signer}; Intacct showed: {reason}", attested_by=signer)
        registered = attestation_of(self.settings.attestations, requirement.id)
        if registered is not None and not registered.expired:
            self._skip(
                MANUAL,
                f"attested by {registered.by} on {registered.on} ({registered.reason}; expires {registered.expires}); "
                f"Intacct showed: {reason}",
                attested_by=registered.by,
                attestation=registered,
            )
        # Customer's words: the report shows this. The terminal summary tells the operator the flags
        # that conclude it (attest, or the probe for Step 1).
        needs_person = f"{reason}. A person confirms it in Intacct ({requirement.where})"
        if registered is not None:
            expired = f"attestation by {registered.by} expired on {registered.expires}"
            self._skip(MANUAL, f"{expired}; {needs_person}", attestation=registered)
        self._skip(MANUAL, needs_person)

    def needs_intacct(self) -> bool:
        """Decide what needs no company data (manual, attested, not requested); True if Intacct must be asked.

        Runs before the snapshot is taken, so a failed snapshot never turns these into errors.
        """
        requirement_id = self.requirement.id
        if requirement_id == ATTACHMENT_NUMBERING and not self.settings.write_probe:
            self._attest_or_skip("Intacct has no read API for the Attachments sequence")
            return False
        if requirement_id == UDD_READ and not self.settings.udd:
            self._skip(NOT_APPLICABLE, "optional requirement not requested (add --intacct-udd to check it)")
        return True

    def prepare(self, snapshot: CompanySnapshot) -> None:
        """Blocked, manual and not-applicable become skips, an unverifiable fact a setup error, before the body runs."""
        self.snapshot = snapshot
        fact = self._reading()
        if isinstance(fact, ProbeOutcome | Unavailable):
            self.leftovers = fact.leftovers
        if isinstance(fact, Unavailable):
            if fact.blocked_by:
                self._skip(BLOCKED, fact.reason, fact.blocked_by)
            raise RequirementUnverified(fact.reason)
        if isinstance(fact, NotApplicable):
            self._skip(NOT_APPLICABLE, fact.reason)
        if isinstance(fact, NeedsPerson):
            self._attest_or_skip(fact.observed)
        if isinstance(fact, Evidence | Observed | ProbeOutcome):
            self.observed = fact.observed
            return
        raise TypeError(f"{self.requirement.id}: nothing to judge ({type(fact).__name__})")

    def fact(self, fact: Fact[Any]) -> object:
        """What the fact's fixture hands the body (the user, the GL account, the sign-in …)."""
        if self.snapshot is None:
            raise TypeError(f"{self.requirement.id}: the check was not prepared with a snapshot")
        value = self.snapshot.value(fact)
        if not isinstance(value, fact.kind):
            # Only a check asking for a fact its requirement does not establish gets here: a bug in this package.
            raise TypeError(f"{self.requirement.id} has no established {fact.name} fact ({type(value).__name__})")
        return fact.for_body(value)
