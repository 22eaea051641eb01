"""The per-requirement readings: evidence, or unavailable / needs a person / not applicable.

Only recognised values of established fields may fail the customer; a missing, empty or
unrecognised one is an error, and what nothing establishes needs a person. ``Check.prepare`` turns
those shapes into setup errors and skips, before the check's body.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from conftest import make_settings
from pytest_pex_intacct.config.option import SignOff
from pytest_pex_intacct.facts.fact import read_problem
from pytest_pex_intacct.facts.fields import field_text, leaf_fields, parse_bool, present_fields
from pytest_pex_intacct.facts.gl_account import (
    GL_PERMISSION,
    AccountStatus,
    GlAccount,
    GlLookup,
    NormalBalance,
    gl_account,
)
from pytest_pex_intacct.facts.reading import Evidence, NeedsPerson, NotApplicable, Observed, Reading, Unavailable
from pytest_pex_intacct.facts.registry import BY_NAME, FACTS, read_functions
from pytest_pex_intacct.facts.restriction import UserRestriction, user_restriction
from pytest_pex_intacct.facts.roles import RoleAssignments, RoleCatalogue, role_assignments
from pytest_pex_intacct.facts.sign_in import SignIn
from pytest_pex_intacct.facts.snapshot import CompanySnapshot
from pytest_pex_intacct.facts.udd import UddAccess, UddReadability
from pytest_pex_intacct.facts.user import USER_FACT, UserRecord
from pytest_pex_intacct.facts.user_values import AdminPrivileges, Placement, UserType
from pytest_pex_intacct.intacct.errors import ErrorDetail
from pytest_pex_intacct.intacct.response import Record, Result
from pytest_pex_intacct.requirements import BY_ID, CATALOGUE
from pytest_pex_intacct.run.check import Check, RequirementUnverified

READY_USER: Record = {
    "LOGINID": "pex_connector",
    "USERTYPE": "business user",
    "ADMIN": "Full",
    "LOGINDISABLED": "true",
    "MEGAENTITYKEY": "",
    "MEGAENTITYID": "",
    "MEGAENTITYNAME": "",
    "CONTACTINFO": {"EMAIL1": "ap@acme.example"},
}


UNRESTRICTED = UserRestriction(("true",), ())


def user(
    session_location_id: str = "",
    restriction: UserRestriction | Unavailable = UNRESTRICTED,
    **fields: str | Record | None,
) -> UserRecord:
    """The ready USERINFO record with fields replaced; a field given as None is left out."""
    record: Record = dict(READY_USER)
    for name, value in fields.items():
        if value is None:
            record.pop(name, None)
        else:
            record[name] = value
    return UserRecord("pex_connector", record, session_location_id, restriction)


def shown(reading: Reading) -> str:
    """The fact is established (the check body judges it): what Intacct showed."""
    assert isinstance(reading, Observed), reading
    return reading.observed


def unverifiable(reading: Reading) -> str:
    assert isinstance(reading, Unavailable), reading
    assert reading.is_error
    return reading.reason


# -- fields ------------------------------------------------------------------------------------------


def test_present_fields_reads_nested_and_flat_paths_in_the_order_asked() -> None:
    record: Record = {"ACCOUNTEMAIL": "b", "CONTACTINFO": {"EMAIL1": ""}, "CONTACTINFO.EMAIL": "c", "X": {"Y": {}}}
    assert present_fields(record, "CONTACTINFO.EMAIL1", "CONTACTINFO.EMAIL", "EMAIL", "ACCOUNTEMAIL", "X.Y") == (
        ("CONTACTINFO.EMAIL1", ""),
        ("CONTACTINFO.EMAIL", "c"),
        ("ACCOUNTEMAIL", "b"),
    )
    assert field_text(record, "EMAIL", "CONTACTINFO.EMAIL1") == ("CONTACTINFO.EMAIL1", "")
    assert field_text(record, "EMAIL") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *[("true", True), (" TRUE ", True), ("T", True), ("1", True)],
        *[("false", False), ("F", False), ("no", False)],
        *[("", None), ("  ", None), ("maybe", None)],
    ],
)
def test_parse_bool_decides_only_recognised_spellings(text: str, value: bool | None) -> None:
    assert parse_bool(text) is value


# -- STEP3-WEB-SERVICES-USER -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("True", True), ("false", False), ("F", False)])
def test_login_disabled_decides_web_services_only(value: str, expected: bool) -> None:
    record = user(LOGINDISABLED=value)
    assert record.web_services_only is expected
    assert f"LOGINDISABLED={value}" in shown(record.web_services_only_reading)


@pytest.mark.parametrize("value", ["", "  ", "sometimes"])
def test_empty_or_unrecognised_login_disabled_is_an_error(value: str) -> None:
    assert "LOGINDISABLED" in unverifiable(user(LOGINDISABLED=value).web_services_only_reading)


def test_missing_login_disabled_is_an_error_naming_the_fields_seen() -> None:
    reason = unverifiable(user(LOGINDISABLED=None).web_services_only_reading)
    assert "no LOGINDISABLED field" in reason
    assert "ADMIN, CONTACTINFO" in reason


# -- STEP3-ADMIN-FULL --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Full", "FULL", "full", " full "])
def test_full_admin_in_any_case_is_met(value: str) -> None:
    record = user(ADMIN=value)
    assert record.admin_privileges is AdminPrivileges.FULL
    assert shown(record.admin_reading) == f"ADMIN={value!r}"


@pytest.mark.parametrize("value", ["Limited", "LIMITED", "Off", "off", "false", "None", "no"])
def test_recognised_non_full_admin_fails(value: str) -> None:
    record = user(ADMIN=value)
    assert record.admin_privileges in (AdminPrivileges.LIMITED, AdminPrivileges.OFF)
    assert shown(record.admin_reading).startswith(f"ADMIN={value!r}")


@pytest.mark.parametrize("value", ["", "Superuser", "true"])
def test_empty_or_unrecognised_admin_is_an_error(value: str) -> None:
    assert "USERINFO ADMIN has" in unverifiable(user(ADMIN=value).admin_reading)
    assert user(ADMIN=value).admin_privileges is None


def test_missing_admin_is_an_error() -> None:
    assert "USERINFO has no ADMIN field" in unverifiable(user(ADMIN=None).admin_reading)


# -- STEP3-USER-TYPE ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["business user", "Business User", "business", "B", "b"])
def test_business_user_type_is_met(value: str) -> None:
    record = user(USERTYPE=value)
    assert record.user_type is UserType.BUSINESS
    shown(record.user_type_reading)


@pytest.mark.parametrize("value", ["employee user", "CRM user", "view only user", "E", "R", "w"])
def test_other_documented_user_types_fail(value: str) -> None:
    record = user(USERTYPE=value)
    assert record.user_type not in (None, UserType.BUSINESS)
    shown(record.user_type_reading)


def test_legacy_user_type_code_is_explained() -> None:
    assert shown(user(USERTYPE="E").user_type_reading) == "USERTYPE='E' (employee user)"


@pytest.mark.parametrize("value", ["", "wizard user"])
def test_empty_or_unrecognised_user_type_is_an_error(value: str) -> None:
    assert "USERTYPE" in unverifiable(user(USERTYPE=value).user_type_reading)


def test_missing_user_type_is_an_error() -> None:
    assert "no USERTYPE field" in unverifiable(user(USERTYPE=None).user_type_reading)


# -- STEP3-EMAIL -------------------------------------------------------------------------------------


def test_leaf_fields_flattens_nested_records_and_lists() -> None:
    record: Record = {"A": "1", "CONTACTINFO": {"EMAIL1": "x", "MAIL": {"B": "2"}}, "L": [{"C": "3"}, {"": "4"}]}
    assert list(leaf_fields(record)) == [("A", "1"), ("CONTACTINFO.EMAIL1", "x"), ("CONTACTINFO.MAIL.B", "2"),
                                         ("L.C", "3"), ("L", "4")]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "observed"),
    [
        ({"CONTACTINFO": {"EMAIL1": "ap@acme.example"}}, "CONTACTINFO.EMAIL1='ap@acme.example'"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": "ap@acme.example"}, "CONTACTINFO.EMAIL1='ap@acme.example'"),
        ({"CONTACTINFO": None, "EMAIL": "ap@acme.example"}, "EMAIL='ap@acme.example'"),
        # The Web Services user's own e-mail need not be the contact's primary one: any field counts.
        ({"CONTACTINFO": {"EMAIL1": "", "EMAIL2": "ap@acme.example"}}, "CONTACTINFO.EMAIL2='ap@acme.example'"),
        ({"CONTACTINFO": {"EMAIL1": ""}, "ACCOUNTEMAIL": "ap@acme.example"}, "ACCOUNTEMAIL='ap@acme.example'"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": " ", "EMAIL1": "x@y.example"}, "EMAIL1='x@y.example'"),
        (
            {"CONTACTINFO": {"EMAIL1": "a@x.example"}, "Email": "b@x.example"},
            "CONTACTINFO.EMAIL1='a@x.example', Email='b@x.example'",
        ),
    ],
)
def test_email_passes_on_any_non_empty_email_field(fields: dict[str, str | Record | None], observed: str) -> None:
    record = user(**fields)
    assert record.email_addresses
    assert shown(record.email_reading) == observed


@pytest.mark.parametrize(
    ("fields", "observed"),
    [
        ({"CONTACTINFO": {"EMAIL1": ""}}, "CONTACTINFO.EMAIL1"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": ""}, "CONTACTINFO.EMAIL1"),
        (
            {"CONTACTINFO": {"EMAIL1": "  ", "EMAIL2": ""}, "ACCOUNTEMAIL": ""},
            "CONTACTINFO.EMAIL1, CONTACTINFO.EMAIL2, ACCOUNTEMAIL",
        ),
    ],
)
def test_email_fails_only_when_every_email_field_is_empty(
    fields: dict[str, str | Record | None], observed: str
) -> None:
    record = user(**fields)
    assert record.email_addresses == ()
    assert shown(record.email_reading) == f"every e-mail field USERINFO returned is empty: {observed}"


@pytest.mark.parametrize("contact", [None, {"CONTACTNAME": "AP"}, ""])
def test_no_email_field_at_all_is_an_error(contact: Record | str | None) -> None:
    reason = unverifiable(user(CONTACTINFO=contact).email_reading)
    assert "USERINFO carries no e-mail field" in reason
    assert "fields seen:" in reason


# -- STEP3-ROOT-LEVEL --------------------------------------------------------------------------------


def person(reading: Reading) -> str:
    assert isinstance(reading, NeedsPerson), reading
    return reading.observed


def test_unrestricted_with_empty_entity_fields_at_a_top_level_session_passes() -> None:
    assert user().placement is Placement.TOP_LEVEL
    assert shown(user().placement_reading) == (
        "MEGAENTITYID, MEGAENTITYKEY, MEGAENTITYNAME empty; sign-in at the top level; "
        "USERRESTRICTION UNRESTRICTED=true, locations limited to: none"
    )


def test_without_entity_fields_nothing_establishes_ownership_whatever_the_restriction() -> None:
    record = user(MEGAENTITYID=None, MEGAENTITYKEY=None, MEGAENTITYNAME=None)
    assert record.placement is None
    observed = person(record.placement_reading)
    assert observed.startswith("USERINFO has no MEGAENTITY fields; ")
    assert "nothing establishes where the user was created" in observed


def test_an_owning_entity_fails() -> None:
    record = user(MEGAENTITYID="E100", MEGAENTITYKEY="1")
    assert record.placement is Placement.OWNED_BY_ENTITY
    assert "MEGAENTITYID=E100, MEGAENTITYKEY=1" in shown(record.placement_reading)


def test_where_the_sign_in_lands_is_shown_never_judged() -> None:
    """Ownership is read from the MEGAENTITY fields alone: the session's entity is an inference."""
    for restriction in (UserRestriction(("true",), ()), Unavailable("USERRESTRICTION returned no row")):
        record = user(session_location_id="E100", restriction=restriction)
        assert record.placement is Placement.TOP_LEVEL
        assert "sign-in landed in entity 'E100'" in shown(record.placement_reading)
        unknown = user(session_location_id="E100", restriction=restriction, MEGAENTITYID=None, MEGAENTITYKEY=None,
                       MEGAENTITYNAME=None)  # fmt: skip
        assert unknown.placement is None
        assert "sign-in landed in entity 'E100'" in person(unknown.placement_reading)
    owned = user(session_location_id="E100", MEGAENTITYID="E100")
    assert owned.placement is Placement.OWNED_BY_ENTITY


