"""Reading fields out of Intacct's records defensively: a field may be flat or nested, missing or empty.

Shared by every fact module; none of these decides anything about a requirement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import TypeVar

from ..intacct.response import FieldValue, Record

EnumT = TypeVar("EnumT", bound=Enum)

_TRUE = ("true", "t", "1", "yes", "y")
# An empty value is not "false": it decides nothing (nothing unverified fails the customer).
_FALSE = ("false", "f", "0", "no", "n")


def _field(record: Record, path: str) -> str | None:
    """One field as text, or None when absent; a dotted path may be a flat key or nested records."""
    flat = record.get(path)
    if isinstance(flat, str):
        return flat
    value: FieldValue | None = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def present_fields(record: Record, *paths: str) -> tuple[tuple[str, str], ...]:
    """Every present field among ``paths`` as ``(path, value)``, in the order asked, empty ones included."""
    return tuple((path, value) for path in paths if (value := _field(record, path)) is not None)


def field_text(record: Record, *paths: str) -> tuple[str, str] | None:
    """The first present field among ``paths`` as ``(path, value)``; a dotted path may be nested or flat."""
    present = present_fields(record, *paths)
    return present[0] if present else None


def leaf_fields(record: Record, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every text field of a record as ``(dotted path, value)``, nested records flattened."""
    for name, value in record.items():
        path = f"{prefix}.{name}" if prefix and name else prefix or name
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            yield from leaf_fields(value, path)
        else:
            for item in value:
                yield from leaf_fields(item, path)


def parse_bool(text: str) -> bool | None:
    """True or False for a recognised boolean spelling, None otherwise (empty included)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def recognise(text: str | None, meanings: Mapping[str, EnumT]) -> EnumT | None:
    """Case-insensitive lookup of an enum value; None for a missing, empty or unknown one."""
    return meanings.get(text.strip().lower()) if text is not None else None


class FactEnum(Enum):
    """An enum whose repr reads like the code that names it, in pytest's assertion reports."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"
