"""Hardened parsing of Intacct responses (docs/intacct-api.md §7): control, authentication and result levels.

The parser never resolves entities, loads a DTD or touches the network, and refuses any document
that declares a DOCTYPE: Intacct never sends one, so one in a response is hostile or broken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Union

from lxml import etree

from .errors import ErrorDetail, ProtocolError
from .hardened_xml import parse_untrusted
from .secrets import redact_tree

MAX_RESPONSE_BYTES = 20 * 1024 * 1024

FieldValue = Union[str, "Record", list["Record"]]
Record = dict[str, FieldValue]

_SUPPORT_ID = re.compile(r"\s*\[Support ID:\s*([^\]]*)\]\s*$")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class AuthenticationBlock:
    status: str
    user_id: str
    company_id: str
    location_id: str
    session_timestamp: str = ""
    session_timeout: str = ""


@dataclass(frozen=True)
class Result:
    status: str
    function: str
    control_id: str
    records: tuple[Record, ...] = ()
    data_attributes: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    errors: tuple[ErrorDetail, ...] = ()
    has_data: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True)
class Response:
    control_status: str
    control_errors: tuple[ErrorDetail, ...]
    authentication: AuthenticationBlock | None
    authentication_errors: tuple[ErrorDetail, ...]
    results: tuple[Result, ...]
    http_status: int = 200

    @property
    def control_ok(self) -> bool:
        return self.control_status == "success"

    @property
    def authenticated(self) -> bool:
        return self.control_ok and self.authentication is not None and self.authentication.status == "success"

    def result(self, control_id: str) -> Result:
        for result in self.results:
            if result.control_id == control_id:
                return result
        raise ProtocolError(f"Intacct's response has no result for function {control_id!r}")


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def split_support_id(text: str) -> tuple[str, str]:
    """``"Bad thing. [Support ID: abc]"`` → ``("Bad thing.", "abc")``."""
    match = _SUPPORT_ID.search(text)
    if not match:
        return text, ""
    return text[: match.start()].rstrip(), match.group(1).strip()


def _errors(parent: etree._Element | None) -> tuple[ErrorDetail, ...]:
    if parent is None:
        return ()
    errors = []
    for error in parent.findall("errormessage/error"):
        description, support_a = split_support_id(_text(error, "description"))
        description2, support_b = split_support_id(_text(error, "description2"))
        errors.append(
            ErrorDetail(
                errorno=_text(error, "errorno"),
                description=description,
                description2=description2,
                correction=_text(error, "correction"),
                support_id=support_b or support_a,
            )
        )
    return tuple(errors)


def element_to_record(element: etree._Element) -> Record:
    """Children as fields; a nested element becomes a record, a repeated one a list of records."""
    record: Record = {}
    # Comments and processing instructions are dropped by the parser and DOCTYPEs are refused, so
    # every child here is an element.
    for child in element:
        value: FieldValue = element_to_record(child) if len(child) else (child.text or "").strip()
        if child.tag not in record:
            record[child.tag] = value
            continue
        existing = record[child.tag]
        if isinstance(existing, list):
            existing.append(value if isinstance(value, dict) else {"": value})
        else:
            record[child.tag] = [
                existing if isinstance(existing, dict) else {"": existing},
                value if isinstance(value, dict) else {"": value},
            ]
    return record


def _result(element: etree._Element) -> Result:
    data = element.find("data")
    records: tuple[Record, ...] = ()
    attributes: dict[str, str] = {}
    if data is not None:
        attributes = {str(name): str(value) for name, value in data.attrib.items()}
        records = tuple(element_to_record(child) for child in data)
    key_element = element.find("key")
    return Result(
        status=_text(element, "status"),
        function=_text(element, "function"),
        control_id=_text(element, "controlid"),
        records=records,
        data_attributes=attributes,
        key=(key_element.text or "").strip() if key_element is not None else None,
        errors=_errors(element),
        has_data=data is not None,
    )


def parse_response(body: bytes, http_status: int = 200, secrets: Iterable[str] = ()) -> Response:
    """The answer at its three levels; ``secrets`` (the passwords sent) are redacted wherever it echoes them."""
    if len(body) > MAX_RESPONSE_BYTES:
        raise ProtocolError(
            f"Intacct's response is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB; refused unread"
        )
    if not body.strip():
        raise ProtocolError(f"Intacct sent an empty body (HTTP {http_status})")
    if _DOCTYPE.search(body[:4096]) or _DOCTYPE.search(body):
        raise ProtocolError("Intacct's response declares a DOCTYPE/ENTITY; refused as hostile (never expanded)")
    try:
        root = parse_untrusted(body)
    except etree.XMLSyntaxError as error:
        raise ProtocolError(f"Intacct's response is not well-formed XML (HTTP {http_status}): {error}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        # The byte scan above cannot see a DOCTYPE in UTF-16; the parsed tree can.
        raise ProtocolError("Intacct's response declares a DOCTYPE/ENTITY; refused as hostile (never expanded)")
    redact_tree(root, secrets)
    if root.tag != "response":
        raise ProtocolError(f"the body is XML but not an Intacct response (root element <{root.tag}>)")
    control = root.find("control")
    control_status = _text(control, "status")
    if control is None or control_status not in ("success", "failure"):
        raise ProtocolError("Intacct's response has no control status")

    operation = root.find("operation")
    control_errors = _errors(root)
    if control_status == "failure" or operation is None:
        if control_status == "success":
            raise ProtocolError("Intacct's response reports control success but has no operation")
        return Response(control_status, control_errors, None, (), (), http_status)

    auth_element = operation.find("authentication")
    authentication = None
    if auth_element is not None:
        authentication = AuthenticationBlock(
            status=_text(auth_element, "status"),
            user_id=_text(auth_element, "userid"),
            company_id=_text(auth_element, "companyid"),
            location_id=_text(auth_element, "locationid"),
            session_timestamp=_text(auth_element, "sessiontimestamp"),
            session_timeout=_text(auth_element, "sessiontimeout"),
        )
    results = tuple(_result(element) for element in operation.findall("result"))
    return Response(
        control_status=control_status,
        control_errors=control_errors,
        authentication=authentication,
        authentication_errors=_errors(operation),
        results=results,
        http_status=http_status,
    )
