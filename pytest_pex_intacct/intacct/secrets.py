"""Passwords never leave the request that carries them.

A hostile or careless gateway may echo what it received (in an error text, or in any field) and may
escape it as XML does (``&amp;``, ``&#38;``). So answers are redacted where they are read, as text
after XML unescaping, before any part of them reaches a fact, a message or an artefact; and every
scan for a leaked password reads text as a person or a parser would, its escapes undone.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

REDACTED = "[redacted]"
# A secret shorter than this is only removed structurally: replacing it everywhere as a plain string
# could corrupt unrelated text (and cannot be told apart from it when checking).
MIN_GREPPABLE_SECRET = 6


class RequestBody(bytes):
    """A request's wire bytes, which hold passwords: its repr (a traceback's locals) never shows them."""

    def __repr__(self) -> str:
        return f"<Intacct request body: {len(self)} bytes, passwords not shown>"


def greppable(secrets: Iterable[str]) -> tuple[str, ...]:
    return tuple(secret for secret in secrets if len(secret) >= MIN_GREPPABLE_SECRET)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret, and each escaped form of it an artefact can hold, replaced."""
    return Redactor.of(secrets)(text)


@dataclass(frozen=True)
class Redactor:
    """:func:`redact_text` for many texts and the same secrets: the escaped forms are worked out once."""

    forms: tuple[str, ...]

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        return cls(tuple(form for secret in greppable(secrets) for form in escaped_forms(secret)))

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"<Redactor of {len(self.forms)} forms, not shown>"


def escaped_forms(secret: str) -> tuple[str, ...]:
    """The secret as typed and as XML, HTML, JSON or a Python repr would write it, longest first."""
    forms = {
        secret,
        html.escape(secret, quote=False),
        html.escape(secret, quote=True),
        secret.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;"),
        "".join(f"&#{ord(character)};" if character in "&<>\"'" else character for character in secret),
        "".join(f"&#x{ord(character):x};" if character in "&<>\"'" else character for character in secret),
        json.dumps(secret)[1:-1],
        # YAML's single-quoted style doubles the quote.
        secret.replace("'", "''"),
        json.dumps(secret, ensure_ascii=True)[1:-1],
        repr(secret)[1:-1],
    }
    return tuple(sorted(forms, key=len, reverse=True))


def holds_secret(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` holds a secret in any form: as written, or once its XML/HTML escapes are undone."""
    candidates = greppable(secrets)
    if not candidates:
        return False
    unescaped = html.unescape(text)
    return any(form in text or form in unescaped for secret in candidates for form in escaped_forms(secret))


def redact_tree(root: etree._Element, secrets: Iterable[str]) -> None:
    """Replace every secret in the texts and attribute values of a parsed answer (escapes already undone)."""
    candidates = greppable(secrets)
    if not candidates:
        return
    for element in root.iter(tag=etree.Element):
        if element.text and any(secret in element.text for secret in candidates):
            element.text = redact_text(element.text, candidates)
        if element.tail and any(secret in element.tail for secret in candidates):
            element.tail = redact_text(element.tail, candidates)
        for name, value in element.attrib.items():
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            if any(secret in text for secret in candidates):
                element.set(name, redact_text(text, candidates))
