import pytest

from pytest_pex_intacct.check import Check


@pytest.mark.intacct_requirement("STEP2-WEB-SERVICES")
def test_web_services_subscription_is_enabled(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met


@pytest.mark.intacct_requirement("STEP2-SENDER-ID")
def test_sender_id_is_authorized_and_active(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met