def test_a_top_level_user_restricted_to_entities_is_at_the_top_level_with_a_note() -> None:
    record = user(restriction=UserRestriction(("false", "false"), ("9", "12")))
    assert record.placement is Placement.TOP_LEVEL
    observed = shown(record.placement_reading)
    assert "UNRESTRICTED=false, locations limited to: 9, 12" in observed
    assert "note: 'pex_connector' is restricted to 9, 12, so PEX sees only those entities' data" in observed


@pytest.mark.parametrize(
    "restriction",
    [
        Unavailable("Intacct could not read USERRESTRICTION: PL04000005 ..."),
        UserRestriction((), ()),  # no UNRESTRICTED field
        UserRestriction(("maybe",), ()),
        UserRestriction(("true", "false"), ()),  # rows disagree
        UserRestriction(("false",), ()),  # restricted, but to no location: departments only?
    ],
)
def test_nothing_establishing_the_level_needs_a_person_never_a_pass(restriction: UserRestriction | Unavailable) -> None:
    record = user(restriction=restriction, MEGAENTITYID=None, MEGAENTITYKEY=None, MEGAENTITYNAME=None)
    assert record.placement is None
    observed = person(record.placement_reading)
    assert "USERINFO has no MEGAENTITY fields" in observed
    assert "nothing establishes where the user was created" in observed


