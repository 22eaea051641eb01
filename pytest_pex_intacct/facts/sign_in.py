"""Classify how Intacct answered the sign-in into the three STEP2/STEP3 sign-in requirements.

Intacct has no read API for Web Services authorizations or the subscription, and
the same errorno ``XL03000006`` covers a wrong PEX sender password, an unauthorised sender and a
wrong user password. So the classification looks at *where* the failure sits (control or
authentication level) and at the description texts, never at the errorno alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..intacct.errors import ErrorDetail, describe_errors, is_busy
from ..intacct.response import Response
from .fact import Answers, Fact
from .reading import Evidence, Unavailable

WEB_SERVICES = "STEP2-WEB-SERVICES"
SENDER = "STEP2-SENDER-ID"
SIGN_IN = "STEP3-USER-SIGN-IN"


@dataclass(frozen=True)
class SignIn:
    web_services: Evidence | Unavailable
    sender: Evidence | Unavailable
    user_sign_in: Evidence | Unavailable

    @property
    def signed_in(self) -> bool:
        return isinstance(self.user_sign_in, Evidence) and self.user_sign_in.met

    # The facts the Step 2 and Step 3 sign-in checks judge: inferred from where and how Intacct
    # answered the sign-in; None when the answer does not show it.

    @property
    def web_services_subscribed(self) -> bool | None:
        return self.web_services.met if isinstance(self.web_services, Evidence) else None

    @property
    def sender_authorized(self) -> bool | None:
        """PEX's sender ID is in the company's Web Services authorizations, exactly as spelled, and active."""
        return self.sender.met if isinstance(self.sender, Evidence) else None

    @property
    def user_signed_in(self) -> bool | None:
        return self.user_sign_in.met if isinstance(self.user_sign_in, Evidence) else None

    @property
    def blocker(self) -> Unavailable | None:
        """Why facts that need a signed-in user are missing, or None once signed in."""
        if self.signed_in:
            return None
        for requirement_id, fact in (
            (WEB_SERVICES, self.web_services),
            (SENDER, self.sender),
            (SIGN_IN, self.user_sign_in),
        ):
            if isinstance(fact, Evidence) and not fact.met:
                return Unavailable(f"{requirement_id} failed, so Intacct returned no company data", requirement_id)
        for fact in (self.user_sign_in, self.sender, self.web_services):
            if isinstance(fact, Unavailable) and fact.is_error:
                return fact
        return Unavailable("the sign-in did not succeed")

    @classmethod
    def unavailable(cls, reason: Unavailable) -> SignIn:
        return cls(reason, reason, reason)

    def noted(self, note: str) -> SignIn:
        def add(fact: Evidence | Unavailable) -> Evidence | Unavailable:
            return replace(fact, reason=f"{fact.reason}; {note}") if isinstance(fact, Unavailable) else fact

        return SignIn(add(self.web_services), add(self.sender), add(self.user_sign_in))


def _mentions(errors: tuple[ErrorDetail, ...], *needles: str) -> bool:
    haystack = " ".join(f"{error.description} {error.description2}" for error in errors).lower()
    return any(needle.lower() in haystack for needle in needles)


_WS_OFF = ("not authorized for XML transactions", "subscribe to the XML Gateway")
_SENDER_REFUSED = ("Invalid Web Services Authorization", "is not authorized to make Web Services requests")
_SIGN_IN_INCORRECT = ("Sign-in information is incorrect",)
# The gateway's own refusals of the credentials, before Intacct's control level: HTTP 401 XMLGW_JPP0002
# "Sign-in information is incorrect. Please check your request." and HTTP 400 GW-0011 "Invalid Request"
# (HTTP status per one vendor only [unconfirmed]). Neither says whose credentials are wrong.
_GATEWAY_REFUSALS = ("XMLGW_JPP0002", "UJPP0002", "GW-0011")
_PARTNER_REFUSED = ("Incorrect Intacct XML Partner ID or password",)


def _all_error(reason: str) -> SignIn:
    error = Unavailable(reason)
    return SignIn(error, error, error)


def _web_services_off(errors: tuple[ErrorDetail, ...], level: str) -> SignIn:
    blocked = Unavailable("the Web Services subscription is off, so no sign-in was attempted", WEB_SERVICES)
    return SignIn(
        web_services=Evidence(False, f"Intacct refused at {level} level: {describe_errors(errors)}"),
        sender=blocked,
        user_sign_in=blocked,
    )


def _still_busy(errors: tuple[ErrorDetail, ...]) -> str:
    return (
        f"Intacct was still busy or off-line after the retries ({describe_errors(errors)}); "
        "this is not the company's setup: run again later"
    )


def classify_sign_in(response: Response, sender_id: str, company_id: str, user_id: str) -> SignIn:
    if not response.control_ok:
        errors = response.control_errors
        if _mentions(errors, *_WS_OFF):
            return _web_services_off(errors, "control")
        if _mentions(errors, *_SIGN_IN_INCORRECT) or any(
            error.errorno.strip().upper() in _GATEWAY_REFUSALS for error in errors
        ):
            # The gateway refuses here before any company is consulted, for PEX's sender credentials as
            # for the user's: blaming either party would be a guess.
            return _all_error(
                f"credentials refused: PEX's sender password or the customer's user password (Intacct's gateway "
                f"answered HTTP {response.http_status}: {describe_errors(errors)}); this answer does not say which. "
                f"Check INTACCT_SENDER_PASSWORD for sender ID {sender_id!r}, then INTACCT_USER_PASSWORD for user "
                f"{user_id!r} and the company ID {company_id!r}, and run again"
            )
        if _mentions(errors, *_PARTNER_REFUSED):
            return _all_error(
                f"Intacct refused PEX's sender credentials for sender ID {sender_id!r} at control level "
                f"({describe_errors(errors)}). This is PEX's own credential problem "
                "(INTACCT_SENDER_ID / INTACCT_SENDER_PASSWORD), not the company's setup"
            )
        if any(error.errorno.upper() == "GW-0010" for error in errors) or is_busy(errors):
            return _all_error(_still_busy(errors))
        return _all_error(
            f"Intacct rejected the request at control level ({describe_errors(errors)}); "
            "this is not the company's setup: check PEX's sender settings, or run again later"
        )

    if response.authenticated:
        location = response.authentication.location_id if response.authentication else ""
        return SignIn(
            web_services=Evidence(True, f"company {company_id!r} accepted a Web Services request"),
            sender=Evidence(True, f"Intacct accepted sender ID {sender_id!r} for company {company_id!r}"),
            user_sign_in=Evidence(
                True,
                f"user {user_id!r} signed in to company {company_id!r}"
                + (f" (entity {location!r})" if location else " at the top level"),
            ),
        )

    errors = response.authentication_errors
    if is_busy(errors):
        return _all_error(_still_busy(errors))
    if _mentions(errors, *_WS_OFF):
        return _web_services_off(errors, "authentication")
    if _mentions(errors, *_SENDER_REFUSED):
        # The company refused this sender: that much is established. Intacct gives the same answer
        # when the company has no Web Services subscription at all, so both causes are named.
        blocked = Unavailable(f"sender ID {sender_id!r} is not authorized, so no sign-in was attempted", SENDER)
        return SignIn(
            web_services=blocked,
            sender=Evidence(
                False,
                f"{describe_errors(errors)}. This answer has two possible causes: sender ID {sender_id!r} is "
                "missing, inactive or spelled differently in the company's Web Services authorizations, or the "
                "company has no Web Services subscription (Company > Admin tab > Subscriptions)",
            ),
            user_sign_in=blocked,
        )
    if _mentions(errors, *_SIGN_IN_INCORRECT):
        # The same answer comes for a wrong company ID, where no authorization list was consulted,
        # so it proves only that PEX's sender credentials are valid, not that this company authorized
        # the sender: the sender stays unverified until the user signs in (never green on a guess).
        unverified = Unavailable(
            f"the sign-in to company {company_id!r} failed (wrong user ID, password or company ID), so whether "
            f"the company authorizes sender ID {sender_id!r} is not shown",
            SIGN_IN,
        )
        return SignIn(
            web_services=unverified,
            sender=unverified,
            user_sign_in=Evidence(
                False,
                f"Intacct refused the sign-in of user {user_id!r} to company {company_id!r}: "
                f"{describe_errors(errors)}. Intacct answers a company ID that is not this customer's in the same "
                f"words, so first check that {company_id!r} is the customer's company ID exactly (--intacct-company; "
                f"the operator's typo, not the customer's setup); if it is, the user ID or its password "
                "(INTACCT_USER_PASSWORD) is wrong or the user is inactive",
            ),
        )
    return _all_error(
        "Intacct refused the sign-in with an answer this tool does not recognise "
        f"({describe_errors(errors)}); it cannot tell which setup step is at fault"
    )


def _classified(answers: Answers) -> SignIn:
    settings = answers.settings
    return classify_sign_in(answers.response, settings.sender_id, settings.company_id, settings.user_id)


def _noted(value: object, note: str) -> object:
    return value.noted(note) if isinstance(value, SignIn) else value


# Read from the batch's own sign-in: it adds no function, and every other fact waits for it.
SIGN_IN_FACT = Fact(
    name="sign_in",
    kind=SignIn,
    fixture="sign_in",
    doc="How Intacct answered the sign-in of PEX's sender and the Web Services user.",
    parse=_classified,
    unavailable=SignIn.unavailable,
    noted=_noted,
)
