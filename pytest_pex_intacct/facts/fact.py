"""What a fact is to the registry: the reads it adds to the batch, the parser of their answer, and the
fixture that hands its typed value to a check. Each fact module declares one :class:`Fact`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, cast

from ..config.settings import Settings
from ..intacct.client import IntacctClient
from ..intacct.envelope import LoginCredentials
from ..intacct.errors import ErrorDetail, describe_errors, is_busy, is_not_offered, is_permission_refusal
from ..intacct.functions import IntacctFunction
from ..intacct.response import Response, Result
from .reading import NeedsPerson, Unavailable

ValueT = TypeVar("ValueT")


@dataclass(frozen=True)
class Answers:
    """What a fact's parser reads: the batch's answer, the run's settings, the facts parsed before it
    (in registry order), and the client for the follow-up requests a fact may make (UDD read probes,
    the write probe)."""

    response: Response
    settings: Settings
    client: IntacctClient
    login: LoginCredentials
    run_id: str
    # False when -k left STEP1 out: the write probe then writes nothing.
    write_probe_selected: bool
    parsed: dict[str, object] = field(default_factory=dict)

    def result(self, control_id: str) -> Result:
        return self.response.result(control_id)

    def value(self, fact: Fact[ValueT]) -> ValueT | Unavailable | NeedsPerson | None:
        """The fact, parsed now if no other fact needed it before (None: not asked for in this run).

        Parsed on first use, so a fact may build on another whatever their order in the batch.
        """
        if fact.name not in self.parsed:
            self.parsed[fact.name] = fact.parse(self) if fact.asked(self.settings) else None
        return cast("ValueT | Unavailable | NeedsPerson | None", self.parsed[fact.name])


def _no_functions(settings: Settings) -> Sequence[IntacctFunction]:
    return ()


def _always(settings: Settings) -> bool:
    return True


def _itself(value: Any) -> object:
    return value


def noted_if_unavailable(value: object, note: str) -> object:
    """``value`` with ``note`` added to its reason when it could not be established."""
    return replace(value, reason=f"{value.reason}; {note}") if isinstance(value, Unavailable) else value


@dataclass(frozen=True)
class Fact(Generic[ValueT]):
    """One fact the checks judge. Adding a read to the product is one module declaring one of these,
    listed in :mod:`.registry`: the batch, the snapshot, the fixtures, the recording's notes and what
    "unavailable" means all follow from the declarations."""

    # Its key in the snapshot, and the word a recording that predates it is described by.
    name: str
    kind: type[ValueT]
    # The fixture a check asks for to receive it, and what that fixture hands over.
    fixture: str
    doc: str
    # None: asked for, but nothing was read this run (the write probe left out by -k).
    parse: Callable[[Answers], ValueT | Unavailable | NeedsPerson | None]
    # Its functions in the one batched request (control ids unique across the registry).
    functions: Callable[[Settings], Sequence[IntacctFunction]] = _no_functions
    # Whether this run asks for it at all (the optional UDDs, the opt-in probe).
    asked: Callable[[Settings], bool] = _always
    for_body: Callable[[Any], object] = _itself
    # The fact when nothing could be established, from the reason why.
    unavailable: Callable[[Unavailable], object] = _itself
    noted: Callable[[object, str], object] = noted_if_unavailable


def read_problem(errors: tuple[ErrorDetail, ...], what: str, permission: str, user_id: str) -> str:
    """Why a read failed, with who must act: the customer for a permission, nobody for a busy Intacct.

    ``permission`` is the one the guide's "full permissions" user needs for the read, as Intacct's role
    and user permission pages name it.
    """
    shown = describe_errors(errors)
    if is_busy(errors):
        return (
            f"Intacct was busy or off-line while trying to {what} ({shown}); not the company's setup: run again later"
        )
    if is_permission_refusal(errors):
        return (
            f"user {user_id!r} may not {what}: its role lacks the permission {permission} ({shown}). The guide asks "
            "for a Web Services user with full permissions: grant it on the user's role (Company > Admin tab > "
            "Roles > Edit > Permissions), or on the user itself where the company uses user-based permissions, "
            "and run again"
        )
    if is_not_offered(errors):
        return (
            f"Intacct refused to {what} for a reason that is no permission of the customer's role: {shown}. "
            "Intacct does not offer this read here (or the feature is off for the company or the user): not a "
            "setting the guide asks for; ask PEX to look at it"
        )
    return f"Intacct could not {what}: {shown}"