def test_restriction_rows_in_query_and_legacy_shapes() -> None:
    flat = Result("success", "query", "r", records=(
        {"LOGINID": "pex_connector", "UNRESTRICTED": "false", "LOCATIONID": "9"},
        {"LOGINID": "pex_connector", "UNRESTRICTED": "false", "LOCATIONID": "12"},
        {"LOGINID": "someone_else", "UNRESTRICTED": "false", "LOCATIONID": "13"},
    ), has_data=True)  # fmt: skip
    assert user_restriction(flat, "PEX_Connector") == UserRestriction(("false", "false"), ("9", "12"))
    legacy = Result("success", "readByQuery", "r", records=(
        {"LOGINID": "pex_connector", "UNRESTRICTED": "false",
         "LOCATIONS": {"LOCATION": [{"LOCATIONID": "9", "LOCATIONNAME": "France"}, {"LOCATIONID": "10"}]}},
    ), has_data=True)  # fmt: skip
    assert user_restriction(legacy, "pex_connector") == UserRestriction(("false",), ("9", "10"))
    assert "no row" in user_restriction(Result("success", "query", "r", has_data=True), "x").reason  # type: ignore[union-attr]


# -- STEP3-ROLE --------------------------------------------------------------------------------------


def listing(control_id: str, *names: str, failed: bool = False, field: str = "ROLENAME") -> Result:
    if failed:
        return Result("failure", "query", control_id, errors=(ErrorDetail("BL01001973", "Query Failed"),))
    return Result("success", "query", control_id, records=tuple({field: name} for name in names), has_data=True)


