"""Which records a read asks for: readByQuery query strings, query <filter> trees and get_list <filter>s."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping

from lxml import etree

from .failures import FunctionFailed, unsupported
from .request_parsing import child_texts
from .responses import GatewayError
from .tables import Record, Table, catalogue_field

Predicate = Callable[[Record], bool]


def match_everything(record: Record) -> bool:
    return True


def query_error(detail: str) -> GatewayError:
    # errorno as in the real unknown-object failure; the detail wording is the simulator's.
    return GatewayError("Query Failed", description2=f"Invalid query: {detail}")


def _like(actual: str | None, pattern: str) -> bool:
    return fnmatch.fnmatchcase(actual or "", pattern.replace("%", "*").replace("_", "?"))


# Legacy readByQuery strings use one-letter codes for some enums.
_QUERY_CODES: Mapping[str, Mapping[str, str]] = {
    "USERTYPE": {
        "B": "business user", "E": "employee user", "R": "view only user", "D": "dashboard user",
        "P": "project manager user", "C": "construction manager user", "A": "payment approver",
        "T": "platform user", "S": "CRM user", "H": "warehouse user",
    },
    "ACCOUNTTYPE": {"N": "balancesheet", "I": "incomestatement"},
    "STATUS": {"T": "active", "F": "inactive"},
}  # fmt: skip


def _matches(field: str, expected: str, actual: str | None) -> bool:
    if actual is None:
        return False
    return actual == expected or _QUERY_CODES.get(field, {}).get(expected) == actual


# ---------------------------------------------------------------------------------------------------
# readByQuery query strings: FIELD = 'value' joined with AND / OR, parentheses


def query_string_predicate(query: str, table: Table) -> Predicate:
    """The records a readByQuery <query> selects; an empty query selects every record."""
    try:
        return _QueryParser(query, table).parse()
    except _QueryError as exc:
        raise FunctionFailed(query_error(str(exc))) from exc


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><>|!=|=)|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d+(?:\.\d+)?))"
)


class _QueryError(Exception):
    pass


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.lastgroup is None:
            raise _QueryError(f"unexpected text at position {position}: {query[position : position + 20]!r}")
        kind, text = match.lastgroup, match.group(match.lastgroup)
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "word" and text.upper() in ("AND", "OR", "LIKE"):
            kind, text = text.upper(), text.upper()
        tokens.append((kind, text))
        position = match.end()
    return tokens


class _QueryParser:
    """expr := term (OR term)* ; term := factor (AND factor)* ; factor := '(' expr ')' | FIELD op value."""

    def __init__(self, query: str, table: Table) -> None:
        self._tokens = _tokens(query)
        self._position = 0
        self._table = table

    def parse(self) -> Predicate:
        if not self._tokens:
            return match_everything
        predicate = self._expression()
        if self._position != len(self._tokens):
            raise _QueryError(f"unexpected {self._tokens[self._position][1]!r}")
        return predicate

    def _next(self) -> tuple[str, str]:
        if self._position >= len(self._tokens):
            raise _QueryError("unexpected end of query")
        token = self._tokens[self._position]
        self._position += 1
        return token

    def _peek(self) -> str | None:
        return self._tokens[self._position][0] if self._position < len(self._tokens) else None

    def _expression(self) -> Predicate:
        terms = [self._term()]
        while self._peek() == "OR":
            self._next()
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else lambda record: any(term(record) for term in terms)

    def _term(self) -> Predicate:
        factors = [self._factor()]
        while self._peek() == "AND":
            self._next()
            factors.append(self._factor())
        return factors[0] if len(factors) == 1 else lambda record: all(f(record) for f in factors)

    def _factor(self) -> Predicate:
        kind, text = self._next()
        if kind == "paren" and text == "(":
            inner = self._expression()
            if self._next() != ("paren", ")"):
                raise _QueryError("missing ')'")
            return inner
        if kind != "word":
            raise _QueryError(f"expected a field name, got {text!r}")
        field = catalogue_field(self._table, text.upper())
        if field is None:
            raise _QueryError(f"unknown field {text}")
        operator_kind, operator = self._next()
        value_kind, value = self._next()
        if operator_kind not in ("op", "LIKE") or value_kind not in ("string", "number"):
            raise _QueryError(f"expected FIELD = 'value' after {text}")
        if operator == "LIKE":
            return lambda record: _like(record.value(field), value)
        if operator == "=":
            return lambda record: _matches(field, value, record.value(field))
        return lambda record: not _matches(field, value, record.value(field))


# ---------------------------------------------------------------------------------------------------
# query filters: <equalto>, <in>, <and>, <or> ...


def filter_predicate(node: etree._Element, table: Table, casefold: bool) -> Predicate:
    tag = node.tag
    children = [child for child in node.iterchildren(tag=etree.Element)]
    if tag in ("and", "or"):
        parts = [filter_predicate(child, table, casefold) for child in children]
        combine = all if tag == "and" else any
        return lambda record: combine(part(record) for part in parts)
    named = (node.findtext("field") or "").strip()
    field = catalogue_field(table, named.upper())
    if field is None:
        raise FunctionFailed(query_error(f"unknown field {named} in filter"))
    values = [child.text or "" for child in children if child.tag == "value"]
    fold: Callable[[str], str] = str.casefold if casefold else str

    def actual(record: Record) -> str | None:
        value = record.value(field)
        return None if value is None else fold(value)

    wanted = [fold(value) for value in values] or [""]
    tests: dict[str, Predicate] = {
        "equalto": lambda r: actual(r) in wanted[:1],
        "notequalto": lambda r: actual(r) not in wanted[:1],
        "in": lambda r: actual(r) in wanted,
        "notin": lambda r: actual(r) not in wanted,
        "like": lambda r: _like(actual(r), wanted[0]),
        "notlike": lambda r: not _like(actual(r), wanted[0]),
        "isnull": lambda r: not actual(r),
        "isnotnull": lambda r: bool(actual(r)),
    }
    if tag not in tests:
        raise FunctionFailed(unsupported(f"query filter <{tag}>"))
    return tests[tag]


# ---------------------------------------------------------------------------------------------------
# get_list filters (the legacy API), over rows of lower-case field names


def legacy_filter(node: etree._Element) -> Callable[[Mapping[str, str]], bool]:
    """get_list <filter>: <expression> and <logical logical_operator="and|or"> trees."""
    if node.tag in ("filter", "logical"):
        parts = [legacy_filter(child) for child in node.iterchildren(tag=etree.Element)]
        combine = any if node.get("logical_operator") == "or" else all
        return lambda row: combine(part(row) for part in parts)
    field, operator, value = child_texts(node, "field", "operator", "value")
    field = field.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda actual: actual == value,
        "!=": lambda actual: actual != value,
        "<>": lambda actual: actual != value,
        "like": lambda actual: _like(actual, value),
    }
    test = tests.get(operator.lower())
    if test is None:
        raise FunctionFailed(unsupported(f"get_list operator {operator!r}"))
    return lambda row: field in row and test(row[field])
