"""What a cassette holds, as a message may show it: never a control or bidirectional-text character raw,
never a value whole. Stdlib only.

A terminal obeys ``\\x1b[2J`` (clear the screen) and U+202E (right-to-left override) wherever they are
printed, so a value from a cassette that a message repeats is escaped the way ``repr`` escapes it
(``'pex\\x1b[2J'``), and clipped: it says what is wrong, it is not the place to reproduce a payload.
Unlike ``outside_text.shown`` (observations, which keep their line breaks and run to thousands of
characters), a value here sits inside a one-line usage error: line breaks are escaped too, and the
value is quoted, so that where it begins and ends is plain.
"""

from __future__ import annotations

import unicodedata
from datetime import date

# Controls (C0 and C1), format characters (the bidi overrides and isolates, zero-width ones), lone
# surrogates, and the line and paragraph separators: what can change how the rest of a line reads.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHOWN_CHARACTERS = 60


def unsafe_character(text: str, allowed: str = "") -> str | None:
    """The first control, format (bidi), surrogate or line-separator character of ``text``, except ``allowed``."""
    # str.isprintable is false for every character of those categories: the common case costs one C call.
    if text.translate({ord(character): None for character in allowed}).isprintable():
        return None
    for character in text:
        if character in allowed or character.isprintable():
            continue
        if unicodedata.category(character) in UNSAFE_CATEGORIES:
            return character
    return None


def shown_text(text: str, limit: int = _SHOWN_CHARACTERS) -> str:
    """``text`` without quotes, every unprintable character escaped, at most ``limit`` characters of it."""
    clipped = text[:limit]
    escaped = clipped if clipped.isprintable() else "".join(_escaped(character) for character in clipped)
    return escaped + ("…" if len(text) > limit else "")


def shown(value: object) -> str:
    """A value read from a cassette, as a message shows it: escaped and clipped text, or what kind it is."""
    if isinstance(value, str):
        clipped = value[:_SHOWN_CHARACTERS]
        return repr(clipped) + ("…" if len(value) > len(clipped) else "")
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        digits = str(value)
        return digits if len(digits) <= 24 else f"a number of {len(digits)} digits"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _escaped(character: str) -> str:
    return character if character.isprintable() else repr(character)[1:-1]