ROLE_BASED = Result("success", "query", "k", records=({"RECORDNO": "1", "NAME": "Admin"},),
                    data_attributes={"totalcount": "4"}, has_data=True)  # fmt: skip
NO_ROLES = Result("success", "query", "k", data_attributes={"totalcount": "0"}, has_data=True)
NO_ROLE_OBJECT = Result("failure", "query", "k", errors=(ErrorDetail("WS", "Object definition ROLES not found"),))
DENIED = "You do not have permission for API operation QUERY on objects of type"
ROLES_REFUSED = Result("failure", "query", "k", errors=(ErrorDetail("PL04000005", "", f"{DENIED} roles"),))


def roles_reading(
    computed: Result, direct: Result, catalogue: Result = ROLE_BASED, login: str = "pex_connector"
) -> Reading:
    roles = role_assignments(computed, direct, catalogue, login)
    return roles if isinstance(roles, Unavailable) else roles.reading


def assignments(computed: Result, direct: Result, catalogue: Result = ROLE_BASED) -> RoleAssignments:
    roles = role_assignments(computed, direct, catalogue, "pex_connector")
    assert isinstance(roles, RoleAssignments), roles
    return roles


@pytest.mark.parametrize(
    ("computed", "direct"),
    [
        (listing("c", "PEX Connector"), listing("d")),  # inherited from a user group only
        (listing("c"), listing("d", "PEX Connector")),
        (listing("c", failed=True), listing("d", "PEX Connector")),
        (listing("c", "PEX Connector"), listing("d", failed=True)),
        (listing("c", "PEX Connector", field="ROLEID"), listing("d")),
    ],
)
def test_a_role_in_either_listing_is_met(computed: Result, direct: Result) -> None:
    assert "'PEX Connector'" in shown(roles_reading(computed, direct))
    assert assignments(computed, direct).roles == ("PEX Connector",)


