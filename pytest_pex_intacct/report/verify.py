"""``verify``: read a report back and check it against its embedded, digested (and signed) results.

``verify`` (1) recomputes the digest over the embedded document (with a key in the environment it
requires and checks the HMAC: an unkeyed report is then a difference, so a re-hashed forgery cannot
pass); (2) with ``--public-key`` it requires the Ed25519 signature, made by that key, over the
document and over the whole file; (3) puts the placeholders back into the file's seal slots and
recomputes the file digest, so any byte changed anywhere in the file (an injected ``<style>``,
``<script>`` or paragraph) is a difference; (4) re-renders from the embedded document what the page
must show (``report_page``) and compares, to name *what* differs: the title, the verdict, the
sign-off, every requirement row, the appendix. Exit 0 when all agree, 1 with one line per
difference, 2 for usage errors (a file it cannot read, a page with no pex-intacct results, a fleet
page, which is not sealed as a whole) and for a keyed report checked without the key. No pytest here.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .. import __version__
from .appendix import signature_of
from .digests import DIGEST_FIELD, HMAC_SHA256, SHA256, SIGNING_KEY_ENV, canonical_json, compute_digest, signing_key
from .fleet_page import MATRIX_ID
from .keys import ED25519, SigningKeyError, key_fingerprint, load_public_key, signature_matches
from .markup import RESULTS_ELEMENT_ID, SECTION_ID
from .page import render_summary
from .seal import FILE_DIGEST_PLACEHOLDER, FILE_SIGNATURE_PLACEHOLDER, file_digest, file_signature_element, unseal_text
from .wording import display_text, report_title

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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
    """The file is not a report verify can check (a usage error, not a tampered report)."""


NO_RESULTS = "the file holds no pex-intacct results (is it a pex-intacct report?)"
FLEET_REPORT = (
    "a fleet report, which is not sealed as a whole, so verify cannot check it; check each company instead: "
    "verify DIR/<company>.json (its results document, written with --intacct-json=DIR/) or its own report "
    "(pytest --intacct-company=ID --html=REPORT.html, then verify REPORT.html)"
)


@dataclass(frozen=True)
class Verification:
    differences: tuple[str, ...]
    key_needed: bool = False
    document: Mapping[str, object] | None = field(default=None, repr=False)
    public_key_checked: bool = False
    digests_checked: bool = True
    note: str | None = None
    # A results document (JSON): its digest covers it whole; there is no page or file seal.
    json_only: bool = False

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
        # Only a page that shows a report gets here (verify_html): its results were taken out.
        return None, ["embedded results: missing: the page shows a pex-intacct report but the file holds no results"]
    problems = [] if len(page.embedded) == 1 else [f"embedded results: {len(page.embedded)} copies; a report has one"]
    try:
        document = json.loads(page.embedded[0])
    except ValueError as error:
        return None, [*problems, f"embedded results: not valid JSON ({error})"]
    if not _is_results_document(document):
        return None, [*problems, "embedded results: not a pex-intacct results document"]
    return document, problems


@dataclass(frozen=True)
class Wording:
    """How messages name what is checked: a report's embedded results, or a results document itself."""

    results: str
    whole: str


REPORT = Wording("the embedded results", "the report")
RESULTS_DOCUMENT = Wording("the results", "the document")


def _wrong_hmac(words: Wording) -> str:
    return (
        f"digest: the HMAC does not match: either {words.whole} was edited or {SIGNING_KEY_ENV} is not the key it "
        "was signed with"
    )


def _signature_missing(words: Wording) -> str:
    return (
        f"signature: missing: {words.whole} carries no Ed25519 signature (it was stripped, or the run had no "
        "PEX_INTACCT_SIGNING_KEY_FILE)"
    )


def _signature_mismatch(words: Wording) -> str:
    return f"signature: does not match {words.results} (they were edited after signing)"


WRONG_HMAC = _wrong_hmac(REPORT)
SIGNATURE_MISSING = _signature_missing(REPORT)
SIGNATURE_MISMATCH = _signature_mismatch(REPORT)
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


def _check_digest(document: Mapping[str, object], key: bytes | None, words: Wording = REPORT) -> DigestCheck:
    digest = document.get(DIGEST_FIELD)
    if not isinstance(digest, Mapping) or not isinstance(digest.get("value"), str):
        return DigestCheck((f"digest: missing from {words.results}",))
    algorithm = digest.get("algorithm")
    if algorithm == HMAC_SHA256 and key is None:
        return DigestCheck(key_needed=True)
    if algorithm not in (SHA256, HMAC_SHA256):
        return DigestCheck((f"digest: unknown algorithm {_show(display_text(algorithm))}",))
    used_key = key if algorithm == HMAC_SHA256 else None
    problems = []
    if algorithm == SHA256 and key is not None:
        problems.append(
            f"digest: {words.whole} has only an unkeyed SHA-256 but {SIGNING_KEY_ENV} is set; expected an HMAC"
        )
    matches = hmac.compare_digest(compute_digest(document, used_key)["value"], str(digest["value"]))
    if not matches and algorithm == HMAC_SHA256:
        # With a wrong key every HMAC differs: verify cannot tell that from an edit, so it says both.
        problems.append(_wrong_hmac(words))
    elif not matches:
        problems.append(f"digest: {words.results} do not match their {algorithm} digest (the results were edited)")
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
    expected = (_normal(report_title(document)),)
    for element_id, label in (("title", "title"), ("head-title", "window title")):
        yield from _compare_texts(label, page.texts.get(element_id, ()), expected)


