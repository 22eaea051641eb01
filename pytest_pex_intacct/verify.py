"""``verify``: read a report back and check it against its embedded, digested results.

``verify`` (1) recomputes the digest over the embedded document (with a key in the environment it
requires and checks the HMAC: an unkeyed report is then a difference, so a re-hashed forgery cannot
pass); (2) puts the placeholder back into the file digest slot and recomputes the file digest, so any
byte changed anywhere in the file (an injected ``<style>``, ``<script>`` or paragraph, an edited log
block) is a difference; (3) re-renders from the embedded document what the page must show and
compares, to name *what* differs: the title, every field of the summary (verdict, counts, sign-off,
ticket, attestations, digests), every requirement row of pytest-html's ``data-jsonblob`` (each extra
cell byte for byte, and the pytest result shown beside it), that no checked requirement's row is
missing, and the environment entries that come from the document. Exit 0 when all agree, 1 with one
line per difference, 2 for usage errors and for a keyed report checked without the key.
"""

from __future__ import annotations

import hmac
import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TextIO

from .report import (
    COLUMN_NAMES,
    RESULTS_ELEMENT_ID,
    SECTION_ID,
    cell_html,
    display_text,
    environment_entries,
    expected_pytest_results,
    render_summary,
    report_title,
    requirement_entries,
    row_texts,
)
from .signing import (
    DIGEST_FIELD,
    FILE_DIGEST_PLACEHOLDER,
    HMAC_SHA256,
    SHA256,
    SIGNING_KEY_ENV,
    compute_digest,
    file_digest,
    signing_key,
    unseal_text,
)
from .verdict import NOT_APPLICABLE, NOT_RUN

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_PAGE_IDS = ("title", "head-title")


@dataclass
class _Frame:
    tag: str
    element_id: str | None


class _PageParser(HTMLParser):
    """Collects the text of the elements verify compares, the embedded results and the jsonblob."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self.embedded: list[str] = []
        self.jsonblobs: list[str] = []
        self._stack: list[_Frame] = []
        self._open: list[tuple[str, int]] = []  # (id, index into texts[id])
        self._in_results = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-jsonblob") is not None:
            self.jsonblobs.append(attributes["data-jsonblob"] or "")
        element_id = attributes.get("id")
        if tag == "script" and element_id == RESULTS_ELEMENT_ID:
            self._in_results = True
            self.embedded.append("")
        if tag in _VOID:
            return
        tracked = element_id if element_id and (element_id in _PAGE_IDS or element_id.startswith(SECTION_ID)) else None
        if tracked and tracked != RESULTS_ELEMENT_ID:
            self.texts.setdefault(tracked, []).append("")
        self._stack.append(_Frame(tag, tracked if tracked != RESULTS_ELEMENT_ID else None))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_results = False
        if not any(frame.tag == tag for frame in self._stack):
            return
        while self._stack and self._stack.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._in_results:
            self.embedded[-1] += data
            return
        if self._stack and self._stack[-1].tag in ("script", "style"):
            return
        for frame in self._stack:
            if frame.element_id is not None:
                texts = self.texts[frame.element_id]
                texts[-1] += data


def _normal(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Page:
    texts: dict[str, tuple[str, ...]]
    embedded: tuple[str, ...]
    jsonblobs: tuple[str, ...]


def parse_page(markup: str) -> Page:
    parser = _PageParser()
    parser.feed(markup)
    parser.close()
    return Page(
        texts={key: tuple(_normal(text) for text in values) for key, values in parser.texts.items()},
        embedded=tuple(parser.embedded),
        jsonblobs=tuple(parser.jsonblobs),
    )


# -- verify ------------------------------------------------------------------------------------------


class NotAReport(ValueError):
    """The file is not a pytest-html report at all (a usage error, not a tampered report)."""


@dataclass(frozen=True)
class Verification:
    differences: tuple[str, ...]
    key_needed: bool = False
    document: Mapping[str, object] | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        if self.differences:
            return 1
        return 2 if self.key_needed else 0


def _show(text: str, limit: int = 120) -> str:
    text = _normal(text)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _differs(what: str, shown: str, recorded: str) -> str:
    return f"{what}: the page shows {_show(shown)} but the embedded results say {_show(recorded)}"


def _load_embedded(page: Page) -> tuple[Mapping[str, object] | None, list[str]]:
    if not page.embedded:
        return None, [f'embedded results: missing (no <script id="{RESULTS_ELEMENT_ID}"> element)']
    problems = [] if len(page.embedded) == 1 else [f"embedded results: {len(page.embedded)} copies; a report has one"]
    try:
        document = json.loads(page.embedded[0])
    except ValueError as error:
        return None, [*problems, f"embedded results: not valid JSON ({error})"]
    shape_ok = (
        isinstance(document, dict)
        and isinstance(document.get("requirements"), list)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in document["requirements"])
    )
    if not shape_ok:
        return None, [*problems, "embedded results: not a pex-intacct results document"]
    return document, problems


WRONG_HMAC = (
    f"digest: the HMAC does not match: either the report was edited or {SIGNING_KEY_ENV} is not the key it was "
    "signed with"
)
FILE_EDITED = "the file was edited after it was written (whole-file digest differs)"


@dataclass(frozen=True)
class DigestCheck:
    """The document digest's verdict, and the key (if any) the file digest is checked with."""

    problems: tuple[str, ...] = ()
    key_needed: bool = False
    # The algorithm the document names, when verify can recompute it (None: the file digest is skipped).
    algorithm: str | None = None
    key: bytes | None = None
    hmac_failed: bool = False