def test_roles_are_kept_for_the_stored_login_id_whatever_its_case() -> None:
    rows = Result("success", "query", "c", records=(
        {"USERLOGINID": "PEX_Connector", "ROLENAME": "PEX Connector"},
        {"USERLOGINID": "other_user", "ROLENAME": "Other role"},
    ), has_data=True)  # fmt: skip
    reading = roles_reading(rows, listing("d"), login="pex_connector")
    assert shown(reading) == "roles: 'PEX Connector' (from ROLEUSERS, USERROLES)"


@pytest.mark.parametrize("direct", [listing("d"), listing("d", failed=True)])
def test_no_role_on_a_role_based_company_fails(direct: Result) -> None:
    observed = shown(roles_reading(listing("c"), direct))
    assert assignments(listing("c"), direct).roles == ()
    assert observed.startswith("roles: none (from ROLEUSERS")
    assert "role-based permissions (ROLES lists 4 role(s))" in observed


def test_no_role_on_user_based_permissions_is_not_applicable() -> None:
    for listings in ((listing("c"), listing("d")), (NO_ROLE_OBJECT, NO_ROLE_OBJECT)):
        reading = roles_reading(*listings, catalogue=NO_ROLE_OBJECT)
        assert isinstance(reading, NotApplicable), reading
        assert reading.reason.startswith("the company uses user-based permissions: it defines no roles (ROLES is not")


def test_an_empty_roles_listing_needs_a_person_never_a_verdict() -> None:
    """No role anywhere may be user-based permissions, or roles this user cannot see: neither is shown."""
    reading = roles_reading(listing("c"), listing("d"), catalogue=NO_ROLES)
    assert isinstance(reading, NeedsPerson), reading
    assert "ROLES lists none (totalcount=0)" in reading.observed
    assert "user-based" in reading.observed and "Company > Admin tab > Roles" in reading.observed
    assert isinstance(roles_reading(NO_ROLE_OBJECT, NO_ROLE_OBJECT, catalogue=NO_ROLES), Unavailable)


def test_no_role_when_roles_cannot_be_listed_is_an_error_never_a_failure() -> None:
    reason = unverifiable(roles_reading(listing("c"), listing("d"), catalogue=ROLES_REFUSED))
    assert reason.startswith("roles: none (from ROLEUSERS, USERROLES), but whether the company uses roles at all")


def test_unreadable_roleusers_and_no_direct_role_is_an_error() -> None:
    reason = unverifiable(roles_reading(listing("c", failed=True), listing("d")))
    assert reason.startswith("ROLEUSERS unreadable (BL01001973")
    assert "USERROLES lists no direct role, and roles inherited from user groups cannot be seen" in reason


def test_roleusers_rows_without_a_role_name_prove_nothing() -> None:
    reason = unverifiable(roles_reading(listing("c", "x", field="OTHER"), listing("d")))
    assert "ROLEUSERS unreadable (1 row(s) without a ROLENAME)" in reason


def test_both_listings_unreadable_is_an_error() -> None:
    reason = unverifiable(roles_reading(listing("c", failed=True), listing("d", failed=True)))
    assert reason.startswith("Intacct could not list the user's roles (ROLEUSERS: BL01001973")


def test_both_listings_refused_names_the_missing_permission() -> None:
    refused = ROLES_REFUSED
    reason = unverifiable(roles_reading(refused, refused))
    assert "may not list the user's roles" in reason
    assert "Company application: Roles (List, View)" in reason
    assert "full permissions" in reason