def _label(key: str) -> str:
    name = key.removeprefix(SECTION_ID + "-")
    return f"row {name.removeprefix('row-')}" if name.startswith("row-") else f"summary {name}"


def _check_summary(markup: str, page: Page, document: Mapping[str, object]) -> Iterator[str]:
    rendered = render_summary(document)
    expected = parse_page(rendered).texts
    problems: list[str] = []
    for key in expected:
        if key != SECTION_ID:
            problems += _compare_texts(_label(key), page.texts.get(key, ()), expected[key])
    for key in page.texts:
        if key.startswith(SECTION_ID + "-") and key not in expected:
            problems.append(f"{_label(key)}: on the page ({_show(page.texts[key][0])}) but not in the embedded results")
    if not problems:
        problems += _compare_texts("summary text", page.texts.get(SECTION_ID, ()), expected[SECTION_ID])
    if not problems and markup.count(rendered) != 1:
        # pytest-html inserts the block verbatim, so any other edit (a label, a colour) shows here.
        problems.append("summary: its markup differs from what the embedded results render (edited)")
    yield from problems


FILE_SIGNATURE_MISMATCH = "the file was edited after it was signed (whole-file signature differs)"


def _wrong_key(signed_with: object, given: str) -> str:
    named = display_text(signed_with) or "(none named)"
    return f"signature: made with key {named}, not with the public key given ({given})"


def _check_document_signature(
    document: Mapping[str, object], public_key: Ed25519PublicKey, words: Wording = REPORT
) -> str | None:
    """Why the results document's own Ed25519 signature does not hold, or None when it does."""
    signature = signature_of(document)
    if signature is None:
        return _signature_missing(words)
    given = key_fingerprint(public_key)
    if signature.get("algorithm") != ED25519:
        return f"signature: unknown algorithm {_show(display_text(signature.get('algorithm')))}"
    if signature.get("key_fingerprint") != given:
        return _wrong_key(signature.get("key_fingerprint"), given)
    if not signature_matches(
        public_key, canonical_json(document).encode("utf-8"), display_text(signature.get("value"))
    ):
        return _signature_mismatch(words)
    return None


def _check_signature(
    document: Mapping[str, object], public_key: Ed25519PublicKey, unsealed_text: str, file_signatures: tuple[str, ...]
) -> Iterator[str]:
    problem = _check_document_signature(document, public_key)
    if problem is not None:
        yield problem
        return
    placeholder_slots = unsealed_text.count(file_signature_element(FILE_SIGNATURE_PLACEHOLDER))
    if len(file_signatures) != 1 or placeholder_slots != 1:
        found = "missing" if not file_signatures else f"{len(file_signatures)} slots; a report has one"
        yield f"whole-file signature: {found} (the file was not sealed as written, or was edited)"
    elif not signature_matches(public_key, unsealed_text.encode("utf-8"), file_signatures[0]):
        yield FILE_SIGNATURE_MISMATCH


def verify_html(markup: str, environ: Mapping[str, str], public_key: Ed25519PublicKey | None = None) -> Verification:
    # Everything below reads the file as it was before sealing, so the summary re-renders byte for byte.
    unsealed = unseal_text(markup)
    markup = unsealed.text
    page = parse_page(markup)
    # A file sealed as a report stays one: with its results taken out it was edited, whatever else it shows.
    sealed = bool(unsealed.digests or unsealed.signatures)
    if not page.embedded and not sealed:
        if MATRIX_ID in page.texts:
            # The fleet page is PEX's overview and deliberately unsealed: nothing in it to verify.
            raise NotAReport(FLEET_REPORT)
        if SECTION_ID not in page.texts:
            raise NotAReport(NO_RESULTS)
    document, problems = _load_embedded(page)
    if document is None:
        return Verification(tuple(problems))
    digest = _check_digest(document, signing_key(environ))
    key_needed = digest.key_needed
    problems += digest.problems
    signed = False
    if public_key is not None:
        signature_problems = list(_check_signature(document, public_key, markup, unsealed.signatures))
        problems += signature_problems
        signed = not signature_problems
        # The Ed25519 signatures prove the document and every byte of the file with the public key
        # alone: a report also keyed with PEX's HMAC does not need that (secret) key to be checked.
        key_needed = key_needed and not signed
    file_problems = list(_check_file_digest(markup, unsealed.digests, digest))
    problems += file_problems
    page_problems = [*_check_title(page, document), *_check_summary(markup, page, document)]
    rendered_by = display_text(document.get("plugin_version"))
    file_proven = signed or (digest.algorithm is not None and not digest.hmac_failed and not file_problems)
    note = None
    if page_problems and rendered_by != __version__ and file_proven and not file_problems:
        # Another version words the page differently, so re-rendering cannot name edits; the whole-file
        # digest or signature (checked above) already shows that no byte changed since it was written.
        note = (
            f"the page was rendered by pytest-pex-intacct {rendered_by} and is not compared line by line "
            f"by {__version__}; the whole-file {'signature' if signed else 'digest'} shows it is as written"
        )
    else:
        problems += page_problems
    return Verification(
        tuple(problems),
        key_needed=key_needed,
        document=document,
        public_key_checked=public_key is not None,
        digests_checked=digest.algorithm is not None,
        note=note,
    )


