"""Classify how Intacct answered the sign-in into the three STEP2/STEP3 sign-in requirements.

Intacct has no read API for Web Services authorizations or the subscription (API-NOTES §2), and
the same errorno ``XL03000006`` covers a wrong PEX sender password, an unauthorised sender and a
wrong user password. So the classification looks at *where* the failure sits (control or
authentication level) and at the description texts, never at the errorno alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from .intacct.errors import ErrorDetail, describe_errors
from .intacct.response import Response

WEB_SERVICES = "STEP2-WEB-SERVICES"
SENDER = "STEP2-SENDER-ID"
SIGN_IN = "STEP3-USER-SIGN-IN"


@dataclass(frozen=True)
class Evidence:
    """A verified fact about one requirement: met or not, and what Intacct showed."""

    met: bool
    observed: str


@dataclass(frozen=True)
class Unavailable:
    """A fact that could not be established: blocked by another requirement, or an error."""

    reason: str
    blocked_by: str | None = None

    @property
    def is_error(self) -> bool:
        return self.blocked_by is None


@dataclass(frozen=True)
class SignIn:
    web_services: Evidence | Unavailable
    sender: Evidence | Unavailable
    user_sign_in: Evidence | Unavailable

    @property
    def signed_in(self) -> bool:
        return isinstance(self.user_sign_in, Evidence) and self.user_sign_in.met

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


def _mentions(errors: tuple[ErrorDetail, ...], *needles: str) -> bool:
    haystack = " ".join(f"{error.description} {error.description2}" for error in errors).lower()
    return any(needle.lower() in haystack for needle in needles)


_WS_OFF = ("not authorized for XML transactions", "subscribe to the XML Gateway")
_SENDER_REFUSED = ("Invalid Web Services Authorization", "is not authorized to make Web Services requests")
_SIGN_IN_INCORRECT = ("Sign-in information is incorrect",)
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


def classify_sign_in(response: Response, sender_id: str, company_id: str, user_id: str) -> SignIn:
    if not response.control_ok:
        errors = response.control_errors
        if _mentions(errors, *_WS_OFF):
            return _web_services_off(errors, "control")
        if _mentions(errors, *_SIGN_IN_INCORRECT):
            # The newer gateway path (HTTP 401, XMLGW_JPP0002) refuses at control level, where Intacct
            # also judges PEX's own sender credentials, and does not say whose credentials are wrong:
            # blaming the customer's user would be a guess.
            return _all_error(
                f"Intacct refused the credentials at gateway level (HTTP {response.http_status}: "
                f"{describe_errors(errors)}); this answer does not say whether PEX's sender credentials or the "
                f"sign-in of user {user_id!r} to company {company_id!r} is wrong: check INTACCT_SENDER_PASSWORD, "
                "INTACCT_USER_PASSWORD and the company ID, then run again"
            )
        if _mentions(errors, *_PARTNER_REFUSED):
            return _all_error(
                f"Intacct refused PEX's sender credentials for sender ID {sender_id!r} at control level "
                f"({describe_errors(errors)}). This is PEX's own credential problem "
                "(INTACCT_SENDER_ID / INTACCT_SENDER_PASSWORD), not the company's setup"
            )
        if any(error.errorno.upper() == "GW-0010" for error in errors):
            return _all_error(
                f"Intacct kept rate-limiting the requests after the retries ({describe_errors(errors)}); "
                "this is not the company's setup: run again later"
            )
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
    if _mentions(errors, *_WS_OFF):
        return _web_services_off(errors, "authentication")
    if _mentions(errors, *_SENDER_REFUSED):
        blocked = Unavailable(f"sender ID {sender_id!r} is not authorized, so no sign-in was attempted", SENDER)
        return SignIn(
            web_services=blocked,
            sender=Evidence(False, describe_errors(errors)),
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
                f"Intacct refused the sign-in of user {user_id!r} to company {company_id!r}: {describe_errors(errors)}",
            ),
        )
    return _all_error(
        "Intacct refused the sign-in with an answer this tool does not recognise "
        f"({describe_errors(errors)}); it cannot tell which setup step is at fault"
    )
