import pytest

from pytest_pex_intacct.check import Check
from pytest_pex_intacct.facts import ENTITY_PATHS, parse_bool


@pytest.mark.intacct_requirement("STEP3-USER-SIGN-IN")
def test_user_signs_in(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-WEB-SERVICES-USER")
def test_user_is_web_services_only(intacct: Check) -> None:
    found = intacct.user.get("LOGINDISABLED")
    if found is None:
        intacct.unverifiable(f"USERINFO has no LOGINDISABLED field (fields seen: {intacct.user.fields_seen})")
        return
    web_services_only = parse_bool(found[1])
    if web_services_only is None:
        intacct.unverifiable(f"USERINFO LOGINDISABLED has an unrecognised value {found[1]!r}")
    intacct.observe(f"LOGINDISABLED={found[1]} (web-services-only: {'yes' if web_services_only else 'no'})")
    assert web_services_only


@pytest.mark.intacct_requirement("STEP3-ROOT-LEVEL")
def test_user_created_at_top_level(intacct: Check) -> None:
    user = intacct.user
    entities = {path: found[1] for path in ENTITY_PATHS if (found := user.get(path))}
    owning = [f"{path}={value}" for path, value in entities.items() if value]
    session = f"session entity {user.session_location_id!r}" if user.session_location_id else "top-level session"
    if entities:
        intacct.observe(f"{', '.join(owning) or 'MEGAENTITYID/MEGAENTITYKEY empty'}; {session}")
    else:
        intacct.observe(
            f"USERINFO has no MEGAENTITY fields; the record is visible from a {session} without showprivate"
        )
    assert not owning and not user.session_location_id


@pytest.mark.intacct_requirement("STEP3-EMAIL")
def test_user_has_email(intacct: Check) -> None:
    found = intacct.user.email
    if found is None:
        intacct.unverifiable(f"USERINFO carries no e-mail field (fields seen: {intacct.user.fields_seen})")
        return
    path, email = found
    intacct.observe(f"{path}={email!r}" if email else f"{path} is empty")
    assert email.strip()


@pytest.mark.intacct_requirement("STEP3-USER-TYPE")
def test_user_type_is_business(intacct: Check) -> None:
    found = intacct.user.get("USERTYPE")
    if found is None:
        intacct.unverifiable(f"USERINFO has no USERTYPE field (fields seen: {intacct.user.fields_seen})")
        return
    intacct.observe(f"USERTYPE={found[1]!r}")
    assert found[1].strip().lower() in ("business user", "business", "b")


@pytest.mark.intacct_requirement("STEP3-ADMIN-FULL")
def test_admin_privileges_are_full(intacct: Check) -> None:
    found = intacct.user.get("ADMIN")
    if found is None:
        intacct.unverifiable(f"USERINFO has no ADMIN field (fields seen: {intacct.user.fields_seen})")
        return
    admin = found[1].strip().lower()
    # The exact strings are unconfirmed (API-NOTES §3); only recognised ones can fail the customer.
    if admin not in ("full", "limited", "off", "false", "none", "no", ""):
        intacct.unverifiable(f"USERINFO ADMIN has an unrecognised value {found[1]!r}")
    intacct.observe(f"ADMIN={found[1]!r}")
    assert admin == "full"


@pytest.mark.intacct_requirement("STEP3-ROLE")
def test_user_has_a_role(intacct: Check) -> None:
    roles = intacct.roles
    listed = ", ".join(repr(role) for role in roles.roles) or "none"
    intacct.observe(f"roles: {listed} (from {', '.join(roles.sources)})")
    assert roles.roles
