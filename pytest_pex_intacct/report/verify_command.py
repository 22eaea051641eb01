"""``python -m pytest_pex_intacct verify FILE [--public-key PUB]``: read the file safely, verify it, say so.

The file comes from a customer's ticket, so it is read as ``bounded_read`` reads: a regular file of at
most ``REPORT_SIZE_LIMIT`` bytes (a single-company report is well under 1 MB, a fleet page of 1000
companies about 11 MB), never a FIFO or a device. Whatever it cannot read is one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from ..bounded_read import FileTooLarge, NotARegularFile, read_regular_file
from .appendix import signature_of
from .digests import DIGEST_FIELD, SIGNING_KEY_ENV
from .keys import SigningKeyError, load_public_key
from .verify import NotAReport, Verification, verify_html, verify_json
from .wording import display_text

REPORT_SIZE_LIMIT = 20_000_000
REPORT_SIZE_WORDS = "20 MB"


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
        markup = read_regular_file(path, REPORT_SIZE_LIMIT).data.decode("utf-8")
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
    except RecursionError:
        # Data nested deeper than Python's recursion limit (the JSON parser's own is caught as not JSON).
        err.write(f"verify: {path}: its results nest too deeply for a pex-intacct report, so not a report\n")
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
    if isinstance(error, NotARegularFile):
        return f"{path} is {error.kind}, not a report file"
    if isinstance(error, FileTooLarge):
        return f"{path} is larger than {REPORT_SIZE_WORDS}, more than any pex-intacct report or results document"
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
