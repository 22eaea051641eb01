"""Faults in what an answer says: outages, error statuses, broken or foreign bodies, hostile XML.

The wire they speak through and the base class: ``fault_wire``; late or broken connections:
``connection_faults``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree

from ..intacct.hardened_xml import hardened_parser
from .control import control_failure
from .fault_wire import TEXT_CONTENT_TYPE, Fault, RealResponse, Wire, head_bytes, reason_phrase, send, send_response
from .responses import (
    XML_CONTENT_TYPE,
    GatewayError,
    add_child,
    errormessage,
    serialize,
    status_only_failure,
)

HTML_CONTENT_TYPE = "text/html; charset=UTF-8"


@dataclass(frozen=True)
class HttpError(Fault):
    """An HTTP error status with a plain-text body (no XML), e.g. 500, 503, or the CDN's 524."""

    status: int = 503
    # None: processed only for 524, whose meaning is "the CDN cut the connection, Intacct went on".
    processed: bool | None = None

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        if self.processed or (self.processed is None and self.status == 524):
            real()
        send(wire, self.status, TEXT_CONTENT_TYPE, f"{self.status} {reason_phrase(self.status)}\n".encode())


@dataclass(frozen=True)
class RateLimited(Fault):
    """HTTP 429 with the gateway's status-only control failure GW-0010."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        # GW-0010 and HTTP 429 are documented; the description text is the simulator's.
        body = status_only_failure("GW-0010", "Rate limit exceeded. Too many requests, retry later.")
        send(wire, 429, XML_CONTENT_TYPE, body)


@dataclass(frozen=True)
class MaintenancePage(Fault):
    """HTTP 200 with an HTML maintenance page instead of XML."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        html = etree.Element("html")
        etree.SubElement(etree.SubElement(html, "head"), "title").text = "Sage Intacct - Maintenance"
        body = etree.SubElement(html, "body")
        etree.SubElement(body, "h1").text = "The Service is Temporarily Off-line"
        etree.SubElement(body, "p").text = "Sage Intacct is undergoing scheduled maintenance."
        page = etree.tostring(html, method="html", doctype="<!DOCTYPE html>", encoding="UTF-8")
        send(wire, 200, HTML_CONTENT_TYPE, page)


@dataclass(frozen=True)
class EmptyBody(Fault):
    """HTTP 200, XML content type, zero bytes."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        send(wire, 200, XML_CONTENT_TYPE, b"")


@dataclass(frozen=True)
class ForeignXml(Fault):
    """Well-formed XML that is not an Intacct response: ``<foo/>`` or an XHTML page."""

    root: Literal["foo", "html"] = "foo"

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        document = etree.Element(self.root)
        if self.root == "html":
            etree.SubElement(etree.SubElement(document, "body"), "p").text = "Welcome"
        send(wire, 200, XML_CONTENT_TYPE, serialize(document))


@dataclass(frozen=True)
class Truncated(Fault):
    """The genuine response cut in half (Content-Length matches the cut body)."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        send(wire, response.status, response.content_type, response.body[: len(response.body) // 2])