def _check_digest(document: Mapping[str, object], key: bytes | None) -> DigestCheck:
    digest = document.get(DIGEST_FIELD)
    if not isinstance(digest, Mapping) or not isinstance(digest.get("value"), str):
        return DigestCheck(("digest: missing from the embedded results",))
    algorithm = digest.get("algorithm")
    if algorithm == HMAC_SHA256 and key is None:
        return DigestCheck(key_needed=True)
    if algorithm not in (SHA256, HMAC_SHA256):
        return DigestCheck((f"digest: unknown algorithm {_show(display_text(algorithm))}",))
    used_key = key if algorithm == HMAC_SHA256 else None
    problems = []
    if algorithm == SHA256 and key is not None:
        problems.append(
            f"digest: the report has only an unkeyed SHA-256 but {SIGNING_KEY_ENV} is set; expected an HMAC"
        )
    matches = hmac.compare_digest(compute_digest(document, used_key)["value"], str(digest["value"]))
    if not matches and algorithm == HMAC_SHA256:
        # With a wrong key every HMAC differs: verify cannot tell that from an edit, so it says both.
        problems.append(WRONG_HMAC)
    elif not matches:
        problems.append(f"digest: the embedded results do not match their {algorithm} digest (the results were edited)")
    return DigestCheck(
        tuple(problems), algorithm=str(algorithm), key=used_key, hmac_failed=bool(used_key) and not matches
    )


def _check_file_digest(restored: str, values: tuple[str, ...], digest: DigestCheck) -> Iterator[str]:
    """``restored`` is the file with the placeholder back in the slot that held ``values[0]``."""
    if len(values) != 1:
        found = "missing" if not values else f"{len(values)} slots; a report has one"
        yield f"whole-file digest: {found} (the file was not sealed as written, or was edited)"
        return
    if digest.algorithm is None or digest.hmac_failed:
        return  # not computable without the key, or already reported as a wrong key or an edit
    if values[0] == FILE_DIGEST_PLACEHOLDER:
        yield "whole-file digest: still the placeholder (the file was never sealed after pytest-html wrote it)"
    elif not hmac.compare_digest(file_digest(restored, digest.key), values[0]):
        # For an HMAC the document digest matched with this key, so the key is right: the file was edited.
        yield FILE_EDITED


