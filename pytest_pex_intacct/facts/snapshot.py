"""One company snapshot: every fact the checks need, gathered in one batched, signed-in request.

Data flows one way: settings → one request (plus one for UDD read probes, plus the opt-in write
probe's two) → classified sign-in and parsed facts, each by its module in the registry. A fact that
could not be established is an :class:`Unavailable` saying whether another requirement blocked it or
an error prevented it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from ..config.settings import Settings
from ..intacct.client import IntacctClient
from ..intacct.envelope import LoginCredentials
from ..intacct.errors import IntacctError
from ..intacct.functions import IntacctFunction
from ..requirements import Requirement
from .fact import Answers, Fact
from .probe import ProbeOutcome
from .reading import NeedsPerson, Reading, Unavailable
from .registry import FACTS, read_functions
from .sign_in import SIGN_IN_FACT, SignIn

# What decides whether a requirement can be judged: a reading of its fact, the probe's outcome (its
# own reading), or None when its fact is not asked for in this run.
RequirementReading: TypeAlias = Reading | ProbeOutcome | None


@dataclass(frozen=True)
class CompanySnapshot:
    company_id: str
    user_id: str
    # Each fact's value by its name: typed, Unavailable, NeedsPerson, or None when not asked for.
    values: Mapping[str, object]

    @property
    def sign_in(self) -> SignIn:
        return cast(SignIn, self.values[SIGN_IN_FACT.name])

    def value(self, fact: Fact[Any]) -> object:
        return self.values.get(fact.name)

    def reading(self, requirement: Requirement) -> RequirementReading:
        """The requirement's reading of its fact, or why the fact itself is missing (blocked or error)."""
        value = self.values.get(requirement.fact)
        if value is None or isinstance(value, Unavailable | NeedsPerson):
            return value
        return cast(RequirementReading, getattr(value, requirement.reading))

    def noted(self, note: str) -> CompanySnapshot:
        """The snapshot with ``note`` added to the reason of every fact that could not be established."""
        values = {fact.name: fact.noted(self.values[fact.name], note) for fact in FACTS if fact.name in self.values}
        return CompanySnapshot(self.company_id, self.user_id, values)

    @classmethod
    def unavailable(cls, settings: Settings, reason: str) -> CompanySnapshot:
        """Nothing could be verified (network, protocol, recording): every fact is an error."""
        error = Unavailable(reason)
        values = {fact.name: fact.unavailable(error) if fact.asked(settings) else None for fact in FACTS}
        return cls(settings.company_id, settings.user_id, values)


@dataclass(frozen=True)
class ReadPlan:
    """The functions the batch sends, and the facts left unread with why (a recording that predates them)."""

    functions: Sequence[IntacctFunction]
    not_read: Mapping[str, str] = field(default_factory=dict)


def gather_snapshot(
    client: IntacctClient,
    settings: Settings,
    run_id: str,
    explain: Callable[[IntacctError], str] = lambda error: error.message,
    write_probe_selected: bool = True,
    plan: ReadPlan | None = None,
) -> CompanySnapshot:
    """``explain`` rewords a failure to get any answer (a replay's answers come from its cassette).

    With ``write_probe_selected`` false (``-k`` left STEP1 out) the probe writes nothing; its
    folder listing, a read, stays in the batch so that recordings match whatever was selected.
    ``plan`` (a replay's) narrows the batch to what its recording holds.
    """
    plan = plan or ReadPlan(read_functions(settings))
    not_read = plan.not_read
    login = LoginCredentials(settings.user_id, settings.company_id, settings.user_password)
    try:
        response = client.send(login, plan.functions)
    except IntacctError as error:
        return CompanySnapshot.unavailable(settings, explain(error))

    answers = Answers(response, settings, client, login, run_id, write_probe_selected)
    blocker = cast(SignIn, answers.value(SIGN_IN_FACT)).blocker
    for fact in FACTS:
        if fact is SIGN_IN_FACT or not fact.asked(settings):
            continue
        if blocker is not None:
            answers.parsed[fact.name] = blocker
        elif fact.name in not_read:
            answers.parsed[fact.name] = Unavailable(not_read[fact.name])
    try:
        for fact in FACTS:
            answers.value(fact)
    except IntacctError as error:
        return CompanySnapshot.unavailable(settings, explain(error))
    return CompanySnapshot(settings.company_id, settings.user_id, dict(answers.parsed))
