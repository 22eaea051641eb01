"""The one way this package parses XML it did not write: no entities, no DTD, no network.

Responses come from the network, recordings from files anyone may have edited, requests from
clients of the simulator: all are untrusted. A fresh parser per call, because lxml parsers must
not be shared between threads (the simulator answers on several).
"""

from __future__ import annotations

from lxml import etree


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted(data: bytes) -> etree._Element:
    """The document's root element; raises ``etree.XMLSyntaxError`` when it is not well-formed XML."""
    return etree.fromstring(data, hardened_parser())


def parse_or_none(body: bytes | str | None) -> etree._Element | None:
    """The root element of a body that may be empty, text or not XML at all (None then)."""
    if not body:
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else body
    try:
        return parse_untrusted(raw)
    except etree.XMLSyntaxError:
        return None
