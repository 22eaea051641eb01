"""verify's page check: the titles and the summary re-rendered from the embedded results, compared with the page.

What differs is named line by line (``summary verdict: the page shows 'ACCEPTED' but the embedded results
say 'NOT ACCEPTED'``, ``row STEP3-ADMIN-FULL: …``); an edit that changes no text (a colour, a class)
shows as markup that differs from what the results render.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .markup import SECTION_ID
from .page import render_summary
from .page_parser import Page, normal_text, parse_page, quoted
from .wording import report_title


def _differs(what: str, shown: str, recorded: str) -> str:
    return f"{what}: the page shows {quoted(shown)} but the embedded results say {quoted(recorded)}"


def _compare_texts(label: str, shown: tuple[str, ...], recorded: tuple[str, ...]) -> Iterator[str]:
    if not shown:
        yield f"{label}: missing from the page (the embedded results say {quoted(recorded[0])})"
    elif len(shown) != len(recorded):
        yield f"{label}: shown {len(shown)} times, expected {len(recorded)}"
    else:
        for one_shown, one_recorded in zip(shown, recorded, strict=True):
            if one_shown != one_recorded:
                yield _differs(label, one_shown, one_recorded)


def check_title(page: Page, document: Mapping[str, object]) -> Iterator[str]:
    expected = (normal_text(report_title(document)),)
    for element_id, label in (("title", "title"), ("head-title", "window title")):
        yield from _compare_texts(label, page.texts.get(element_id, ()), expected)


def _label(key: str) -> str:
    name = key.removeprefix(SECTION_ID + "-")
    return f"row {name.removeprefix('row-')}" if name.startswith("row-") else f"summary {name}"


def check_summary(markup: str, page: Page, document: Mapping[str, object]) -> Iterator[str]:
    rendered = render_summary(document)
    expected = parse_page(rendered).texts
    problems: list[str] = []
    for key in expected:
        if key != SECTION_ID:
            problems += _compare_texts(_label(key), page.texts.get(key, ()), expected[key])
    for key in page.texts:
        if key.startswith(SECTION_ID + "-") and key not in expected:
            shown = quoted(page.texts[key][0])
            problems.append(f"{_label(key)}: on the page ({shown}) but not in the embedded results")
    if not problems:
        problems += _compare_texts("summary text", page.texts.get(SECTION_ID, ()), expected[SECTION_ID])
    if not problems and markup.count(rendered) != 1:
        # pytest-html inserts the block verbatim, so any other edit (a label, a colour) shows here.
        problems.append("summary: its markup differs from what the embedded results render (edited)")
    yield from problems
