"""Who is at fault when talking to Intacct goes wrong.

Every exception names the party that has to act (us, the network, Intacct, the customer's
company) and what to do next. None of them ever holds a password or a session id: messages are
built only from our own text and the error details Intacct sent back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    """One ``<error>`` of an Intacct ``<errormessage>``."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""
    support_id: str = ""

    @property
    def text(self) -> str:
        """The human part of the error: description and description2, without the support id."""
        return " ".join(part for part in (self.description, self.description2) if part)

    def __str__(self) -> str:
        parts = [self.errorno or "(no errorno)"]
        if self.text:
            parts.append(self.text)
        if self.correction:
            parts.append(f"(correction: {self.correction})")
        if self.support_id:
            parts.append(f"[Support ID: {self.support_id}]")
        return " ".join(parts)


def describe_errors(errors: tuple[ErrorDetail, ...]) -> str:
    return "; ".join(str(error) for error in errors) if errors else "no error details given"


# Busy or off-line answers inside an HTTP 200 body. Vendors retry on these texts; no verbatim body is
# public [unconfirmed], so the phrases are matched anywhere in an error's words, whatever its errorno.
BUSY_PHRASES = ("api rate limit exceeded", "temporarily off-line", "temporarily offline", "try again later")
# A role without the object permission: PL04000005 "You do not have permission for API operation
# READ_BY_QUERY on objects of type arinvoice" (recorded text; the XML around it is [unconfirmed]).
# The same errorno also answers "API operation 'READ_BY_QUERY' cannot be performed on objects of type
# …" and "This feature is disabled for your company or your current user": no permission the
# customer's role lacks. So a refusal is read by its text, never by the number alone.
PERMISSION_ERRORNO = "PL04000005"
_PERMISSION_PHRASES = ("do not have permission", "not authorized to perform", "permission denied")
_NOT_OFFERED_PHRASES = ("cannot be performed on objects of type", "feature is disabled")


def _words(error: ErrorDetail) -> str:
    return f"{error.errorno} {error.description} {error.description2} {error.correction}".lower()


def mentions_busy(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in BUSY_PHRASES)


def is_busy(errors: tuple[ErrorDetail, ...]) -> bool:
    """Intacct said it is rate limiting or off-line: a transient fault, never the company's setup."""
    return any(mentions_busy(_words(error)) for error in errors)


def is_unknown_object(errors: tuple[ErrorDetail, ...]) -> bool:
    """The company has no such object: "Object definition X not found" (errorno 'WS' or none)."""
    return any("object definition" in _words(error) and "not found" in _words(error) for error in errors)


def is_permission_refusal(errors: tuple[ErrorDetail, ...]) -> bool:
    """The signed-in user's role may not run this operation on this object (the customer can grant it).

    Said by the text ("do not have permission"), whatever the errorno: PL04000005 alone also covers
    operations Intacct does not offer at all (:func:`is_not_offered`).
    """
    return not is_not_offered(errors) and any(
        any(phrase in _words(error) for phrase in _PERMISSION_PHRASES) for error in errors
    )


def is_not_offered(errors: tuple[ErrorDetail, ...]) -> bool:
    """Intacct does not offer the operation on this object, or the feature is off for the company or user."""
    return any(any(phrase in _words(error) for phrase in _NOT_OFFERED_PHRASES) for error in errors)


class IntacctError(Exception):
    """Base class: something stopped a request to Intacct from giving a usable answer."""

    fault = "unknown"

    def __init__(self, message: str, errors: tuple[ErrorDetail, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(IntacctError):
    """Our caller asked for something invalid (bad endpoint, missing credential, write without opt-in)."""

    fault = "configuration"


class ReadOnlyViolation(ConfigurationError):
    """A function that writes was about to be sent without the explicit write-probe opt-in."""


class TransportError(IntacctError):
    """The network or Intacct's web tier failed: no Intacct answer was received. Retry later."""

    fault = "transport"

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ProtocolError(IntacctError):
    """A body came back but it is not a usable Intacct response (HTML, truncated, hostile, too large)."""

    fault = "protocol"