def test_role_assignments_reading_without_snapshot() -> None:
    defines = RoleCatalogue.DEFINES_ROLES
    assert shown(RoleAssignments((), ("ROLEUSERS",), catalogue=defines).reading).startswith("roles: none")
    assert "ROLEUSERS unreadable (down)" in unverifiable(
        RoleAssignments((), ("USERROLES",), "down", catalogue=RoleCatalogue.DEFINES_ROLES).reading
    )


# -- reads refused or busy ---------------------------------------------------------------------------


def test_a_permission_refusal_names_the_permission_and_who_acts() -> None:
    errors = (ErrorDetail("PL04000005", "", f"{DENIED} glaccount"),)
    reason = read_problem(errors, "read GL accounts", GL_PERMISSION, "pex_connector")
    assert reason.startswith("user 'pex_connector' may not read GL accounts: its role lacks the permission "
                             "General Ledger application: Accounts (List, View)")  # fmt: skip
    assert "PL04000005" in reason and "full permissions" in reason


@pytest.mark.parametrize("text", ["API rate limit exceeded", "The Service is Temporarily Off-line"])
def test_a_busy_answer_is_nobodys_setup(text: str) -> None:
    reason = read_problem((ErrorDetail("XL03000009", text),), "read GL accounts", "GLACCOUNT", "pex_connector")
    assert "busy or off-line" in reason and "not the company's setup" in reason and "run again later" in reason


# -- STEP4-NORMAL-BALANCE ----------------------------------------------------------------------------


def account(normal_balance: str | None = "debit", status: str | None = "active", number: str = "6700") -> GlAccount:
    return GlAccount(number, "PEX GL Account", normal_balance, status)


def lookup(*accounts: GlAccount, wanted: str = "PEX GL Account", named: bool = True) -> Reading:
    return GlLookup(wanted, accounts, named_by_customer=named).reading


def judged(*accounts: GlAccount, wanted: str = "PEX GL Account") -> bool:
    """What the Step 4 check asserts, on an established reading."""
    shown(lookup(*accounts, wanted=wanted))
    found = GlLookup(wanted, accounts).account
    return found is not None and (found.status, found.normal_balance) == (AccountStatus.ACTIVE, NormalBalance.DEBIT)


@pytest.mark.parametrize(
    ("normal_balance", "status"), [("debit", "active"), ("Debit", "ACTIVE"), ("DEBIT", "T"), ("debit", "t")]
)
def test_active_debit_account_is_met_in_any_case_and_legacy_codes(normal_balance: str, status: str) -> None:
    assert judged(account(normal_balance, status))
    assert (
        shown(lookup(account(normal_balance, status)))
        == f"GL account 6700 'PEX GL Account': NORMALBALANCE={normal_balance}, STATUS={status}"
    )


@pytest.mark.parametrize(
    ("normal_balance", "status"),
    [
        *[("credit", "active"), ("Credit", "T"), ("debit", "inactive"), ("debit", "F"), ("credit", "inactive")],
        # A recognised "no" on one part fails the whole requirement, whatever the other part says.
        *[("sideways", "inactive"), ("credit", ""), ("credit", None)],
    ],
)
def test_credit_or_inactive_account_fails(normal_balance: str, status: str | None) -> None:
    assert not judged(account(normal_balance, status))


@pytest.mark.parametrize(("status", "shown"), [(None, "(missing)"), ("", "(empty)"), ("frozen", "frozen")])
def test_missing_empty_or_unrecognised_status_is_an_error(status: str | None, shown: str) -> None:
    reason = unverifiable(lookup(account(status=status)))
    assert f"STATUS={shown}" in reason
    assert "STATUS is not active or inactive" in reason


@pytest.mark.parametrize(("balance", "shown"), [(None, "(missing)"), ("", "(empty)"), ("sideways", "sideways")])
def test_missing_empty_or_unrecognised_normal_balance_is_an_error(balance: str | None, shown: str) -> None:
    reason = unverifiable(lookup(account(balance)))
    assert f"NORMALBALANCE={shown}" in reason
    assert "NORMALBALANCE is not debit or credit" in reason


def test_no_account_with_the_name_the_customer_gave_fails() -> None:
    assert shown(lookup(account(number="6800"), wanted="6700")) == (
        "no GL account with number or title '6700' (compared whatever the case)"
    )
    assert not judged(account(number="6800"), wanted="6700")
    assert not judged()


