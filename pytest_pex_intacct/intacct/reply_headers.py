"""What the transport reads from an answer's headers, strictly: numbers in ASCII digits only, and a
header block of bounded size."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterable

# Intacct's answers carry well under 2 KiB of headers, a CDN's cookies a few more.
MAX_HEADER_BYTES = 64 * 1024
_DIGITS = re.compile(r"[0-9]+")
# int() refuses strings of over 4300 digits; a number past this one is more than any limit here anyway.
_LARGEST = 10**18


def ascii_number(value: str) -> int | None:
    """The value as a whole number written in ASCII digits (spaces around allowed), else None.

    ``str.isdigit`` and ``int`` also take superscripts (``²``) and other scripts' digits (U+0661, ...).
    """
    text = value.strip()
    if _DIGITS.fullmatch(text) is None:
        return None
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) < len(str(_LARGEST)) else _LARGEST


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in its delta-seconds form; anything else (an HTTP date among them) means the backoff."""
    number = ascii_number(value) if value is not None else None
    return None if number is None else float(number)


def header_block_bytes(headers: Iterable[tuple[str, str]]) -> int:
    """The size of a header block on the wire (each line: name, ": ", value, CRLF)."""
    return sum(len(name) + len(value) + 4 for name, value in headers)


def refused_by_http_client(error: BaseException) -> bool:
    """Whether Python's http.client gave up on the status line or headers: a line over 64 KiB, or more
    than 100 header lines. The refusal comes wrapped by urllib3 and by requests."""
    pending: list[object] = [error]
    for _ in range(20):
        if not pending:
            break
        link = pending.pop()
        if isinstance(link, http.client.LineTooLong):
            return True
        if type(link) is http.client.HTTPException and "got more than" in str(link):
            return True
        if isinstance(link, BaseException):
            pending.extend((*link.args, link.__cause__, link.__context__))
    return False
