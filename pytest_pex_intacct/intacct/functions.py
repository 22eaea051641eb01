"""The Intacct functions the product sends, each writing only its own ``<function>`` element.

A function knows nothing of credentials, envelopes or HTTP (the official SDK's layering).
``writes`` marks the functions that change the customer's books; the client refuses to send
them unless the caller opted in to the one write probe (docs/intacct-api.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from lxml import etree

_READ_PREFIXES = ("read", "get")
_READ_NAMES = ("query", "lookup", "inspect")


def is_write_function(element_name: str) -> bool:
    """Anything not known to read counts as a write: deny by default.

    Reads are ``read*``/``get*`` (readByQuery, get_list, getDimensions, …), ``query``, ``lookup`` and
    ``inspect``; ``create``/``update``/``delete``, their legacy ``create_*`` forms and every other
    function (``apply_*``, ``reverse_*``, ``installApp``, …) are writes.
    """
    lowered = element_name.lower()
    return not (lowered in _READ_NAMES or lowered.startswith(_READ_PREFIXES))


class IntacctFunction(Protocol):
    @property
    def control_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    def body(self) -> etree._Element:
        """The element that goes inside ``<function controlid=…>``."""
        ...


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


@dataclass(frozen=True)
class ReadByName:
    control_id: str
    object: str
    keys: tuple[str, ...]
    fields: str = "*"
    name: ClassVar[str] = "readByName"

    def body(self) -> etree._Element:
        element = etree.Element(self.name)
        _child(element, "object", self.object)
        _child(element, "keys", ",".join(self.keys))
        _child(element, "fields", self.fields)
        return element


@dataclass(frozen=True)
class Query:
    """The newer ``query`` function: selected fields, ``equalto`` filters joined by ``or``, options.

    Intacct compares strings case-sensitively unless ``caseinsensitive`` is set, so every lookup of a
    name a customer typed sets it: "PEX GL account" is the account the guide calls "PEX GL Account".
    """

    control_id: str
    object: str
    select: tuple[str, ...]
    # (field, value) pairs; several are joined with <or>; none selects every record.
    equal_to: tuple[tuple[str, str], ...] = ()
    case_insensitive: bool = False
    pagesize: int = 2000
    # (field, pattern) pairs a record must not match, e.g. ("NAME", "::SYS::%"); joined to the rest with <and>.
    not_like: tuple[tuple[str, str], ...] = ()
    # Include records private to an entity in a listing made at the top level.
    show_private: bool = False
    name: ClassVar[str] = "query"

    def body(self) -> etree._Element:
        element = etree.Element(self.name)
        _child(element, "object", self.object)
        select = _child(element, "select")
        for field in self.select:
            _child(select, "field", field)
        if self.equal_to or self.not_like:
            parent = _child(element, "filter")
            if self.equal_to and self.not_like:
                parent = _child(parent, "and")
            equal_parent = _child(parent, "or") if len(self.equal_to) > 1 else parent
            for field, value in self.equal_to:
                equalto = _child(equal_parent, "equalto")
                _child(equalto, "field", field)
                _child(equalto, "value", value)
            for field, pattern in self.not_like:
                notlike = _child(parent, "notlike")
                _child(notlike, "field", field)
                _child(notlike, "value", pattern)
        _child(element, "pagesize", str(self.pagesize))
        if self.case_insensitive or self.show_private:
            options = _child(element, "options")
            if self.case_insensitive:
                _child(options, "caseinsensitive", "true")
            if self.show_private:
                _child(options, "showprivate", "true")
        return element


@dataclass(frozen=True)
class GetDimensions:
    control_id: str
    name: ClassVar[str] = "getDimensions"

    def body(self) -> etree._Element:
        return etree.Element(self.name)


@dataclass(frozen=True)
class ListSupdocFolders:
    """Legacy ``get_list`` of attachment folders with one name filter (read-only)."""

    control_id: str
    folder_name: str
    name: ClassVar[str] = "get_list"

    def body(self) -> etree._Element:
        element = etree.Element(self.name, object="supdocfolder")
        expression = _child(_child(element, "filter"), "expression")
        _child(expression, "field", "name")
        _child(expression, "operator", "=")
        _child(expression, "value", self.folder_name)
        return element


@dataclass(frozen=True)
class ListSupdocs:
    """Legacy ``get_list`` of attachments with one name filter (read-only): confirms what the probe created."""

    control_id: str
    document_name: str
    name: ClassVar[str] = "get_list"

    def body(self) -> etree._Element:
        element = etree.Element(self.name, object="supdoc")
        expression = _child(_child(element, "filter"), "expression")
        _child(expression, "field", "supdocname")
        _child(expression, "operator", "=")
        _child(expression, "value", self.document_name)
        return element


@dataclass(frozen=True)
class CreateSupdocFolder:
    control_id: str
    folder_name: str
    description: str = ""
    name: ClassVar[str] = "create_supdocfolder"

    def body(self) -> etree._Element:
        element = etree.Element(self.name)
        _child(element, "supdocfoldername", self.folder_name)
        if self.description:
            _child(element, "supdocfolderdescription", self.description)
        return element


@dataclass(frozen=True)
class CreateSupdoc:
    """An attachment with an empty ``supdocid``: Intacct numbers it only if auto-numbering is set up."""

    control_id: str
    document_name: str
    folder_name: str
    name: ClassVar[str] = "create_supdoc"

    def body(self) -> etree._Element:
        element = etree.Element(self.name)
        # The schema requires supdocid; empty asks Intacct to number it (docs/intacct-api.md §1).
        _child(element, "supdocid", "")
        _child(element, "supdocname", self.document_name)
        _child(element, "supdocfoldername", self.folder_name)
        return element


@dataclass(frozen=True)
class DeleteSupdoc:
    control_id: str
    key: str
    name: ClassVar[str] = "delete_supdoc"

    def body(self) -> etree._Element:
        return etree.Element(self.name, key=self.key)


@dataclass(frozen=True)
class DeleteSupdocFolder:
    control_id: str
    key: str
    name: ClassVar[str] = "delete_supdocfolder"

    def body(self) -> etree._Element:
        return etree.Element(self.name, key=self.key)