def test_no_account_with_the_guides_example_title_asks_for_the_name_never_fails() -> None:
    reason = unverifiable(lookup(named=False))
    assert "the guide's example name" in reason
    assert "name the customer's PEX GL account with --intacct-gl-account=NUMBER_OR_TITLE" in reason
    assert "create" not in reason.lower()


@pytest.mark.parametrize("wanted", ["pex gl account", "PEX GL ACCOUNT", " PEX GL Account "])
def test_the_title_matches_whatever_the_case(wanted: str) -> None:
    assert judged(account(), wanted=wanted)


def test_the_number_matches_whatever_the_case() -> None:
    assert judged(GlAccount("PEX-01", "Card spend", "debit", "active"), wanted="pex-01")


def test_several_matching_accounts_ask_for_the_number_never_fail() -> None:
    reason = unverifiable(lookup(account(number="6700"), account(number="6710")))
    assert reason.startswith("2 GL accounts are titled 'PEX GL Account' (6700, 6710); name the PEX account by number")


def test_account_number_wins_over_titles() -> None:
    assert judged(account(number="6700"), account("credit", number="6710"), wanted="6700")


@pytest.mark.parametrize(
    "record",
    [
        {"ACCOUNTNO": "6700", "TITLE": "PEX GL Account", "NORMALBALANCE": "debit", "STATUS": "active"},
        {"accountno": "6700", "title": "PEX GL Account", "normalbalance": "debit", "status": "active"},
    ],
)
def test_gl_account_reads_3_0_and_legacy_names(record: Record) -> None:
    assert gl_account(record) == account()


def test_gl_account_keeps_missing_apart_from_empty() -> None:
    assert gl_account({"ACCOUNTNO": "6700", "NORMALBALANCE": ""}) == GlAccount("6700", "", "", None)


# -- Check: the readings decide in setup -------------------------------------------------------------


def test_every_requirement_names_a_registered_fact_and_a_reading_of_it() -> None:
    for requirement in CATALOGUE:
        fact = BY_NAME[requirement.fact]
        fields = {field.name for field in dataclasses.fields(fact.kind)}
        reading = getattr(fact.kind, requirement.reading, None)
        assert isinstance(reading, property) or requirement.reading in fields, (
            f"{requirement.id}: {fact.kind.__name__} has no {requirement.reading}"
        )


def test_every_fact_has_its_own_fixture_and_control_ids() -> None:
    assert len({fact.fixture for fact in FACTS}) == len(FACTS)
    everything = make_settings(udd=True, write_probe=True)
    control_ids = [function.control_id for function in read_functions(everything)]
    assert len(set(control_ids)) == len(control_ids)


def test_check_bodies_cannot_declare_a_requirement_unverifiable() -> None:
    assert not hasattr(Check, "unverifiable")


def snapshot_of(user_record: UserRecord) -> CompanySnapshot:
    signed_in = Evidence(True, "signed in")
    values = {
        "sign_in": SignIn(signed_in, signed_in, signed_in),
        "user": user_record,
        "roles": RoleAssignments(
            (), ("USERROLES",), "BL01001973 Permission denied", catalogue=RoleCatalogue.DEFINES_ROLES
        ),
        "restriction": user_record.restriction,
        "gl_account": GlLookup("PEX GL Account", (account("sideways"),)),
        "udd": None,
        "probe": None,
    }
    return CompanySnapshot(company_id="ACME", user_id="pex_connector", values=values)


def check_of(requirement_id: str, attested: tuple[str, ...] = ()) -> Check:
    signoff = SignOff("Dana Smith", "dana@pex.example") if attested else None
    settings = make_settings(endpoint="https://example.invalid", mode="live", attested=attested, signoff=signoff)
    return Check(BY_ID[requirement_id], settings)


