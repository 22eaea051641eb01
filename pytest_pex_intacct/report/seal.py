"""The whole report file's seal: a digest (and, with a signing key, an Ed25519 signature) over every byte.

The results document's digest (``digests``) cannot see what else a file holds (an injected
``<style>``, ``<script>`` or paragraph, an edited log block), so the file is sealed as well. The
summary contains ``<code id="pex-intacct-file-digest">`` followed by 64 zeros; after pytest-html has
written the file, the plugin computes the *file digest* over the UTF-8 bytes of the whole file with
those zeros in place (same algorithm and key as the document digest) and writes the hex value over the
zeros. To check it by hand: put the 64 zeros back and hash the file (``sha256sum``, or an HMAC-SHA256
tool). A report signed with Ed25519 has a second slot, ``<code id="pex-intacct-file-signature">`` with
88 ``A`` characters, and the file is signed the same way: the signature (base64, 88 characters) covers
the whole file with *both* slots holding their placeholders, so a plain SHA-256 seal that anyone can
recompute after an edit is not all that protects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic_write import write_text_atomically
from .digests import digest_of

if TYPE_CHECKING:
    from .keys import Signer

FILE_DIGEST_ID = "pex-intacct-file-digest"
FILE_DIGEST_PLACEHOLDER = "0" * 64
FILE_SIGNATURE_ID = "pex-intacct-file-signature"
# base64 of a 64-byte Ed25519 signature is 88 characters; "A" is base64 for zero bits.
FILE_SIGNATURE_PLACEHOLDER = "A" * 88
# Only the summary writes this markup raw. Text from Intacct or the user is HTML-escaped wherever the
# report shows it (cells, logs, title, embedded JSON), so such data cannot plant a second slot.
_FILE_DIGEST_ELEMENT = re.compile(rf'<code id="{FILE_DIGEST_ID}">([0-9a-f]{{64}})</code>')
_FILE_SIGNATURE_ELEMENT = re.compile(rf'<code id="{FILE_SIGNATURE_ID}">([A-Za-z0-9+/]{{86}}==)</code>')


def file_digest_element(value: str = FILE_DIGEST_PLACEHOLDER) -> str:
    """The summary's slot for the file digest; rendered with the placeholder, filled in by ``seal_text``."""
    return f'<code id="{FILE_DIGEST_ID}">{value}</code>'


def file_digest(unsealed: str, key: bytes | None) -> str:
    """The file digest of a report whose slot holds the placeholder (see the module docstring)."""
    return digest_of(unsealed.encode("utf-8"), key)["value"]


def file_signature_element(value: str = FILE_SIGNATURE_PLACEHOLDER) -> str:
    """The summary's slot for the file signature (Ed25519-signed reports only)."""
    return f'<code id="{FILE_SIGNATURE_ID}">{value}</code>'


def seal_text(text: str, key: bytes | None, signer: Signer | None = None) -> str:
    """The report with its file digest (and signature) filled in; unchanged when it has no slot.

    Both values are computed over the text with both placeholders in place.
    """
    placeholder = file_digest_element()
    slots = text.count(placeholder)
    if slots == 0:
        return text
    if slots > 1:  # the summary is rendered once; two slots would make the seal ambiguous
        raise ValueError(f"{slots} file digest slots in the report; expected one")
    signature_slots = text.count(file_signature_element())
    if signer is not None and signature_slots != 1:
        raise ValueError(f"{signature_slots} file signature slots in the report; expected one")
    sealed = text.replace(placeholder, file_digest_element(file_digest(text, key)))
    if signer is not None:
        sealed = sealed.replace(file_signature_element(), file_signature_element(signer.sign(text.encode("utf-8"))))
    return sealed


@dataclass(frozen=True)
class Unsealed:
    """A report with its placeholders back in place, and the seal values that were found."""

    text: str
    digests: tuple[str, ...]
    signatures: tuple[str, ...]


def unseal_text(text: str) -> Unsealed:
    """The report with the placeholders back in their slots, and the values found.

    A slot is restored only when it is the only one of its kind: otherwise the text is left as it is.
    """
    digests = tuple(match.group(1) for match in _FILE_DIGEST_ELEMENT.finditer(text))
    signatures = tuple(match.group(1) for match in _FILE_SIGNATURE_ELEMENT.finditer(text))
    if len(digests) == 1:
        text = _FILE_DIGEST_ELEMENT.sub(lambda _: file_digest_element(), text)
    if len(signatures) == 1:
        text = _FILE_SIGNATURE_ELEMENT.sub(lambda _: file_signature_element(), text)
    return Unsealed(text, digests, signatures)


def seal_file(path: Path, key: bytes | None, signer: Signer | None = None) -> bool:
    """Fill in the file digest (and signature) of the report at ``path``; False when there was nothing to seal."""
    if not path.is_file():
        return False
    # Bytes, decoded without newline translation: the digest covers exactly what is on disk.
    text = path.read_bytes().decode("utf-8")
    sealed = seal_text(text, key, signer)
    if sealed == text:
        return False
    write_text_atomically(path, sealed)
    return True