FLEET_SUMMARY = (
    "a fleet summary (fleet.json), which is not signed itself; verify each company's results document "
    "(<company>.json beside it) instead"
)


def _is_results_document(document: object) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("requirements"), list)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in document["requirements"])
    )


def verify_json(text: str, environ: Mapping[str, str], public_key: Ed25519PublicKey | None = None) -> Verification:
    """A results document (``--intacct-json``) against its own digest and, with a public key, its signature.

    Unlike a report there is no page to compare: the digest covers every field of the document.
    """
    try:
        document = json.loads(text)
    except ValueError:
        raise NotAReport("not JSON, so not a pex-intacct results document") from None
    if isinstance(document, dict) and isinstance(document.get("companies"), list) and "requirements" not in document:
        raise NotAReport(FLEET_SUMMARY)
    if not _is_results_document(document):
        raise NotAReport("not a pex-intacct results document (no requirements)")
    digest = _check_digest(document, signing_key(environ), RESULTS_DOCUMENT)
    problems = list(digest.problems)
    key_needed = digest.key_needed
    if public_key is not None:
        problem = _check_document_signature(document, public_key, RESULTS_DOCUMENT)
        if problem is not None:
            problems.append(problem)
        key_needed = key_needed and problem is not None
    return Verification(
        tuple(problems),
        key_needed=key_needed,
        document=document,
        public_key_checked=public_key is not None,
        digests_checked=digest.algorithm is not None,
        json_only=True,
    )


def verify_file(
    path: Path, environ: Mapping[str, str], out: TextIO, err: TextIO, public_key_path: Path | None = None
) -> int:
    """``verify``: exit 0 when the report agrees with its embedded results, 1 per difference, 2 otherwise."""
    public_key = None
    if public_key_path is not None:
        try:
            public_key = load_public_key(public_key_path)
        except SigningKeyError as error:
            err.write(f"verify: {error}\n")
            return 2
    try:
        # No newline translation: the file digest covers the bytes on disk, "\r\n" included.
        markup = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        err.write(f"verify: {_unreadable(path, error)}\n")
        return 2
    try:
        if markup.lstrip().startswith("{"):
            verification = verify_json(markup, environ, public_key)
        else:
            verification = verify_html(markup, environ, public_key)
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
        out.write(f"verified: {path}: {_verified_summary(verification)}\n")
    return verification.exit_code


def _unreadable(path: Path, error: OSError | UnicodeDecodeError) -> str:
    """Why ``path`` cannot be read, in words: one line, no Python error text (``[Errno 2] …``)."""
    if isinstance(error, IsADirectoryError):
        return f"{path} is a directory, not a report file"
    if isinstance(error, FileNotFoundError):
        return f"no such file: {path}"
    if isinstance(error, UnicodeDecodeError):
        return f"{path} is not UTF-8 text, so not a report file"
    return f"cannot read {path}: {error.strerror or type(error).__name__}"


def _verified_summary(verification: Verification) -> str:
    document = verification.document or {}
    signer = display_text(document.get("signoff")) or "nobody (DRAFT)"
    digest = document.get(DIGEST_FIELD)
    algorithm = display_text(digest.get("algorithm")) if isinstance(digest, Mapping) else "?"
    if verification.json_only:
        digests = (
            f"its {algorithm} digest matches"
            if verification.digests_checked
            else f"{algorithm} digest not checked (no {SIGNING_KEY_ENV})"
        )
    else:
        digests = (
            f"{algorithm} digests of the results and of the whole file match"
            if verification.digests_checked
            else f"{algorithm} digests not checked (no {SIGNING_KEY_ENV})"
        )
    text = (
        f"company {display_text(document.get('company'))}, verdict {display_text(document.get('verdict'))}, "
        f"signed off by {signer}, {digests}"
    )
    if verification.note:
        text += f"; {verification.note}"
    signature = signature_of(document)
    if signature is not None and verification.public_key_checked:
        which = "signature" if verification.json_only else "signatures"
        valid = "is valid" if verification.json_only else "are valid"
        text += f"; Ed25519 {which} by key {display_text(signature.get('key_fingerprint'))} {valid}"
    elif signature is not None:
        text += (
            f"; Ed25519 signature by key {display_text(signature.get('key_fingerprint'))} not checked "
            "(pass --public-key PUB to check it)"
        )
    return text
