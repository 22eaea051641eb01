"""The request's control block (sender credentials and ids), echoed in every response's control block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .responses import GatewayError, add_child, errormessage, serialize


@dataclass(frozen=True)
class Control:
    sender_id: str = ""
    password: str = ""
    control_id: str = ""
    unique_id: str = "false"
    dtd_version: str = "3.0"
    pretty: bool = True

    @classmethod
    def read(cls, root: etree._Element | None) -> Control:
        control = root.find("control") if root is not None else None
        if control is None:
            return cls()
        return cls(
            sender_id=control.findtext("senderid", ""),
            password=control.findtext("password", ""),
            control_id=control.findtext("controlid", ""),
            unique_id=control.findtext("uniqueid", "false"),
            dtd_version=control.findtext("dtdversion", "3.0"),
            pretty=control.findtext("includewhitespace", "true").strip().lower() not in ("false", "0"),
        )


def control_block(status: str, control: Control) -> etree._Element:
    block = etree.Element("control")
    add_child(block, "status", status)
    add_child(block, "senderid", control.sender_id)
    add_child(block, "controlid", control.control_id)
    add_child(block, "uniqueid", control.unique_id)
    add_child(block, "dtdversion", control.dtd_version)
    return block


def control_failure(errors: Sequence[GatewayError], control: Control | None = None) -> bytes:
    """The whole request failed before any operation ran: the control block and the errors only."""
    control = control or Control()
    response = etree.Element("response")
    response.append(control_block("failure", control))
    response.append(errormessage(errors))
    return serialize(response, pretty=control.pretty)
