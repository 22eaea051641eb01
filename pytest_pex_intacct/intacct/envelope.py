"""The request envelope (docs/intacct-api.md §6): control block, one operation, authentication, content.

Element order follows the v3.0 schema's ``xs:sequence``s; every element is built with lxml so that
values (company ids, passwords, GL titles) can never change the document's structure.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from .errors import ConfigurationError
from .functions import IntacctFunction
from .secrets import RequestBody

DTD_VERSION = "3.0"


@dataclass(frozen=True)
class SenderCredentials:
    """PEX's Web Services sender: the ``<control>`` block's senderid and password."""

    sender_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class LoginCredentials:
    """The customer's Web Services user, signing in directly with the request (no session)."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None


def _child(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    try:
        element.text = text
    except (ValueError, UnicodeError):
        # lxml's own message would quote the value, and the value may be a password.
        raise ConfigurationError(
            f"the value for <{tag}> contains characters XML cannot carry (control characters or undecodable "
            "bytes); check the option or environment variable that sets it"
        ) from None
    return element


def new_control_id() -> str:
    return str(uuid.uuid4())


def build_request(
    sender: SenderCredentials,
    login: LoginCredentials,
    functions: Sequence[IntacctFunction],
    control_id: str | None = None,
) -> etree._Element:
    if not functions:
        raise ConfigurationError("an Intacct request needs at least one function (this is a bug in the caller)")
    control_ids = [function.control_id for function in functions]
    if len(set(control_ids)) != len(control_ids) or not all(control_ids):
        raise ConfigurationError(
            f"function control ids must be unique and non-empty, got {control_ids} (this is a bug in the caller)"
        )

    request = etree.Element("request")
    control = etree.SubElement(request, "control")
    _child(control, "senderid", sender.sender_id)
    _child(control, "password", sender.password)
    _child(control, "controlid", control_id or new_control_id())
    # Reads must be repeatable: uniqueid=true would make Intacct refuse a retried request.
    _child(control, "uniqueid", "false")
    _child(control, "dtdversion", DTD_VERSION)
    _child(control, "includewhitespace", "false")

    operation = etree.SubElement(request, "operation", transaction="false")
    auth = etree.SubElement(operation, "authentication")
    # The login block authenticates this one request: no session is opened, so none can leak or expire.
    login_element = etree.SubElement(auth, "login")
    _child(login_element, "userid", login.user_id)
    # companyid must precede password or Intacct refuses the login.
    _child(login_element, "companyid", login.company_id)
    _child(login_element, "password", login.password)
    if login.location_id:
        _child(login_element, "locationid", login.location_id)

    content = etree.SubElement(operation, "content")
    for function in functions:
        wrapper = etree.SubElement(content, "function", controlid=function.control_id)
        wrapper.append(function.body())
    return request


def serialize(request: etree._Element) -> bytes:
    """UTF-8 bytes with a matching declaration, so the wire bytes and the declared encoding agree.

    They hold the passwords: a traceback showing the locals of a frame that holds them shows their size only.
    """
    return RequestBody(etree.tostring(request, xml_declaration=True, encoding="UTF-8"))
