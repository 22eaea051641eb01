"""The report's CSS: package files under ``styles/``, read once, on first use (not at import).

The page embeds each file as ``<style>`` + newline + the file's text + ``</style>``, so a page
renders to the same bytes as before the CSS became files, and verify, which re-renders a page and
compares it with the file, still accepts reports written then. For the same reason the files hold
no comments: every byte of them is on every page. They are read as text, so a checkout that turned
their newlines into CRLF renders the same page.
"""

from __future__ import annotations

from functools import cache

# The package the styles/ folder is in (this module's).
_PACKAGE = __name__.rpartition(".")[0]
PAGE_CSS = "page.css"
FLEET_CSS = "fleet.css"


@cache
def style_element(name: str) -> str:
    """``styles/<name>`` as a ``<style>`` element."""
    # importlib.resources only when a page is rendered: importing the report stays cheap.
    from importlib.resources import files

    css = files(_PACKAGE).joinpath("styles", name).read_text(encoding="utf-8")
    return f"<style>\n{css}</style>"
