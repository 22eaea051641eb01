"""Request bytes to a tree the gateway trusts (level 1: well-formed, no DOCTYPE, schema-valid), and reading it."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Iterator
from typing import cast

from lxml import etree

from ..intacct.hardened_xml import hardened_parser
from .failures import RequestRejected
from .responses import GatewayError

# A compiled schema keeps its error log on the object, and it is shared by every gateway in the process.
_SCHEMA_LOCK = threading.Lock()


def load_schema(path: str | os.PathLike[str]) -> etree.XMLSchema:
    """Compile the request XSD once per process (it is 500 KB)."""
    return _compile_schema(os.path.realpath(path))


@functools.lru_cache(maxsize=4)
def _compile_schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def parse_request(body: bytes, schema: etree.XMLSchema | None) -> etree._Element:
    """The request's root element, or RequestRejected with the errors the real gateway would report."""
    try:
        root = etree.fromstring(body, hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        log = cast(Iterable[etree._LogEntry], exc.error_log) if isinstance(exc, etree.XMLSyntaxError) else ()
        fallback = GatewayError("XL03000003", description2=f"XML Parse schema error: {exc}")
        raise RequestRejected(*(_libxml_errors(log) or [fallback])) from exc
    # lxml-stubs lack DocInfo.doctype; it is "" when the document has no DOCTYPE.
    if getattr(root.getroottree().docinfo, "doctype", ""):
        # Unconfirmed wording: the simulator refuses any DTD so entity tricks never reach parsing.
        raise RequestRejected(
            GatewayError("XL03000003", description2="XML Parse schema error: DOCTYPE is not allowed.")
        )
    if schema is not None:
        with _SCHEMA_LOCK:
            valid = schema.validate(root)
            errors = _libxml_errors(cast(Iterable[etree._LogEntry], schema.error_log))
        if not valid:
            raise RequestRejected(*errors)
    if root.tag != "request" or root.find("control") is None:
        raise RequestRejected(
            GatewayError("XL03000003", description2="XML Parse schema error: the root must be <request>.")
        )
    return root


def _libxml_errors(log: Iterable[etree._LogEntry], limit: int = 5) -> list[GatewayError]:
    # Same wording as the real gateway, which also reports libxml2's messages (sample xml-parse-error).
    errors = []
    for entry in list(log)[:limit]:
        level = "Fatal Error" if entry.level_name == "FATAL" else "Error"
        errors.append(
            GatewayError(
                "XL03000003",
                description2=f"XML Parse schema error: {level} {entry.type}: {entry.message.rstrip('.')}."
                f" Line: {entry.line}, column: {entry.column}.",
            )
        )
    return errors


def function_calls(operation: etree._Element) -> Iterator[tuple[str, str, etree._Element]]:
    """(function name, controlid, function element) for each function of an operation, in order."""
    for function in operation.iterfind("content/function"):
        body = next(iter(function.iterchildren(tag=etree.Element)), None)
        yield (body.tag if body is not None else "", function.get("controlid", ""), function)


def child_texts(element: etree._Element | None, *tags: str) -> tuple[str, ...]:
    """The stripped text of each named child, "" where the child (or the element) is missing."""
    return tuple((element.findtext(tag, "") if element is not None else "").strip() for tag in tags)
