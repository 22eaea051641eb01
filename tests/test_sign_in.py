"""How a sign-in answer is classified into STEP2-WEB-SERVICES, STEP2-SENDER-ID and STEP3-USER-SIGN-IN.

Fed by real-format responses (``tests/data/real``) and by the shapes public material describes
without a verbatim body. A failure is told to the customer only where the answer establishes it.
"""

from __future__ import annotations

import pytest
from lxml import etree
from lxml.builder import E

from conftest import TEST_DATA
from pytest_pex_intacct.facts.reading import Evidence, Unavailable
from pytest_pex_intacct.facts.sign_in import SENDER, SignIn, classify_sign_in
from pytest_pex_intacct.intacct.response import Response, parse_response

REAL = TEST_DATA / "real"


def classify(response: Response) -> SignIn:
    return classify_sign_in(response, "PEX MPP", "ACME", "pex_connector")


def real(name: str, http_status: int = 200) -> Response:
    return parse_response((REAL / f"{name}.xml").read_bytes(), http_status)


def control_failure(errorno: str, description: str, http_status: int) -> Response:
    root = E.response(
        E.control(E.status("failure")), E.errormessage(E.error(E.errorno(errorno), E.description(description)))
    )
    return parse_response(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), http_status)


def all_errors(sign_in: SignIn) -> str:
    facts = (sign_in.web_services, sign_in.sender, sign_in.user_sign_in)
    assert all(isinstance(fact, Unavailable) and fact.is_error for fact in facts), facts
    assert isinstance(sign_in.sender, Unavailable)
    return sign_in.sender.reason


@pytest.mark.parametrize(
    "response",
    [
        real("sdkphp-http401-xmlgw-jpp0002", 401),
        # HTTP 400 GW-0011 "Invalid Request" (the HTTP status is one vendor's word only).
        control_failure("GW-0011", "Invalid Request [Request ID: AC47C2BE:D9EE_63EBC07F.59]", 400),
    ],
    ids=["http401-XMLGW_JPP0002", "http400-GW-0011"],
)
def test_gateway_refusals_say_credentials_refused_and_blame_nobody(response: Response) -> None:
    reason = all_errors(classify(response))
    assert reason.startswith("credentials refused: PEX's sender password or the customer's user password")
    assert "check PEX's sender settings" not in reason
    assert "INTACCT_SENDER_PASSWORD" in reason and "INTACCT_USER_PASSWORD" in reason


def test_sender_not_authorized_fails_the_sender_and_names_both_causes() -> None:
    sign_in = classify(real("jfcote87-auth-failure-ws-not-authorized"))
    assert isinstance(sign_in.sender, Evidence) and not sign_in.sender.met
    observed = sign_in.sender.observed
    assert "Invalid Web Services Authorization" in observed
    assert "Web Services authorizations" in observed and "no Web Services subscription" in observed
    assert isinstance(sign_in.web_services, Unavailable) and sign_in.web_services.blocked_by == SENDER


def test_wrong_user_credentials_at_http_200_fail_the_sign_in_only() -> None:
    sign_in = classify(real("jfcote87-auth-failure-signin-incorrect"))
    assert isinstance(sign_in.user_sign_in, Evidence) and not sign_in.user_sign_in.met
    assert isinstance(sign_in.sender, Unavailable) and sign_in.sender.blocked_by == "STEP3-USER-SIGN-IN"


def test_wrong_sender_credentials_are_pexs_problem_not_the_company() -> None:
    reason = all_errors(classify(real("jfcote87-control-failure-partner-id")))
    assert "PEX's own credential problem" in reason


@pytest.mark.parametrize(
    "description", ["API rate limit exceeded", "The Service is Temporarily Off-line", "Please Try Again Later"]
)
def test_busy_at_control_level_is_an_error_to_run_again_later(description: str) -> None:
    reason = all_errors(classify(control_failure("XL03000006", description, 200)))
    assert reason.startswith("Intacct was still busy or off-line after the retries")
    assert "run again later" in reason
