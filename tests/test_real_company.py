"""Right on a real company, second reading: each rule against a simulator scenario that answers as the
public evidence says, plus unit tests of the readings (the rules are in docs/intacct-api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_pex_intacct.facts.reading import NotApplicable, Observed
from pytest_pex_intacct.facts.roles import RoleAssignments, RoleCatalogue, role_assignments
from pytest_pex_intacct.intacct.errors import ErrorDetail, is_not_offered, is_permission_refusal
from pytest_pex_intacct.intacct.response import Result

ATTEST = ("--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-signoff=Dana Smith <dana@pex.example>")
SYSTEM_ROLE = "::SYS::Multi Entity Shared-ROLE-FOR - pex_connector"


# -- system roles -------------------------------------------------------------------------------------


def listing(control_id: str, *names: str, field: str = "ROLENAME", login: str = "USERLOGINID") -> Result:
    records = tuple({login: "pex_connector", field: name} for name in names)
    return Result("success", "query", control_id, records=records, data_attributes={"totalcount": str(len(names))},
                  has_data=True)  # fmt: skip


def roles(*assigned: str, company: tuple[str, ...] = ("Administrator",), own: int | None = None) -> RoleAssignments:
    own_count = own if own is not None else sum(1 for name in company if not name.startswith("::SYS::"))
    catalogue = listing("k", *company[:1], field="NAME", login="X")
    catalogue = Result("success", "query", "k", records=catalogue.records,
                       data_attributes={"totalcount": str(len(company))}, has_data=True)  # fmt: skip
    not_system = Result("success", "query", "n", records=catalogue.records[:own_count],
                        data_attributes={"totalcount": str(own_count)}, has_data=True)  # fmt: skip
    result = role_assignments(
        listing("c", *assigned), listing("d", *assigned, login="USERID"), catalogue, "pex_connector", not_system
    )
    assert isinstance(result, RoleAssignments), result
    return result


def test_a_system_role_is_not_a_role_assigned() -> None:
    only_system = roles(SYSTEM_ROLE)
    assert only_system.roles == ()
    assert only_system.system_roles == (SYSTEM_ROLE,)
    reading = only_system.reading
    assert isinstance(reading, Observed), reading
    assert f"besides its system role {SYSTEM_ROLE!r}, which does not count" in reading.observed
    assert roles(SYSTEM_ROLE, "PEX Connector").roles == ("PEX Connector",)


def test_a_company_whose_every_role_is_a_system_role_is_on_user_based_permissions() -> None:
    user_based = roles(SYSTEM_ROLE, company=(SYSTEM_ROLE, "::SYS::Multi Entity Shared-ROLE-FOR - admin"), own=0)
    assert user_based.catalogue is RoleCatalogue.ONLY_SYSTEM_ROLES
    reading = user_based.reading
    assert isinstance(reading, NotApplicable), reading
    assert "user-based permissions" in reading.reason and "every one a system role" in reading.reason


def test_system_roles_by_the_simulator(simulator: Callable[..., Any], run_checks: Any) -> None:
    user_based = run_checks(simulator("user-based-system-roles"), *ATTEST)
    assert user_based.outcomes["STEP3-ROLE"] == "not-applicable"
    assert "every one a system role" in user_based.requirement("STEP3-ROLE")["observed"]
    assert user_based.verdict == "accepted"
    only_system = run_checks(simulator("system-role-only"), *ATTEST)
    assert only_system.outcomes["STEP3-ROLE"] == "failed"
    assert "which does not count" in only_system.requirement("STEP3-ROLE")["observed"]
    assert "::SYS::" in only_system.requirement("STEP3-ROLE")["remediation"]


# -- refusals by their text ---------------------------------------------------------------------------

DENIED = "You do not have permission for API operation READ_BY_QUERY on objects of type glaccount"
NOT_OFFERED = "API operation 'READ_BY_QUERY' cannot be performed on objects of type glaccount"
DISABLED = "This feature is disabled for your company or your current user"


@pytest.mark.parametrize(
    ("text", "permission", "offered"),
    [(DENIED, True, True), (NOT_OFFERED, False, False), (DISABLED, False, False), ("Query Failed", False, True)],
)
def test_pl04000005_is_a_permission_only_by_its_text(text: str, permission: bool, offered: bool) -> None:
    errors = (ErrorDetail("PL04000005", "", text),)
    assert is_permission_refusal(errors) is permission
    assert is_not_offered(errors) is not offered


@pytest.mark.parametrize(
    ("scenario", "requirement_id", "quoted"),
    [
        ("gl-read-not-offered", "STEP4-NORMAL-BALANCE", "cannot be performed on objects of type glaccount"),
        ("udd-feature-disabled", "UDD-READ", "This feature is disabled for your company or your current user"),
    ],
)
def test_a_refusal_that_is_no_permission_is_an_error_quoting_intacct(
    simulator: Callable[..., Any], run_checks: Any, scenario: str, requirement_id: str, quoted: str
) -> None:
    run = run_checks(simulator(scenario), *ATTEST, "--intacct-udd")
    entry = run.requirement(requirement_id)
    assert entry["outcome"] == "error"
    assert quoted in entry["observed"] and "no permission of the customer's role" in entry["observed"]
    assert "failed" not in run.outcomes.values()


# -- statistical accounts, entity-private records ---------------------------------------------------------


def test_a_statistical_account_is_named_as_such_in_the_same_request(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("gl-statistical")
    run = run_checks(server, *ATTEST)
    entry = run.requirement("STEP4-NORMAL-BALANCE")
    assert entry["outcome"] == "failed"
    assert "it is a statistical account (STATACCOUNT 9001 'PEX GL Account')" in entry["observed"]
    assert "PEX posts card spend to a GL account" in entry["observed"]
    assert server.log.count == 1


def test_an_entity_private_gl_account_is_found_at_the_top_level(
    simulator: Callable[..., Any], run_checks: Any, intacct_schema: Any
) -> None:
    from lxml import etree

    server = simulator("gl-private-to-entity")
    run = run_checks(server, *ATTEST)
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "passed"
    (batch,) = server.log.records
    request = etree.fromstring(batch.raw)
    assert intacct_schema.validate(request), intacct_schema.error_log
    for listed in ("GLACCOUNT", "STATACCOUNT"):
        query = next(q for q in request.iter("query") if q.findtext("object") == listed)
        assert query.findtext("options/showprivate") == "true"


# -- a company ID typed wrong ------------------------------------------------------------------------------


def test_a_wrong_company_id_is_named_first_in_the_row_and_the_terminal(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("ready"), company="GLOBEX")
    entry = run.requirement("STEP3-USER-SIGN-IN")
    assert entry["outcome"] == "failed"
    observed = entry["observed"]
    company_first = observed.index("'GLOBEX' is the customer's company ID")
    assert company_first < observed.index("INTACCT_USER_PASSWORD")
    assert entry["remediation"].startswith("First check the company ID")
    run.result.stdout.fnmatch_lines(["*observed:*'GLOBEX' is the customer's company ID exactly*"])
