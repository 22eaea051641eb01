import pytest

from pytest_pex_intacct.check import Check

# Every reading is decided before the body runs (facts.UserRecord, facts.RoleAssignments): a
# missing, empty or unrecognised value is already a setup error, so a body only observes and asserts.


@pytest.mark.intacct_requirement("STEP3-USER-SIGN-IN")
def test_user_signs_in(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-WEB-SERVICES-USER")
def test_user_is_web_services_only(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-ROOT-LEVEL")
def test_user_created_at_top_level(intacct: Check) -> None:
    if intacct.attested:
        return
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-EMAIL")
def test_user_has_email(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-USER-TYPE")
def test_user_type_is_business(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-ADMIN-FULL")
def test_admin_privileges_are_full(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP3-ROLE")
def test_user_has_a_role(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met
