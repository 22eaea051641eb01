"""The results document's digest: what it covers and how it is computed.

``sign_document`` adds ``"digest": {"algorithm": ..., "value": <hex>}`` to the document. It is
computed over the document *without* its ``digest`` field, serialized canonically:
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8.

- ``"sha256"``: SHA-256 of those bytes. It detects edits by anyone who does not recompute it, which
  is what a ticket attachment mostly needs; anyone *can* recompute it.
- ``"hmac-sha256"``: HMAC-SHA256 of those bytes, keyed with the UTF-8 bytes of the environment
  variable ``PEX_INTACCT_SIGNING_KEY`` (used whenever it is set and not empty). Only a holder of the
  key can produce a matching value after an edit.

With ``PEX_INTACCT_SIGNING_KEY_FILE`` naming an Ed25519 private key (PEM, PKCS#8, as ``keygen`` writes
it) the document also gets ``"signature": {"algorithm": "ed25519", "key_fingerprint": "sha256:<hex>",
"value": <base64>}``: the Ed25519 signature of the same canonical bytes (which leave out both
``digest`` and ``signature``). Anyone can check it with the public key alone; the fingerprint is the
SHA-256 of the raw 32-byte public key, so a reader can tell which key signed.

The ``--intacct-json`` file and the report carry the same document, digest included. The report
embeds it in ``<script type="application/json" id="pex-intacct-results">`` (canonical JSON with
``&``, ``<`` and ``>`` written as JSON ``\\u`` escapes, so no ``</script>`` or ``<!--`` can occur in
it), which ``verify`` finds with an HTML parser, no JavaScript needed.

The whole report file is sealed too, because the document digest cannot see what else a file holds
(an injected ``<style>``, ``<script>`` or paragraph, an edited log block). The summary contains
``<code id="pex-intacct-file-digest">`` followed by 64 zeros; after pytest-html has written the file,
the plugin computes the *file digest* over the UTF-8 bytes of the whole file with those zeros in
place (same algorithm and key as the document digest) and writes the hex value over the zeros. To
check it by hand: put the 64 zeros back and hash the file (``sha256sum``, or an HMAC-SHA256 tool).
A report signed with Ed25519 has a second slot, ``<code id="pex-intacct-file-signature">`` with 88
``A`` characters, and the file is signed the same way: the signature (base64, 88 characters) covers
the whole file with *both* slots holding their placeholders, so a plain SHA-256 seal that anyone can
recompute after an edit is not all that protects it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic_write import write_text_atomically

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_ENV = "PEX_INTACCT_SIGNING_KEY"
SIGNING_KEY_FILE_ENV = "PEX_INTACCT_SIGNING_KEY_FILE"
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
ED25519 = "ed25519"
DIGEST_FIELD = "digest"
SIGNATURE_FIELD = "signature"
FILE_DIGEST_ID = "pex-intacct-file-digest"
FILE_DIGEST_PLACEHOLDER = "0" * 64
FILE_SIGNATURE_ID = "pex-intacct-file-signature"
# base64 of a 64-byte Ed25519 signature is 88 characters; "A" is base64 for zero bits.
FILE_SIGNATURE_PLACEHOLDER = "A" * 88
_UNSIGNED_FIELDS = (DIGEST_FIELD, SIGNATURE_FIELD)
# Only the summary writes this markup raw. Text from Intacct or the user is HTML-escaped wherever the
# report shows it (cells, logs, title, embedded JSON), so such data cannot plant a second slot.
_FILE_DIGEST_ELEMENT = re.compile(rf'<code id="{FILE_DIGEST_ID}">([0-9a-f]{{64}})</code>')
_FILE_SIGNATURE_ELEMENT = re.compile(rf'<code id="{FILE_SIGNATURE_ID}">([A-Za-z0-9+/]{{86}}==)</code>')


def canonical_json(document: Mapping[str, object]) -> str:
    """The bytes the digest and the signature cover (as text): the document without ``digest`` and
    ``signature``, canonically serialized."""
    body = {key: value for key, value in document.items() if key not in _UNSIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- Ed25519 keys ----------------------------------------------------------------------------------


class SigningKeyError(ValueError):
    """A key file that cannot be used. The message names the file and the fix, never its content."""


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return "sha256:" + hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key loaded from a file; ``repr`` shows the fingerprint, never the key."""

    fingerprint: str
    _key: Ed25519PrivateKey = field(repr=False)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._key.sign(data)).decode("ascii")


def _unusable(path: Path, why: str) -> SigningKeyError:
    return SigningKeyError(
        f"{SIGNING_KEY_FILE_ENV}={path}: {why}; point it at the private key that "
        "'python -m pytest_pex_intacct keygen PATH' wrote, or unset it"
    )


