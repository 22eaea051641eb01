"""``verify``: read a report back and check it against its embedded, digested (and signed) results.

``verify`` (1) recomputes the digest over the embedded document (with a key in the environment it
requires and checks the HMAC: an unkeyed report is then a difference, so a re-hashed forgery cannot
pass); (2) with ``--public-key`` it requires the Ed25519 signature, made by that key, over the
document and over the whole file; (3) puts the placeholders back into the file's seal slots and
recomputes the file digest, so any byte changed anywhere in the file (an injected ``<style>``,
``<script>`` or paragraph) is a difference (``integrity``); (4) re-renders from the embedded document
what the page must show and compares, to name *what* differs: the title, the verdict, the sign-off,
every requirement row, the appendix (``page_comparison``). Exit 0 when all agree, 1 with one line per
difference, 2 for usage errors (a file it cannot read, a page with no pex-intacct results, a fleet
page, which is not sealed as a whole) and for a keyed report checked without the key
(``verify_command``). No pytest here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from .. import __version__
from .digests import signing_key
from .fleet_page import MATRIX_ID
from .html_tokens import TooMuchMarkup
from .integrity import RESULTS_DOCUMENT, check_digest, check_document_signature, check_file_digest, check_signature
from .markup import SECTION_ID
from .page_comparison import check_summary, check_title
from .page_parser import Page, parse_page
from .seal import unseal_text
from .wording import display_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class NotAReport(ValueError):
    """The file is not a report verify can check (a usage error, not a tampered report)."""


NO_RESULTS = "the file holds no pex-intacct results (is it a pex-intacct report?)"
FLEET_REPORT = (
    "a fleet report, which is not sealed as a whole, so verify cannot check it; check each company instead: "
    "verify DIR/<company>.json (its results document, written with --intacct-json=DIR/) or its own report "
    "(pytest --intacct-company=ID --html=REPORT.html, then verify REPORT.html)"
)
FLEET_SUMMARY = (
    "a fleet summary (_fleet.json), which is not signed itself; verify each company's results document "
    "(<company>.json beside it) instead"
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


def _json(text: str) -> object:
    """``ValueError`` for text that is not JSON, nesting too deep for the parser included."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _is_results_document(document: object) -> TypeGuard[dict[str, object]]:
    return (
        isinstance(document, dict)
        and isinstance(document.get("requirements"), list)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in document["requirements"])
    )


def _load_embedded(page: Page) -> tuple[Mapping[str, object] | None, list[str]]:
    if not page.embedded:
        # Only a page that shows a report gets here (verify_html): its results were taken out.
        return None, ["embedded results: missing: the page shows a pex-intacct report but the file holds no results"]
    problems = [] if len(page.embedded) == 1 else [f"embedded results: {len(page.embedded)} copies; a report has one"]
    try:
        document = _json(page.embedded[0])
    except ValueError as error:
        return None, [*problems, f"embedded results: not valid JSON ({error})"]
    if not _is_results_document(document):
        return None, [*problems, "embedded results: not a pex-intacct results document"]
    return document, problems


def verify_html(markup: str, environ: Mapping[str, str], public_key: Ed25519PublicKey | None = None) -> Verification:
    try:
        return _verify_html(markup, environ, public_key)
    except TooMuchMarkup as error:
        raise NotAReport(f"it holds {error}, far more than any pex-intacct report, so not a report file") from None


def _verify_html(markup: str, environ: Mapping[str, str], public_key: Ed25519PublicKey | None) -> Verification:
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
    digest = check_digest(document, signing_key(environ))
    key_needed = digest.key_needed
    problems += digest.problems
    signed = False
    if public_key is not None:
        signature_problems = list(check_signature(document, public_key, markup, unsealed.signatures))
        problems += signature_problems
        signed = not signature_problems
        # The Ed25519 signatures prove the document and every byte of the file with the public key
        # alone: a report also keyed with PEX's HMAC does not need that (secret) key to be checked.
        key_needed = key_needed and not signed
    file_problems = list(check_file_digest(markup, unsealed.digests, digest))
    problems += file_problems
    page_problems = [*check_title(page, document), *check_summary(markup, page, document)]
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


def verify_json(text: str, environ: Mapping[str, str], public_key: Ed25519PublicKey | None = None) -> Verification:
    """A results document (``--intacct-json``) against its own digest and, with a public key, its signature.

    Unlike a report there is no page to compare: the digest covers every field of the document.
    """
    try:
        document = _json(text)
    except ValueError:
        raise NotAReport("not JSON, so not a pex-intacct results document") from None
    if isinstance(document, dict) and isinstance(document.get("companies"), list) and "requirements" not in document:
        raise NotAReport(FLEET_SUMMARY)
    if not _is_results_document(document):
        raise NotAReport("not a pex-intacct results document (no requirements)")
    digest = check_digest(document, signing_key(environ), RESULTS_DOCUMENT)
    problems = list(digest.problems)
    key_needed = digest.key_needed
    if public_key is not None:
        problem = check_document_signature(document, public_key, RESULTS_DOCUMENT)
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