def _compare_texts(label: str, shown: tuple[str, ...], recorded: tuple[str, ...]) -> Iterator[str]:
    if not shown:
        yield f"{label}: missing from the page (the embedded results say {_show(recorded[0])})"
    elif len(shown) != len(recorded):
        yield f"{label}: shown {len(shown)} times, expected {len(recorded)}"
    else:
        for one_shown, one_recorded in zip(shown, recorded, strict=True):
            if one_shown != one_recorded:
                yield _differs(label, one_shown, one_recorded)


def _check_title(page: Page, document: Mapping[str, object]) -> Iterator[str]:
    expected = (_normal(report_title(document.get("company"), bool(document.get("signoff")))),)
    for element_id, label in (("title", "title"), ("head-title", "window title")):
        yield from _compare_texts(label, page.texts.get(element_id, ()), expected)


def _check_summary(markup: str, page: Page, document: Mapping[str, object]) -> Iterator[str]:
    rendered = render_summary(document)
    expected = parse_page(rendered).texts
    problems: list[str] = []
    leaf_ids = [key for key in expected if key != SECTION_ID]
    for key in leaf_ids:
        label = f"summary {key.removeprefix(SECTION_ID + '-')}"
        problems += _compare_texts(label, page.texts.get(key, ()), expected[key])
    for key in page.texts:
        if key.startswith(SECTION_ID + "-") and key not in expected:
            label = f"summary {key.removeprefix(SECTION_ID + '-')}"
            problems.append(f"{label}: on the page ({_show(page.texts[key][0])}) but not in the embedded results")
    if not problems:
        problems += _compare_texts("summary text", page.texts.get(SECTION_ID, ()), expected[SECTION_ID])
    if not problems and markup.count(rendered) != 1:
        # pytest-html inserts the block verbatim, so any other edit (a label, a colour) shows here.
        problems.append("summary: its markup differs from what the embedded results render (edited)")
    yield from problems


_CELL = re.compile(r'\s*<td class="col-(\w+)"[^>]*>(.*)</td>\s*', re.S)


def _cells(row: Mapping[str, object]) -> dict[str, str]:
    cells: dict[str, str] = {}
    raw = row.get("resultsTableRow")
    for cell in raw if isinstance(raw, list) else []:
        match = _CELL.fullmatch(str(cell))
        if match:
            cells.setdefault(match.group(1), str(cell))
    return cells


def _inner_text(cell: str) -> str:
    match = _CELL.fullmatch(cell)
    return html.unescape(match.group(2)) if match else cell


def _rows(blob: Mapping[str, object]) -> Iterator[Mapping[str, object]]:
    tests = blob.get("tests")
    for rows in tests.values() if isinstance(tests, Mapping) else ():
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, Mapping):
                yield row


def _check_row(row: Mapping[str, object], entries: Mapping[str, Mapping[str, object]]) -> Iterator[str]:
    cells = _cells(row)
    test_id = _inner_text(cells.get("testId", "")) or "?"
    requirement_id = _inner_text(cells["requirement"]) if "requirement" in cells else ""
    entry = entries.get(requirement_id)
    if requirement_id and entry is None:
        yield f"row {test_id}: requirement {requirement_id!r} is not in the embedded results"
        return
    label = f"row {requirement_id or test_id}"
    expected = row_texts(entry)
    for name in COLUMN_NAMES:
        if name not in cells:
            yield f"{label}: the {name} cell is missing"
        elif cells[name] != cell_html(name, expected[name]):
            yield _differs(f"{label} {name}", _inner_text(cells[name]), expected[name])
    if entry is None or test_id.endswith("::teardown"):
        return
    allowed = expected_pytest_results(entry)
    for shown in {display_text(row.get("result")), _inner_text(cells.get("result", ""))}:
        if shown not in allowed:
            expected_result = " or ".join(allowed) or "nothing"
            yield f"{label}: the result shows {shown!r} but outcome {entry.get('outcome')!r} shows as {expected_result}"


