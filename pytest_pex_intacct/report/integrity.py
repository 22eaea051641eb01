"""verify's integrity checks: the document's digest (or HMAC), its Ed25519 signature, and the whole file's seal.

Each check returns or yields its differences as one-line messages, naming what is checked in the words
of the caller (``REPORT``: a report's embedded results; ``RESULTS_DOCUMENT``: a results document).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .appendix import signature_of
from .digests import DIGEST_FIELD, HMAC_SHA256, SHA256, SIGNING_KEY_ENV, canonical_json, compute_digest
from .keys import ED25519, key_fingerprint, signature_matches
from .page_parser import quoted
from .seal import FILE_DIGEST_PLACEHOLDER, FILE_SIGNATURE_PLACEHOLDER, file_digest, file_signature_element
from .wording import display_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


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
FILE_SIGNATURE_MISMATCH = "the file was edited after it was signed (whole-file signature differs)"


@dataclass(frozen=True)
class DigestCheck:
    """The document digest's verdict, and the key (if any) the file digest is checked with."""

    problems: tuple[str, ...] = ()
    key_needed: bool = False
    # The algorithm the document names, when verify can recompute it (None: the file digest is skipped).
    algorithm: str | None = None
    key: bytes | None = None
    hmac_failed: bool = False


def check_digest(document: Mapping[str, object], key: bytes | None, words: Wording = REPORT) -> DigestCheck:
    digest = document.get(DIGEST_FIELD)
    if not isinstance(digest, Mapping) or not isinstance(digest.get("value"), str):
        return DigestCheck((f"digest: missing from {words.results}",))
    algorithm = digest.get("algorithm")
    if algorithm == HMAC_SHA256 and key is None:
        return DigestCheck(key_needed=True)
    if algorithm not in (SHA256, HMAC_SHA256):
        return DigestCheck((f"digest: unknown algorithm {quoted(display_text(algorithm))}",))
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


def check_file_digest(restored: str, values: tuple[str, ...], digest: DigestCheck) -> Iterator[str]:
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


def _wrong_key(signed_with: object, given: str) -> str:
    named = display_text(signed_with) or "(none named)"
    return f"signature: made with key {named}, not with the public key given ({given})"


def check_document_signature(
    document: Mapping[str, object], public_key: Ed25519PublicKey, words: Wording = REPORT
) -> str | None:
    """Why the results document's own Ed25519 signature does not hold, or None when it does."""
    signature = signature_of(document)
    if signature is None:
        return _signature_missing(words)
    given = key_fingerprint(public_key)
    if signature.get("algorithm") != ED25519:
        return f"signature: unknown algorithm {quoted(display_text(signature.get('algorithm')))}"
    if signature.get("key_fingerprint") != given:
        return _wrong_key(signature.get("key_fingerprint"), given)
    if not signature_matches(
        public_key, canonical_json(document).encode("utf-8"), display_text(signature.get("value"))
    ):
        return _signature_mismatch(words)
    return None


def check_signature(
    document: Mapping[str, object], public_key: Ed25519PublicKey, unsealed_text: str, file_signatures: tuple[str, ...]
) -> Iterator[str]:
    """The document's signature, then the whole file's (over ``unsealed_text``, both slots holding placeholders)."""
    problem = check_document_signature(document, public_key)
    if problem is not None:
        yield problem
        return
    placeholder_slots = unsealed_text.count(file_signature_element(FILE_SIGNATURE_PLACEHOLDER))
    if len(file_signatures) != 1 or placeholder_slots != 1:
        found = "missing" if not file_signatures else f"{len(file_signatures)} slots; a report has one"
        yield f"whole-file signature: {found} (the file was not sealed as written, or was edited)"
    elif not signature_matches(public_key, unsealed_text.encode("utf-8"), file_signatures[0]):
        yield FILE_SIGNATURE_MISMATCH
