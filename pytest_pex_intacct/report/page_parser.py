"""What verify reads off a report page: the text of each element it compares, and the embedded results.

The elements are the page's titles (``title``, ``head-title``) and every element whose id starts with
``pex-intacct``, wherever on the page it is (a copy of the verdict planted outside the report's own
section is named too). An element's text includes that of the elements inside it.

The work is linear in the page's size, whatever the page holds (see ``html_tokens``), and bounded
besides: a page of more than ``MAX_MARKUP`` tags, texts and attributes is refused (``TooMuchMarkup``;
a single report has a few thousand, a fleet page of 1000 companies about 100,000). Each piece of text
is added to the few marked elements open around it (at most ``MAX_MARKED_DEPTH``; a report nests them
three deep at most: a fleet page's company section, the report's section, a field), an end tag finds
its start tag by a count of the open ones, not a search, and at most ``MAX_DEPTH`` elements are open at
once (deeper ones count as text of those above).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .html_tokens import START, TEXT, Attributes, tokens
from .markup import RESULTS_ELEMENT_ID, SECTION_ID

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_PAGE_IDS = ("title", "head-title")
MAX_MARKUP = 2_000_000
MAX_DEPTH = 1024
MAX_MARKED_DEPTH = 8


@dataclass(frozen=True)
class Page:
    texts: dict[str, tuple[str, ...]]
    embedded: tuple[str, ...]


def normal_text(text: str) -> str:
    return " ".join(text.split())


def quoted(text: str, limit: int = 120) -> str:
    """``text`` as a message quotes it: whitespace collapsed, cut at ``limit`` characters."""
    text = normal_text(text)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _marked(element_id: str) -> bool:
    return element_id != RESULTS_ELEMENT_ID and (element_id in _PAGE_IDS or element_id.startswith(SECTION_ID))


class _Reader:
    def __init__(self) -> None:
        self.texts: dict[str, list[list[str]]] = {}
        self.embedded: list[list[str]] = []
        # The open elements: (tag, the text chunks of a marked one, or None), and how many of each tag.
        self.stack: list[tuple[str, list[str] | None]] = []
        self.open_tags: Counter[str] = Counter()
        self.open_marked: list[list[str]] = []
        self.in_results = False

    def start(self, name: str, attributes: Attributes) -> None:
        element_id = attributes.get("id")
        if name == "script" and element_id == RESULTS_ELEMENT_ID:
            self.in_results = True
            self.embedded.append([])
        if name in _VOID or len(self.stack) >= MAX_DEPTH:
            return
        chunks: list[str] | None = None
        if element_id and _marked(element_id) and len(self.open_marked) < MAX_MARKED_DEPTH:
            chunks = []
            self.texts.setdefault(element_id, []).append(chunks)
            self.open_marked.append(chunks)
        self.stack.append((name, chunks))
        self.open_tags[name] += 1

    def end(self, name: str) -> None:
        if name == "script":
            self.in_results = False
        if not self.open_tags[name]:
            return  # nothing to close: a stray end tag is ignored
        while self.stack:
            tag, chunks = self.stack.pop()
            self.open_tags[tag] -= 1
            if chunks is not None:
                self.open_marked.pop()
            if tag == name:
                return

    def text(self, text: str, raw: bool) -> None:
        if self.in_results:
            self.embedded[-1].append(text)
        elif not raw:
            for chunks in self.open_marked:
                chunks.append(text)


def parse_page(markup: str) -> Page:
    """The marked elements' texts and the embedded results; ``TooMuchMarkup`` past ``MAX_MARKUP``."""
    reader = _Reader()
    for kind, value, attributes, flag in tokens(markup, MAX_MARKUP):
        if kind == TEXT:
            reader.text(value, raw=flag)
        elif kind == START:
            reader.start(value, attributes or {})
            if flag:  # self-closing
                reader.end(value)
        else:
            reader.end(value)
    return Page(
        texts={key: tuple(normal_text("".join(chunks)) for chunks in values) for key, values in reader.texts.items()},
        embedded=tuple("".join(chunks) for chunks in reader.embedded),
    )
