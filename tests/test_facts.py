"""The per-requirement readings: usable evidence, or ``Unavailable`` when a value cannot be judged.

Only recognised values may fail the customer; a missing, empty or unrecognised one is an error
(SPEC §3). ``Check.prepare`` turns such a reading into a setup error, before the check's body.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_pex_intacct.check import NEEDS, Check, RequirementUnverified
from pytest_pex_intacct.facts import (
    GlAccount,
    GlLookup,
    Reading,
    RoleAssignments,
    UserRecord,
    field_text,
    gl_account,
    parse_bool,
    present_fields,
)
from pytest_pex_intacct.intacct.errors import ErrorDetail
from pytest_pex_intacct.intacct.response import Record, Result
from pytest_pex_intacct.requirements import BY_ID, CATALOGUE
from pytest_pex_intacct.settings import Settings
from pytest_pex_intacct.sign_in import Evidence, SignIn, Unavailable
from pytest_pex_intacct.snapshot import CompanySnapshot, _roles

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


def user(session_location_id: str = "", **fields: str | Record | None) -> UserRecord:
    """The ready USERINFO record with fields replaced; a field given as None is left out."""
    record: Record = dict(READY_USER)
    for name, value in fields.items():
        if value is None:
            record.pop(name, None)
        else:
            record[name] = value
    return UserRecord("pex_connector", record, session_location_id)


def met(reading: Reading) -> bool:
    assert isinstance(reading, Evidence), reading
    return reading.met


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
    reading = user(LOGINDISABLED=value).web_services_only
    assert met(reading) is expected
    assert f"LOGINDISABLED={value}" in str(getattr(reading, "observed", ""))


@pytest.mark.parametrize("value", ["", "  ", "sometimes"])
def test_empty_or_unrecognised_login_disabled_is_an_error(value: str) -> None:
    assert "LOGINDISABLED" in unverifiable(user(LOGINDISABLED=value).web_services_only)


def test_missing_login_disabled_is_an_error_naming_the_fields_seen() -> None:
    reason = unverifiable(user(LOGINDISABLED=None).web_services_only)
    assert "no LOGINDISABLED field" in reason
    assert "ADMIN, CONTACTINFO" in reason


# -- STEP3-ADMIN-FULL --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Full", "FULL", "full", " full "])
def test_full_admin_in_any_case_is_met(value: str) -> None:
    assert met(user(ADMIN=value).admin)


@pytest.mark.parametrize("value", ["Limited", "LIMITED", "Off", "off", "false", "None", "no"])
def test_recognised_non_full_admin_fails(value: str) -> None:
    reading = user(ADMIN=value).admin
    assert not met(reading)
    assert isinstance(reading, Evidence) and f"ADMIN={value!r}" in reading.observed


@pytest.mark.parametrize("value", ["", "Superuser", "true"])
def test_empty_or_unrecognised_admin_is_an_error(value: str) -> None:
    assert "USERINFO ADMIN has" in unverifiable(user(ADMIN=value).admin)


def test_missing_admin_is_an_error() -> None:
    assert "USERINFO has no ADMIN field" in unverifiable(user(ADMIN=None).admin)


# -- STEP3-USER-TYPE ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["business user", "Business User", "business", "B", "b"])
def test_business_user_type_is_met(value: str) -> None:
    assert met(user(USERTYPE=value).user_type)


@pytest.mark.parametrize("value", ["employee user", "CRM user", "view only user", "E", "R", "w"])
def test_other_documented_user_types_fail(value: str) -> None:
    assert not met(user(USERTYPE=value).user_type)


def test_legacy_user_type_code_is_explained() -> None:
    reading = user(USERTYPE="E").user_type
    assert isinstance(reading, Evidence) and reading.observed == "USERTYPE='E' (employee user)"


@pytest.mark.parametrize("value", ["", "wizard user"])
def test_empty_or_unrecognised_user_type_is_an_error(value: str) -> None:
    assert "USERTYPE" in unverifiable(user(USERTYPE=value).user_type)


def test_missing_user_type_is_an_error() -> None:
    assert "no USERTYPE field" in unverifiable(user(USERTYPE=None).user_type)


# -- STEP3-EMAIL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "observed"),
    [
        ({"CONTACTINFO": {"EMAIL1": "ap@acme.example"}}, "CONTACTINFO.EMAIL1='ap@acme.example'"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": "ap@acme.example"}, "CONTACTINFO.EMAIL1='ap@acme.example'"),
        ({"CONTACTINFO": None, "EMAIL": "ap@acme.example"}, "EMAIL='ap@acme.example'"),
        # The first present candidate is empty, a later one is set: an e-mail is set.
        ({"CONTACTINFO": {"EMAIL1": ""}, "ACCOUNTEMAIL": "ap@acme.example"}, "ACCOUNTEMAIL='ap@acme.example'"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": " ", "EMAIL1": "x@y.example"}, "EMAIL1='x@y.example'"),
    ],
)
def test_email_passes_on_the_first_non_empty_candidate(fields: dict[str, str | Record | None], observed: str) -> None:
    reading = user(**fields).email
    assert isinstance(reading, Evidence) and reading.met
    assert reading.observed == observed


@pytest.mark.parametrize(
    ("fields", "observed"),
    [
        ({"CONTACTINFO": {"EMAIL1": ""}}, "CONTACTINFO.EMAIL1 is empty"),
        ({"CONTACTINFO": None, "CONTACTINFO.EMAIL1": ""}, "CONTACTINFO.EMAIL1 is empty"),
        (
            {"CONTACTINFO": {"EMAIL1": "  "}, "ACCOUNTEMAIL": ""},
            "CONTACTINFO.EMAIL1 is empty; ACCOUNTEMAIL is empty",
        ),
    ],
)
def test_email_fails_when_every_present_candidate_is_empty(
    fields: dict[str, str | Record | None], observed: str
) -> None:
    reading = user(**fields).email
    assert isinstance(reading, Evidence) and not reading.met
    assert reading.observed == observed


@pytest.mark.parametrize("contact", [None, {"CONTACTNAME": "AP"}, ""])
def test_no_email_field_at_all_is_an_error(contact: Record | str | None) -> None:
    reason = unverifiable(user(CONTACTINFO=contact).email)
    assert "none of the e-mail fields" in reason
    assert "fields seen:" in reason


# -- STEP3-ROOT-LEVEL --------------------------------------------------------------------------------


def test_empty_entity_fields_at_a_top_level_session_pass() -> None:
    reading = user().top_level
    assert isinstance(reading, Evidence) and reading.met
    assert reading.observed == "MEGAENTITYID, MEGAENTITYKEY, MEGAENTITYNAME empty; top-level session"


def test_an_owning_entity_fails() -> None:
    reading = user(MEGAENTITYID="E100", MEGAENTITYKEY="1").top_level
    assert isinstance(reading, Evidence) and not reading.met
    assert "MEGAENTITYID=E100, MEGAENTITYKEY=1" in reading.observed


def test_an_entity_session_fails_even_with_empty_entity_fields() -> None:
    reading = user(session_location_id="E100").top_level
    assert isinstance(reading, Evidence) and not reading.met
    assert "session entity 'E100'" in reading.observed


def test_without_entity_fields_a_top_level_session_passes_on_inference_and_says_so() -> None:
    reading = user(MEGAENTITYID=None, MEGAENTITYKEY=None, MEGAENTITYNAME=None).top_level
    assert isinstance(reading, Evidence) and reading.met
    assert reading.observed.startswith("inferred: ")
    assert "API-NOTES §3" in reading.observed


def test_without_entity_fields_an_entity_session_fails() -> None:
    reading = user("E100", MEGAENTITYID=None, MEGAENTITYKEY=None, MEGAENTITYNAME=None).top_level
    assert isinstance(reading, Evidence) and not reading.met


# -- STEP3-ROLE --------------------------------------------------------------------------------------


def listing(control_id: str, *names: str, failed: bool = False, field: str = "ROLENAME") -> Result:
    if failed:
        return Result("failure", "query", control_id, errors=(ErrorDetail("BL01001973", "Permission denied"),))
    return Result("success", "query", control_id, records=tuple({field: name} for name in names), has_data=True)


def roles_reading(computed: Result, direct: Result) -> Reading:
    roles = _roles(computed, direct)
    return roles if isinstance(roles, Unavailable) else roles.reading


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
    reading = roles_reading(computed, direct)
    assert isinstance(reading, Evidence) and reading.met
    assert "'PEX Connector'" in reading.observed


@pytest.mark.parametrize("direct", [listing("d"), listing("d", failed=True)])
def test_no_role_in_a_readable_roleusers_fails(direct: Result) -> None:
    reading = roles_reading(listing("c"), direct)
    assert isinstance(reading, Evidence) and not reading.met
    assert reading.observed.startswith("roles: none (from ROLEUSERS")


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


def test_role_assignments_reading_without_snapshot() -> None:
    assert not met(RoleAssignments((), ("ROLEUSERS",)).reading)
    assert "ROLEUSERS unreadable (down)" in unverifiable(RoleAssignments((), ("USERROLES",), "down").reading)


# -- STEP4-NORMAL-BALANCE ----------------------------------------------------------------------------


def account(normal_balance: str | None = "debit", status: str | None = "active", number: str = "6700") -> GlAccount:
    return GlAccount(number, "PEX GL Account", normal_balance, status)


def lookup(*accounts: GlAccount, wanted: str = "PEX GL Account") -> Reading:
    return GlLookup(wanted, accounts).reading


@pytest.mark.parametrize(
    ("normal_balance", "status"), [("debit", "active"), ("Debit", "ACTIVE"), ("DEBIT", "T"), ("debit", "t")]
)
def test_active_debit_account_is_met_in_any_case_and_legacy_codes(normal_balance: str, status: str) -> None:
    reading = lookup(account(normal_balance, status))
    assert isinstance(reading, Evidence) and reading.met
    assert reading.observed == f"GL account 6700 'PEX GL Account': NORMALBALANCE={normal_balance}, STATUS={status}"


@pytest.mark.parametrize(
    ("normal_balance", "status"),
    [
        *[("credit", "active"), ("Credit", "T"), ("debit", "inactive"), ("debit", "F"), ("credit", "inactive")],
        # A recognised "no" on one part fails the whole requirement, whatever the other part says.
        *[("sideways", "inactive"), ("credit", ""), ("credit", None)],
    ],
)
def test_credit_or_inactive_account_fails(normal_balance: str, status: str | None) -> None:
    assert not met(lookup(account(normal_balance, status)))


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


def test_no_matching_account_fails() -> None:
    reading = lookup(account(number="6800"), wanted="6700")
    assert isinstance(reading, Evidence) and not reading.met
    assert reading.observed == "no GL account with number or title '6700'"
    assert not met(lookup())


def test_several_matching_accounts_fail_as_ambiguous() -> None:
    reading = lookup(account(number="6700"), account(number="6710"))
    assert isinstance(reading, Evidence) and not reading.met
    assert reading.observed.startswith("2 GL accounts match 'PEX GL Account' (6700, 6710); name one with")


def test_account_number_wins_over_titles() -> None:
    assert met(lookup(account(number="6700"), account("credit", number="6710"), wanted="6700"))


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


def test_needs_names_exactly_the_catalogue() -> None:
    assert list(NEEDS) == [requirement.id for requirement in CATALOGUE]


def test_check_bodies_cannot_declare_a_requirement_unverifiable() -> None:
    assert not hasattr(Check, "unverifiable")


def snapshot_of(user_record: UserRecord) -> CompanySnapshot:
    signed_in = Evidence(True, "signed in")
    return CompanySnapshot(
        company_id="ACME",
        user_id="pex_connector",
        sign_in=SignIn(signed_in, signed_in, signed_in),
        user=user_record,
        roles=RoleAssignments((), ("USERROLES",), "BL01001973 Permission denied"),
        gl=GlLookup("PEX GL Account", (account("sideways"),)),
        udd=None,
        probe=None,
    )


def check_of(requirement_id: str) -> Check:
    settings = Settings("ACME", "pex_connector", "PEX MPP", "https://example.invalid", "PEX GL Account", "live", Path())
    return Check(BY_ID[requirement_id], settings)


@pytest.mark.parametrize(
    ("requirement_id", "reason"),
    [
        ("STEP3-ADMIN-FULL", "USERINFO ADMIN has a value this tool does not recognise ('Superuser')"),
        ("STEP3-EMAIL", "none of the e-mail fields"),
        ("STEP3-ROLE", "ROLEUSERS unreadable"),
        ("STEP4-NORMAL-BALANCE", "NORMALBALANCE is not debit or credit"),
    ],
)
def test_prepare_raises_for_an_unverifiable_reading(requirement_id: str, reason: str) -> None:
    check = check_of(requirement_id)
    assert check.needs_intacct()
    with pytest.raises(RequirementUnverified, match=re.escape(reason)):
        check.prepare(snapshot_of(user(ADMIN="Superuser", CONTACTINFO=None)))


def test_prepare_lets_verified_evidence_through_to_the_body() -> None:
    check = check_of("STEP3-ADMIN-FULL")
    check.prepare(snapshot_of(user(ADMIN="Limited")))
    assert check.evidence == Evidence(False, "ADMIN='Limited'")
