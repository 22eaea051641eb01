"""The typed facts a bundled check judges, one fixture each (as pytest-testinfra hands over ``host``).

Each depends on ``intacct``, whose setup has already made sure the requirement at hand can be
judged: blocked, manual and not-applicable requirements are skipped and unverifiable ones are
errors before any of these is asked for. Imported by the plugin module, which registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..company.facts import GlAccount, ProbeOutcome, RoleAssignments, UddReadability, UserRecord
    from ..company.sign_in import SignIn
    from .check import Check


@pytest.fixture
def sign_in(intacct: Check) -> SignIn:
    """How Intacct answered the sign-in of PEX's sender and the Web Services user."""
    from ..company.sign_in import SignIn

    return intacct.fact(SignIn)


@pytest.fixture
def web_services_user(intacct: Check) -> UserRecord:
    """The Web Services user's USERINFO record (with its USERRESTRICTION rows)."""
    from ..company.facts import UserRecord

    return intacct.fact(UserRecord)


@pytest.fixture
def user_roles(intacct: Check) -> RoleAssignments:
    """The roles assigned to the Web Services user, directly or through user groups."""
    from ..company.facts import RoleAssignments

    return intacct.fact(RoleAssignments)


@pytest.fixture
def pex_gl_account(intacct: Check) -> GlAccount | None:
    """The GL account PEX posts to (by ``--intacct-gl-account``), or None when no account has that name."""
    from ..company.facts import GlLookup

    return intacct.fact(GlLookup).account


@pytest.fixture
def user_defined_dimensions(intacct: Check) -> UddReadability:
    """What reading each user-defined dimension as the Web Services user showed."""
    from ..company.facts import UddReadability

    return intacct.fact(UddReadability)


@pytest.fixture
def attachment_probe(intacct: Check) -> ProbeOutcome:
    """What creating an attachment without an ID showed (only with ``--intacct-write-probe``)."""
    from ..company.facts import ProbeOutcome

    return intacct.fact(ProbeOutcome)