def _check_rows(blob: Mapping[str, object], document: Mapping[str, object]) -> Iterator[str]:
    entries = {str(entry.get("id")): entry for entry in requirement_entries(document)}
    seen: set[str] = set()
    for row in _rows(blob):
        cells = _cells(row)
        if "requirement" in cells:
            seen.add(_inner_text(cells["requirement"]))
        yield from _check_row(row, entries)
    for requirement_id, entry in entries.items():
        if entry.get("outcome") not in (NOT_APPLICABLE, NOT_RUN) and requirement_id not in seen:
            yield f"row {requirement_id}: missing from the results table (outcome {entry.get('outcome')!r})"


def _check_environment(blob: Mapping[str, object], document: Mapping[str, object]) -> Iterator[str]:
    environment = blob.get("environment")
    shown = environment if isinstance(environment, Mapping) else {}
    for key, value in environment_entries(document).items():
        if key not in shown:
            yield f"environment {key}: missing from the page (the embedded results say {_show(value)})"
        elif html.unescape(display_text(shown[key])) != value:
            yield _differs(f"environment {key}", html.unescape(display_text(shown[key])), value)


def _load_blob(page: Page) -> tuple[Mapping[str, object], list[str]]:
    if len(page.jsonblobs) != 1:
        return {}, [f"results table: {len(page.jsonblobs)} data-jsonblob elements; a report has one"]
    try:
        blob = json.loads(page.jsonblobs[0])
    except ValueError as error:
        return {}, [f"results table: the data-jsonblob is not valid JSON ({error})"]
    return (blob, []) if isinstance(blob, dict) else ({}, ["results table: the data-jsonblob is not an object"])


def verify_html(markup: str, environ: Mapping[str, str]) -> Verification:
    # Everything below reads the file as it was before sealing, so the summary re-renders byte for byte.
    markup, file_digests = unseal_text(markup)
    page = parse_page(markup)
    if not page.jsonblobs and not page.embedded:
        raise NotAReport("not a pytest-html report (no results table and no embedded pex-intacct results)")
    document, problems = _load_embedded(page)
    if document is None:
        return Verification(tuple(problems))
    digest = _check_digest(document, signing_key(environ))
    key_needed = digest.key_needed
    problems += digest.problems
    problems += _check_file_digest(markup, file_digests, digest)
    blob, blob_problems = _load_blob(page)
    problems += blob_problems
    problems += _check_title(page, document)
    problems += _check_summary(markup, page, document)
    if not blob_problems:
        problems += _check_rows(blob, document)
        problems += _check_environment(blob, document)
    return Verification(tuple(problems), key_needed=key_needed, document=document)


def verify_file(path: Path, environ: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """``verify``: exit 0 when the report agrees with its embedded results, 1 per difference, 2 otherwise."""
    try:
        # No newline translation: the file digest covers the bytes on disk, "\r\n" included.
        markup = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        err.write(f"verify: cannot read {path}: {error}\n")
        return 2
    try:
        verification = verify_html(markup, environ)
    except NotAReport as error:
        err.write(f"verify: {path}: {error}\n")
        return 2
    for difference in verification.differences:
        out.write(f"{difference}\n")
    if verification.differences:
        err.write(f"verify: {path}: NOT verified, {len(verification.differences)} difference(s)\n")
    elif verification.key_needed:
        err.write(f"verify: {path} is signed with HMAC-SHA256: set {SIGNING_KEY_ENV} to the signing key to verify it\n")
    else:
        out.write(f"verified: {path}: {_verified_summary(verification.document or {})}\n")
    return verification.exit_code


def _verified_summary(document: Mapping[str, object]) -> str:
    signer = display_text(document.get("signoff")) or "nobody (DRAFT)"
    digest = document.get(DIGEST_FIELD)
    algorithm = display_text(digest.get("algorithm")) if isinstance(digest, Mapping) else "?"
    return (
        f"company {display_text(document.get('company'))}, verdict {display_text(document.get('verdict'))}, "
        f"signed off by {signer}, {algorithm} digests of the results and of the whole file match"
    )
