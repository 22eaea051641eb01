"""Every fact the checks judge, in the order their reads stand in the one batched request.

The batch, the snapshot, the fixtures, what a recording notes and what "unavailable" means all follow
from this list. Adding a read is one fact module, listed here.
"""

from __future__ import annotations

from typing import Any

from ..config.settings import Settings
from ..intacct.functions import IntacctFunction
from .fact import Fact
from .gl_account import GL_ACCOUNT_FACT
from .probe import PROBE_FACT
from .restriction import RESTRICTION_FACT
from .roles import ROLES_FACT
from .sign_in import SIGN_IN_FACT
from .udd import UDD_FACT
from .user import USER_FACT

# The order is the batch's: a recording made before a change of order would no longer match it.
FACTS: tuple[Fact[Any], ...] = (
    SIGN_IN_FACT,
    USER_FACT,
    ROLES_FACT,
    RESTRICTION_FACT,
    GL_ACCOUNT_FACT,
    UDD_FACT,
    PROBE_FACT,
)
BY_NAME: dict[str, Fact[Any]] = {fact.name: fact for fact in FACTS}


def asked_facts(settings: Settings) -> tuple[Fact[Any], ...]:
    return tuple(fact for fact in FACTS if fact.asked(settings))


def read_functions(settings: Settings, facts: tuple[Fact[Any], ...] | None = None) -> list[IntacctFunction]:
    """The reads of ``facts`` (every fact this run asks for, by default), for one request."""
    return [
        function
        for fact in (asked_facts(settings) if facts is None else facts)
        for function in fact.functions(settings)
    ]
