"""One attestation from the register (``--intacct-attestations``), as a company's settings carry it.

The register file is read and matched to a company by ``fleet/attestations.py``; configuration only
holds the result, so the checks (``run/check.py``) can use it without knowing where it came from.
Whether it has expired is decided once, against the run's start date, when it is matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Attestation:
    requirement: str
    # "Name <email>", validated as --intacct-signoff is.
    by: str
    on: date
    reason: str
    expires: date
    # As of the run's start date: an expired attestation attests nothing, and says when it lapsed.
    expired: bool = False


def attestation_of(attestations: tuple[Attestation, ...], requirement_id: str) -> Attestation | None:
    """The attestation of ``requirement_id`` among a company's: an unexpired one first, the latest given first."""
    matching = [entry for entry in attestations if entry.requirement == requirement_id]
    return min(matching, key=lambda entry: (entry.expired, -entry.on.toordinal()), default=None)