def _entity_bait(doctype: str, entity: str) -> bytes:
    """A control failure whose description2 is an entity reference: a parser that expands it leaks."""
    response = etree.fromstring(control_failure([GatewayError("XL03000003")]), hardened_parser())
    description2 = response.find("errormessage/error/description2")
    assert description2 is not None
    description2.append(etree.Entity(entity))
    # lxml cannot build entity declarations as nodes, so the internal subset is passed as the doctype.
    return etree.tostring(response, doctype=doctype, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class XxeBody(Fault):
    """A body whose DOCTYPE declares an external entity pointing at a local file (given by the test)."""

    path: str | Path

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        uri = Path(self.path).resolve().as_uri()
        body = _entity_bait(f'<!DOCTYPE response [<!ENTITY xxe SYSTEM "{uri}">]>', "xxe")
        send(wire, 200, XML_CONTENT_TYPE, body)


@dataclass(frozen=True)
class BillionLaughs(Fault):
    """The classic exponential entity expansion (10 ** levels copies of "lol")."""

    levels: int = 9

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        declarations = ['<!ENTITY lol0 "lol">']
        for level in range(1, self.levels + 1):
            expansion = f"&lol{level - 1};" * 10
            declarations.append(f'<!ENTITY lol{level} "{expansion}">')
        body = _entity_bait(f"<!DOCTYPE response [{''.join(declarations)}]>", f"lol{self.levels}")
        send(wire, 200, XML_CONTENT_TYPE, body)


@dataclass(frozen=True)
class HugeBody(Fault):
    """A well-formed response of ``megabytes`` MiB, generated while it is sent (never held in memory)."""

    megabytes: float = 100
    declare_length: bool = True
    chunk_size: int = 64 * 1024

    @property
    def size(self) -> int:
        return int(self.megabytes * 1024 * 1024)

    def chunks(self) -> Iterator[bytes]:
        marker = "@@FILLER@@"
        shell = etree.fromstring(control_failure([GatewayError("XL03000003", description2=marker)]), hardened_parser())
        head, tail = serialize(shell, pretty=False).split(marker.encode())
        filler = self.size - len(head) - len(tail)
        block = b"A" * self.chunk_size
        yield head
        for _ in range(filler // self.chunk_size):
            yield block
        yield block[: filler % self.chunk_size]
        yield tail

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        wire.head(200, XML_CONTENT_TYPE, self.size if self.declare_length else None)
        for chunk in self.chunks():
            wire.write(chunk)


@dataclass(frozen=True)
class HugeHeaders(Fault):
    """The genuine response behind ``count`` filler header lines of ``value_bytes`` bytes each, all at once.

    The defaults stay inside what Python's http.client accepts (100 lines of 64 KiB), so only a
    client's own cap on the header block refuses them.
    """

    count: int = 90
    value_bytes: int = 60 * 1024

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        filler = [(f"X-Filler-{index}", "A" * self.value_bytes) for index in range(self.count)]
        genuine = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        wire.log_once(response.status)
        wire.write(head_bytes(response.status, [*filler, *genuine]))
        wire.write(response.body)


@dataclass(frozen=True)
class MismatchedControlIds(Fault):
    """The genuine response with every ``<result><controlid>`` changed to one the request never sent."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        document = etree.fromstring(response.body, hardened_parser())
        for index, control_id in enumerate(document.iterfind("operation/result/controlid")):
            control_id.text = f"unexpected-{index + 1}-{control_id.text or ''}"
        send(wire, response.status, response.content_type, serialize(document))


@dataclass(frozen=True)
class FailDeletes(Fault):
    """Processed normally, except that every delete_* function fails (to test cleanup reporting)."""

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        send_response(wire, real(fail_deletes=True))


BusyPlace = Literal["control", "result", "correction"]


@dataclass(frozen=True)
class BusyAnswer(Fault):
    """HTTP 200 whose XML says Intacct is busy or off-line, in the places integrations report seeing it.

    ``control``: the whole request refused with "API rate limit exceeded"; ``result``: every function
    failed with "The Service is Temporarily Off-line" in description2; ``correction``: every function
    failed with a "Please Try Again Later" correction. The phrases are vendors' (their retry code
    matches them); the errornos around them are unconfirmed, so the control one reuses XL03000006 to
    prove that the phrase, not the number, decides. Meant for reads: the request is processed to
    shape the answer like the real one, and a write would take effect.
    """

    place: BusyPlace = "control"

    def deliver(self, wire: Wire, real: RealResponse) -> None:
        response = real()
        document = etree.fromstring(response.body, hardened_parser())
        control = document.find("control")
        if self.place == "control" or control is None:
            for child in list(document):
                if child.tag != "control":
                    document.remove(child)
            if control is not None:
                status = control.find("status")
                if status is not None:
                    status.text = "failure"
            document.append(errormessage([GatewayError("XL03000006", description="API rate limit exceeded")]))
        else:
            error = (
                GatewayError("BL01001973", description2="The Service is Temporarily Off-line")
                if self.place == "result"
                else GatewayError(
                    "BL01001973", description2="The request could not be completed", correction="Please Try Again Later"
                )
            )
            for result in document.iterfind("operation/result"):
                for child in list(result):
                    if child.tag not in ("function", "controlid"):
                        result.remove(child)
                add_child(result, "status", "failure")
                result.insert(0, result[-1])
                result.append(errormessage([error]))
        send(wire, 200, response.content_type, serialize(document))
