"""What the gateway sends back: the HTTP response, Intacct's error shape, and the XML that carries them.

Texts and levels follow docs/intacct-api.md (§2, §7, §8) and the real-format samples under tests/data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

from lxml import etree

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    body: bytes
    content_type: str = XML_CONTENT_TYPE

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("Content-Type", self.content_type), ("Content-Length", str(len(self.body))))


@dataclass(frozen=True)
class GatewayError:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


def serialize(root: etree._Element, *, pretty: bool = True) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=pretty)


def add_child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def errormessage(errors: Iterable[GatewayError]) -> etree._Element:
    message = etree.Element("errormessage")
    for error in errors:
        item = add_child(message, "error")
        for field in dataclasses.fields(GatewayError):
            add_child(item, field.name, getattr(error, field.name))
    return message


def status_only_failure(errorno: str, description: str) -> bytes:
    """The newer gateway's failure body: a control block with only a status (401/429 samples)."""
    response = etree.Element("response")
    add_child(etree.SubElement(response, "control"), "status", "failure")
    error = etree.SubElement(etree.SubElement(response, "errormessage"), "error")
    add_child(error, "errorno", errorno)
    add_child(error, "description", description)
    return serialize(response)


def authentication_failure(user_id: str, company_id: str, error: GatewayError) -> list[etree._Element]:
    """An operation whose authentication failed: its status block, then the error (no results)."""
    auth = etree.Element("authentication")
    add_child(auth, "status", "failure")
    add_child(auth, "userid", user_id)
    add_child(auth, "companyid", company_id)
    return [auth, errormessage([error])]


def authentication_success(
    user_id: str, company_id: str, location_id: str, timestamp: str, timeout: str
) -> etree._Element:
    auth = etree.Element("authentication")
    add_child(auth, "status", "success")
    add_child(auth, "userid", user_id)
    add_child(auth, "companyid", company_id)
    add_child(auth, "locationid", location_id)
    add_child(auth, "sessiontimestamp", timestamp)
    add_child(auth, "sessiontimeout", timeout)
    return auth


FunctionOutcome: TypeAlias = list[etree._Element] | GatewayError
"""What one function produced: the elements of its result, or the error it failed with."""

ROLLED_BACK = GatewayError(
    "XL03000009",
    description2="The entire transaction in this operation has been rolled back due to an error.",
)


def function_result(name: str, control_id: str, outcome: FunctionOutcome, rolled_back: bool) -> etree._Element:
    """One <result>; in a rolled-back transaction even the functions that worked are "aborted"."""
    result = etree.Element("result")
    if isinstance(outcome, GatewayError):
        status, errors = "failure", [outcome]
    else:
        status, errors = ("aborted" if rolled_back else "success"), []
    add_child(result, "status", status)
    add_child(result, "function", name)
    add_child(result, "controlid", control_id)
    if rolled_back:
        errors.append(ROLLED_BACK)
    if errors:
        result.append(errormessage(errors))
    elif not isinstance(outcome, GatewayError):
        result.extend(outcome)
    return result
