"""How a text that came from outside (a company's data, a gateway's error, a file) is shown.

Intacct's answers are the customer's data: a role name may hold an escape sequence that repaints a
terminal, a bidi override that reorders what a reader sees, or 200 KB that would fill every artefact.
Whatever is shown of them is escaped and bounded, and says when it was cut.
"""

from __future__ import annotations

import unicodedata

# An observation longer than this is cut (a real one is a few hundred characters at most).
MAX_SHOWN = 4000
_KEPT_CONTROLS = {"\n", "\t"}


def _escaped(character: str) -> str:
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(character: str) -> bool:
    # Cc: control characters (ESC …); Cf: format characters, the bidi overrides and isolates among them.
    return character not in _KEPT_CONTROLS and unicodedata.category(character) in ("Cc", "Cf")


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` with control and bidi characters escaped, cut to ``limit`` characters with a note saying so."""
    if len(text) > limit:
        text = f"{text[:limit]}… (cut: {len(text)} characters in all)"
    # isprintable() is false for every Cc and Cf character (and for harmless ones such as a line break):
    # it clears the common text at C speed, and only what it flags is looked at character by character.
    if text.isprintable() or not any(_unsafe(character) for character in text):
        return text
    return "".join(_escaped(character) if _unsafe(character) else character for character in text)
