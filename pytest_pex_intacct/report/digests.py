"""The results document's digest and signature: what they cover and how they are computed.

``sign_document`` adds ``"digest": {"algorithm": ..., "value": <hex>}`` to the document. It is
computed over the document *without* its ``digest`` field, serialized canonically:
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8.

- ``"sha256"``: SHA-256 of those bytes. It detects edits by anyone who does not recompute it, which
  is what a ticket attachment mostly needs; anyone *can* recompute it.
- ``"hmac-sha256"``: HMAC-SHA256 of those bytes, keyed with the UTF-8 bytes of the environment
  variable ``PEX_INTACCT_SIGNING_KEY`` (used whenever it is set and not empty). Only a holder of the
  key can produce a matching value after an edit.

With ``PEX_INTACCT_SIGNING_KEY_FILE`` naming an Ed25519 private key (PEM, PKCS#8, as ``keygen`` writes
it; see ``keys``) the document also gets ``"signature": {"algorithm": "ed25519", "key_fingerprint":
"sha256:<hex>", "value": <base64>}``: the Ed25519 signature of the same canonical bytes (which leave out
both ``digest`` and ``signature``). Anyone can check it with the public key alone.

The ``--intacct-json`` file and the report carry the same document, digest included. The report
embeds it in ``<script type="application/json" id="pex-intacct-results">`` (canonical JSON with
``&``, ``<`` and ``>`` written as JSON ``\\u`` escapes, so no ``</script>`` or ``<!--`` can occur in
it), which ``verify`` finds with an HTML parser, no JavaScript needed. The report file as a whole is
sealed too: see ``seal``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .keys import ED25519

if TYPE_CHECKING:
    from .keys import Signer

SIGNING_KEY_ENV = "PEX_INTACCT_SIGNING_KEY"
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
DIGEST_FIELD = "digest"
SIGNATURE_FIELD = "signature"
_UNSIGNED_FIELDS = (DIGEST_FIELD, SIGNATURE_FIELD)


def canonical_json(document: Mapping[str, object]) -> str:
    """The bytes the digest and the signature cover (as text): the document without ``digest`` and
    ``signature``, canonically serialized."""
    body = {key: value for key, value in document.items() if key not in _UNSIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signing_key(environ: Mapping[str, str]) -> bytes | None:
    key = environ.get(SIGNING_KEY_ENV, "")
    return key.encode("utf-8") if key else None


def digest_of(data: bytes, key: bytes | None) -> dict[str, str]:
    """SHA-256 of ``data``, or its HMAC-SHA256 with ``key``: ``{"algorithm": ..., "value": <hex>}``."""
    if key is None:
        return {"algorithm": SHA256, "value": hashlib.sha256(data).hexdigest()}
    return {"algorithm": HMAC_SHA256, "value": hmac.new(key, data, hashlib.sha256).hexdigest()}


def compute_digest(document: Mapping[str, object], key: bytes | None) -> dict[str, str]:
    return digest_of(canonical_json(document).encode("utf-8"), key)


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