def load_signer(path: Path) -> Signer:
    """The Ed25519 private key at ``path``; ``SigningKeyError`` (one line, no key material) otherwise."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        data = path.read_bytes()
    except OSError as error:
        raise _unusable(path, f"cannot read it ({error.strerror or type(error).__name__})") from None
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise _unusable(path, "the key is encrypted with a passphrase, which the checks cannot prompt for") from None
    except (ValueError, binascii.Error):
        raise _unusable(path, "not a PEM private key") from None
    except UnsupportedAlgorithm:
        raise _unusable(path, "a private key of an algorithm this version cannot read, not Ed25519") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _unusable(path, f"a {type(key).__name__.removesuffix('PrivateKey') or 'non-Ed25519'} key, not Ed25519")
    return Signer(key_fingerprint(key.public_key()), key)


def signer_from_environment(environ: Mapping[str, str], base: Path) -> Signer | None:
    """The signer ``PEX_INTACCT_SIGNING_KEY_FILE`` names (relative to ``base``), or None when it is unset."""
    value = environ.get(SIGNING_KEY_FILE_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return load_signer(path if path.is_absolute() else base / path)


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningKeyError(f"cannot read the public key {path}: {error.strerror or type(error).__name__}") from None
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(
            f"{path} is not a PEM public key; pass the PATH.pub file that keygen wrote beside the private key"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key; pass the PATH.pub file that keygen wrote")
    return key


def signature_matches(public_key: Ed25519PublicKey, data: bytes, value: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(value, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


class KeyExists(FileExistsError):
    pass


def generate_key_pair(path: Path) -> str:
    """Write a new Ed25519 private key to ``path`` (PEM, 0600) and its public key to ``path.pub``.

    Never overwrites: an existing file at either path raises ``KeyExists`` before anything is written.
    Returns the key's fingerprint.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    public_path = public_key_path(path)
    for existing in (path, public_path):
        if existing.exists() or existing.is_symlink():
            raise KeyExists(f"{existing} already exists; keygen never overwrites a key: choose another PATH")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    # O_EXCL: a file created between the check above and here is still never overwritten, and the key
    # is created 0600 rather than chmod-ed after being readable for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(private_pem)
    try:
        descriptor = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        path.unlink()
        raise KeyExists(f"{public_path} already exists; keygen never overwrites a key: choose another PATH") from None
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(public_pem)
    return key_fingerprint(key.public_key())


def public_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def signing_key(environ: Mapping[str, str]) -> bytes | None:
    key = environ.get(SIGNING_KEY_ENV, "")
    return key.encode("utf-8") if key else None


def _digest(data: bytes, key: bytes | None) -> dict[str, str]:
    if key is None:
        return {"algorithm": SHA256, "value": hashlib.sha256(data).hexdigest()}
    return {"algorithm": HMAC_SHA256, "value": hmac.new(key, data, hashlib.sha256).hexdigest()}


def compute_digest(document: Mapping[str, object], key: bytes | None) -> dict[str, str]:
    return _digest(canonical_json(document).encode("utf-8"), key)


def document_signature(document: Mapping[str, object], signer: Signer) -> dict[str, str]:
    return {
        "algorithm": ED25519,
        "key_fingerprint": signer.fingerprint,
        "value": signer.sign(canonical_json(document).encode("utf-8")),
    }


def sign_document(
    document: Mapping[str, object], environ: Mapping[str, str], signer: Signer | None = None
) -> dict[str, object]:
    """The document with its ``digest`` (and, with a signer, ``signature``) field; see the module docstring."""
    signed = {key: value for key, value in document.items() if key not in _UNSIGNED_FIELDS}
    signed[DIGEST_FIELD] = compute_digest(signed, signing_key(environ))
    if signer is not None:
        signed[SIGNATURE_FIELD] = document_signature(signed, signer)
    return signed


def embedded_json(document: Mapping[str, object]) -> str:
    """Canonical JSON that is inert inside ``<script>``: the HTML parser never sees ``<``, ``>`` or ``&``.

    These characters only occur inside JSON strings, where ``\\u003c`` etc. decode to the same text.
    """
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def file_sha256(path: Path) -> str:
    if not path.is_file():
        return "(file not found)"
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the whole-file seal ---------------------------------------------------------------------------


def file_digest_element(value: str = FILE_DIGEST_PLACEHOLDER) -> str:
    """The summary's slot for the file digest; rendered with the placeholder, filled in by ``seal_text``."""
    return f'<code id="{FILE_DIGEST_ID}">{value}</code>'


def file_digest(unsealed: str, key: bytes | None) -> str:
    """The file digest of a report whose slot holds the placeholder (see the module docstring)."""
    return _digest(unsealed.encode("utf-8"), key)["value"]


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
