"""What one requirement's fact can be, before a check judges it.

A reading is decided before any check body runs: the facts the body judges are established
(``Observed``; ``Evidence`` where the fact is itself an inference, as the sign-in's), or one of the
shapes that must never reach a body: unavailable (blocked by another requirement, or an error),
needs a person (Intacct shows nothing that establishes it: manual, attestable), or not applicable
to this company (with the reason that establishes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Evidence:
    """A verified fact about one requirement: met or not, and what Intacct showed."""

    met: bool
    observed: str


@dataclass(frozen=True)
class Observed:
    """Intacct showed what the requirement needs, in values this tool recognises: the check judges it."""

    observed: str


@dataclass(frozen=True)
class Unavailable:
    """A fact that could not be established: blocked by another requirement, or an error."""

    reason: str
    blocked_by: str | None = None
    # What the write probe created and could not delete before it gave up (said in ``reason`` too).
    leftovers: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.blocked_by is None


@dataclass(frozen=True)
class NeedsPerson:
    """Intacct answered, but nothing it showed establishes the requirement: a person confirms it in the UI."""

    observed: str


@dataclass(frozen=True)
class NotApplicable:
    """Nothing to check on this company, and why that is established (e.g. no roles on user-based permissions)."""

    reason: str


Reading: TypeAlias = Evidence | Observed | Unavailable | NeedsPerson | NotApplicable
