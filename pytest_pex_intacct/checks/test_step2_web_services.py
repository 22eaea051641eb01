"""Step 2: the Web Services subscription, and PEX's sender ID in the company's authorizations.

Neither has a read API: both are inferred from where and how Intacct answered the sign-in.
"""

import pytest

from pytest_pex_intacct.facts.sign_in import SignIn


@pytest.mark.intacct_requirement("STEP2-WEB-SERVICES")
def test_web_services_subscription_is_enabled(sign_in: SignIn) -> None:
    assert sign_in.web_services_subscribed


@pytest.mark.intacct_requirement("STEP2-SENDER-ID")
def test_sender_id_is_authorized_and_active(sign_in: SignIn) -> None:
    assert sign_in.sender_authorized