@pytest.mark.parametrize(
    ("requirement_id", "reason"),
    [
        ("STEP3-ADMIN-FULL", "USERINFO ADMIN has a value this tool does not recognise ('Superuser')"),
        ("STEP3-EMAIL", "USERINFO carries no e-mail field"),
        ("STEP3-ROLE", "ROLEUSERS unreadable"),
        ("STEP4-NORMAL-BALANCE", "NORMALBALANCE is not debit or credit"),
    ],
)
def test_prepare_raises_for_an_unverifiable_reading(requirement_id: str, reason: str) -> None:
    check = check_of(requirement_id)
    assert check.needs_intacct()
    with pytest.raises(RequirementUnverified, match=re.escape(reason)):
        check.prepare(snapshot_of(user(ADMIN="Superuser", CONTACTINFO=None)))


def test_prepare_lets_an_established_fact_through_to_the_body() -> None:
    check = check_of("STEP3-ADMIN-FULL")
    check.prepare(snapshot_of(user(ADMIN="Limited")))
    assert check.observed == "ADMIN='Limited'"
    assert check.fact(USER_FACT).admin_privileges is AdminPrivileges.LIMITED


def test_prepare_turns_needs_a_person_into_manual_with_the_attest_command() -> None:
    check = check_of("STEP3-ROOT-LEVEL")
    undecided = user(restriction=Unavailable("USERRESTRICTION refused"), MEGAENTITYID=None, MEGAENTITYKEY=None,
                     MEGAENTITYNAME=None)  # fmt: skip
    with pytest.raises(
        pytest.skip.Exception, match=r"^MANUAL: .*USERRESTRICTION refused.*A person confirms it in Intacct \(switch"
    ):
        check.prepare(snapshot_of(undecided))
    assert check.decided is not None and check.decided.outcome == "manual"


def test_prepare_counts_an_attested_needs_a_person_as_met_and_names_who() -> None:
    check = check_of("STEP3-ROOT-LEVEL", attested=("STEP3-ROOT-LEVEL",))
    with pytest.raises(pytest.skip.Exception, match=r"^MANUAL: attested by Dana Smith <dana@pex\.example>; "):
        check.prepare(snapshot_of(user(MEGAENTITYID=None, MEGAENTITYKEY=None, MEGAENTITYNAME=None)))
    decided = check.decided
    assert decided is not None and decided.attested_by == "Dana Smith <dana@pex.example>"
    assert decided.outcome == "manual" and decided.met
    assert decided.observed.startswith("attested by Dana Smith <dana@pex.example>; Intacct showed: ")


def test_an_attestation_never_overrides_a_verified_failure() -> None:
    check = check_of("STEP3-ROOT-LEVEL", attested=("STEP3-ROOT-LEVEL",))
    check.prepare(snapshot_of(user(MEGAENTITYID="E100")))
    assert check.decided is None
    assert check.fact(USER_FACT).placement is Placement.OWNED_BY_ENTITY


def test_prepare_turns_not_applicable_into_a_skip_with_the_reason() -> None:
    check = check_of("STEP3-ROLE")
    snapshot = snapshot_of(user())
    user_based = RoleAssignments(
        (), ("ROLEUSERS",), catalogue=RoleCatalogue.NOT_AN_OBJECT, catalogue_observed="ROLES is not an object"
    )
    with pytest.raises(pytest.skip.Exception, match="NOT APPLICABLE: the company uses user-based permissions"):
        check.prepare(CompanySnapshot("ACME", "pex_connector", {**snapshot.values, "roles": user_based}))


# -- UDD-READ ----------------------------------------------------------------------------------------


def udd(readable: bool | None, name: str = "PROJECT_TYPE") -> UddAccess:
    return UddAccess(name, "Project type", readable, f"{name}: {readable}")


def test_udds_read_back_with_records_pass() -> None:
    readability = UddReadability((udd(True), udd(True, "REGION")))
    assert shown(readability.reading).startswith("read allowed on every UDD")
    assert readability.refused == ()


def test_a_refused_udd_fails_even_beside_an_empty_one() -> None:
    readability = UddReadability((udd(None), udd(False, "REGION")))
    assert "REGION" in shown(readability.reading)
    assert [access.object_name for access in readability.refused] == ["REGION"]


def test_an_empty_udd_proves_nothing_and_needs_a_person() -> None:
    assert "does not show whether the role may read it" in person(UddReadability((udd(True), udd(None))).reading)


def test_no_udds_is_not_applicable() -> None:
    assert isinstance(UddReadability(()).reading, NotApplicable)
