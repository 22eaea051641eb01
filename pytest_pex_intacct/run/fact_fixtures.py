"""The typed facts a bundled check judges, one fixture each (as pytest-testinfra hands over ``host``),
made from the fact registry: a new fact module brings its fixture with it.

Each depends on ``intacct``, whose setup has already made sure the requirement at hand can be
judged: blocked, manual and not-applicable requirements are skipped and unverifiable ones are
errors before any of these is asked for. Registered as a plugin only when the checks run.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pytest

from ..facts.fact import Fact
from ..facts.registry import FACTS
from .check import Check


def _fixture(fact: Fact[Any]) -> Callable[..., object]:
    def hand_over(intacct: Check) -> object:
        return intacct.fact(fact)

    hand_over.__doc__ = fact.doc
    hand_over.__name__ = fact.fixture
    return pytest.fixture(name=fact.fixture)(hand_over)


def fact_fixtures() -> types.ModuleType:
    """A plugin module holding one fixture per registered fact."""
    module = types.ModuleType("pytest_pex_intacct.fact_fixtures", "The typed facts a bundled check judges.")
    for fact in FACTS:
        setattr(module, fact.fixture, _fixture(fact))
    return module
