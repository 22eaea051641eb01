"""An HTML tokenizer whose work grows linearly with its input, whatever the input holds.

``verify`` reads reports that arrive on customer tickets, so it must read a hostile file as cheaply as
a real one. Python's own ``html.parser`` does not: on Python 3.11, 200 KB of unterminated tags
(``"<a" * 100_000``) take half a minute and 80 KB of ``"<a x"`` a minute and a half, because it rescans
to the end of the input at each one (unterminated comments likewise), and ``"<![x"`` raises
``AssertionError`` (docs/security.md has the figures). This tokenizer only moves forward: every
construct ends where the HTML standard's tokenizer ends it or, left open, runs to the end of the input,
which is then consumed once (an unterminated tag is dropped, an unterminated comment is a comment).

It yields what verify needs and nothing more: start tags (lower-cased name, attributes, whether
self-closing), end tags and text, with character references in text and attribute values decoded.
Comments, doctypes and processing instructions are skipped. ``script`` and ``style`` hold raw text up
to their end tag, as in a browser. Tokens are plain tuples, since a page has many of them:
``(TEXT, text, None, raw)`` (raw: the content of a script or style, not decoded), ``(START, name,
attributes, self_closing)`` and ``(END, name, None, False)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Generator, Iterator

TEXT, START, END = "text", "start", "end"
RAW_TEXT_ELEMENTS = ("script", "style")

Attributes = dict[str, str | None]
Token = tuple[str, str, Attributes | None, bool]

# Where markup may start: "<" and a letter, "/", "!" or "?". Any other "<" is text.
_MARKUP_START = re.compile(r"<[a-zA-Z/!?]")
_USUAL_ATTRIBUTES = r"""(?:\s++[^\s/>="'][^\s/>="']*+(?:=(?:"[^"]*+"|'[^']*+'|[^\s>"'=]++))?+)*+"""
# The usual step in one match: text up to the next "<", then a start tag (attributes and all) or an end
# tag. Possessive, so a mismatch never backtracks and costs at most what it read; any other step falls
# back to _unusual_step, which reads it piece by piece.
_USUAL_STEP = re.compile(
    rf"""([^<]*+)<(?:([a-zA-Z][^\s/>]*+)({_USUAL_ATTRIBUTES})\s*+(/?)>|/([a-zA-Z][^\s/>]*+)[^>]*+>)"""
)
_USUAL_ATTRIBUTE = re.compile(r"""([^\s/>="']++)(?:=(?:"([^"]*+)"|'([^']*+)'|([^\s>"'=]++)))?""")
_NAME = re.compile(r"[^\s/>]*")
_END_TAG = re.compile(r"</([a-zA-Z][^\s/>]*+)[^>]*+>")
_BEFORE_ATTRIBUTE = re.compile(r"[\s/]*")
_ATTRIBUTE_NAME = re.compile(r"[^\s/>][^\s/>=]*")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED_VALUE = re.compile(r"[^\s>]*")
_RAW_TEXT_END = {name: re.compile(rf"</{name}(?=[\s/>])", re.IGNORECASE) for name in RAW_TEXT_ELEMENTS}


class TooMuchMarkup(ValueError):
    """The input holds more tags, texts and attributes than the caller's budget."""

    def __init__(self, budget: int) -> None:
        super().__init__(f"more than {budget:,} tags, texts and attributes")


def _decoded(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def tokens(markup: str, budget: int) -> Iterator[Token]:
    """The tokens of ``markup``, in order; see the module docstring.

    ``TooMuchMarkup`` once more than ``budget`` pieces of markup (a tag, a run of text, a comment, an
    attribute) were read: a bound on the work that does not depend on how cheap each piece is.
    """
    position, length, spent = 0, len(markup), 0
    while position < length:
        spent += 1
        if spent > budget:
            raise TooMuchMarkup(budget)
        usual = _USUAL_STEP.match(markup, position)
        if usual is None:
            position, attribute_count = yield from _unusual_step(markup, position, budget, budget - spent)
            spent += attribute_count
            continue
        text, name, attribute_text, slash, end_name = usual.groups()
        position = usual.end()
        if text:
            yield (TEXT, _decoded(text), None, False)
        if end_name is not None:
            yield (END, end_name.lower(), None, False)
            continue
        attributes: Attributes = {}
        if attribute_text:
            for count, attribute in enumerate(_USUAL_ATTRIBUTE.finditer(attribute_text)):
                if count >= budget - spent:
                    raise TooMuchMarkup(budget)
                attribute_name, double, single, bare = attribute.groups()
                value = double if double is not None else single if single is not None else bare
                attributes[attribute_name.lower()] = None if value is None else _decoded(value)
            spent += len(attributes)
        name = name.lower()
        yield (START, name, attributes, slash == "/")
        if name in RAW_TEXT_ELEMENTS and not slash:
            position = yield from _raw_text(markup, position, name)


def _raw_text(markup: str, position: int, name: str) -> Generator[Token, None, int]:
    """The content of a script or style element, up to its end tag (or the end of the input)."""
    end = _RAW_TEXT_END[name].search(markup, position)
    raw_end = len(markup) if end is None else end.start()
    if raw_end > position:
        yield (TEXT, markup[position:raw_end], None, True)
    return raw_end


def _unusual_step(markup: str, position: int, budget: int, allowance: int) -> Generator[Token, None, tuple[int, int]]:
    """Text up to the next markup and the markup there, read piece by piece; returns where the step ends
    (the end of the input when it ended inside a tag, which the standard drops) and the attributes read."""
    length = len(markup)
    found = _MARKUP_START.search(markup, position)
    start = length if found is None else found.start()
    if start > position:
        yield (TEXT, _decoded(markup[position:start]), None, False)
    if found is None:
        return length, 0
    following = markup[start + 1]
    if following == "/":
        end = _END_TAG.match(markup, start)
        if end is not None:
            yield (END, end.group(1).lower(), None, False)
            return end.end(), 0
        if markup[start + 2 : start + 3].isascii() and markup[start + 2 : start + 3].isalpha():
            return length, 0  # the input ended inside the end tag
        if start + 2 == length:
            yield (TEXT, "</", None, False)
            return length, 0
        return _skipped(markup, start), 0  # "</>", or "</" and no letter: a bogus comment
    if markup.startswith("<!--", start):
        close = markup.find("-->", start + 4)
        return (length if close < 0 else close + 3), 0
    if following in ("!", "?"):
        return _skipped(markup, start), 0  # a doctype or a processing instruction
    tag, position = _start_tag(markup, start, budget, allowance)
    if tag is None:
        return length, 0
    yield tag
    name, attributes, self_closing = tag[1], tag[2] or {}, tag[3]
    if name in RAW_TEXT_ELEMENTS and not self_closing:
        position = yield from _raw_text(markup, position, name)
    return position, len(attributes)


def _skipped(markup: str, start: int) -> int:
    """The position after the next ``>`` (or the end of the input, if there is none)."""
    close = markup.find(">", start + 2)
    return len(markup) if close < 0 else close + 1


def _start_tag(markup: str, start: int, budget: int, allowance: int) -> tuple[Token | None, int]:
    """The start tag at ``start`` and the position after it; None when the input ends inside it.

    ``TooMuchMarkup`` when it has more than ``allowance`` attributes.
    """
    length = len(markup)
    name = _NAME.match(markup, start + 1)
    assert name is not None  # the pattern matches the empty string
    position = name.end()
    if markup.find(">", position) < 0:
        return None, length  # no ">" anywhere after: found at once, without reading the attributes
    attributes: Attributes = {}
    while True:
        before = _BEFORE_ATTRIBUTE.match(markup, position)
        assert before is not None
        position = before.end()
        if position >= length:
            return None, length
        if markup[position] == ">":
            return (START, name.group().lower(), attributes, before.group().endswith("/")), position + 1
        if len(attributes) >= allowance:
            raise TooMuchMarkup(budget)
        attribute = _ATTRIBUTE_NAME.match(markup, position)
        assert attribute is not None  # the character here is neither whitespace, "/" nor ">"
        position = attribute.end()
        value: str | None = None
        equals = _EQUALS.match(markup, position)
        if equals is not None:
            position = equals.end()
            quote = markup[position : position + 1]
            if quote in ('"', "'"):
                close = markup.find(quote, position + 1)
                if close < 0:
                    return None, length
                value, position = markup[position + 1 : close], close + 1
            else:
                unquoted = _UNQUOTED_VALUE.match(markup, position)
                assert unquoted is not None
                value, position = unquoted.group(), unquoted.end()
            value = _decoded(value)
        # As html.parser hands them over (a list that verify turned into a dict): the last one counts.
        attributes[attribute.group().lower()] = value
