"""The element ids the report's page and verify share, and the escaping every block of the page uses.

Every piece of text from Intacct, the user or the results document reaches the page through
``escaped``, ``prose`` or ``field``; only the blocks' own markup is written raw.
"""

from __future__ import annotations

import html
import re

from .wording import display_text

# The report's own section, and the prefix of every element id in it: verify finds them by these.
SECTION_ID = "pex-intacct"
RESULTS_ELEMENT_ID = "pex-intacct-results"

_BACKTICKS = re.compile(r"`([^`]+)`")


def escaped(value: object) -> str:
    return html.escape(display_text(value))


def prose(value: object) -> str:
    """Escaped text, with the catalogue's `code` spans shown as code rather than as backticks."""
    return _BACKTICKS.sub(r"<code>\1</code>", escaped(value))


def field(tag: str, name: str, text: str, css: str = "") -> str:
    """An element verify compares by its id (``pex-intacct-<name>``) holding ``text``, escaped."""
    attribute = f' class="{css}"' if css else ""
    return f'<{tag} id="{SECTION_ID}-{name}"{attribute}>{html.escape(text)}</{tag}>'


def item_list(name: str, lines: list[str]) -> str:
    if not lines:
        return field("span", name, "none")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul id="{SECTION_ID}-{name}">{items}</ul>'
