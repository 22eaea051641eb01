"""The results document's digest: what it covers and how it is computed.

``sign_document`` adds ``"digest": {"algorithm": ..., "value": <hex>}`` to the document. It is
computed over the document *without* its ``digest`` field, serialized canonically:
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8.

- ``"sha256"``: SHA-256 of those bytes. It detects edits by anyone who does not recompute it, which
  is what a ticket attachment mostly needs; anyone *can* recompute it.
- ``"hmac-sha256"``: HMAC-SHA256 of those bytes, keyed with the UTF-8 bytes of the environment
  variable ``PEX_INTACCT_SIGNING_KEY`` (used whenever it is set and not empty). Only a holder of the
  key can produce a matching value after an edit.

The ``--intacct-json`` file and the report carry the same document, digest included. The report
embeds it in ``<script type="application/json" id="pex-intacct-results">`` (canonical JSON with
``&``, ``<`` and ``>`` written as JSON ``\\u`` escapes, so no ``</script>`` or ``<!--`` can occur in
it), which ``verify`` finds with an HTML parser, no JavaScript needed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path

SIGNING_KEY_ENV = "PEX_INTACCT_SIGNING_KEY"
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
DIGEST_FIELD = "digest"


def canonical_json(document: Mapping[str, object]) -> str:
    """The bytes the digest covers (as text): the document without ``digest``, canonically serialized."""
    body = {key: value for key, value in document.items() if key != DIGEST_FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signing_key(environ: Mapping[str, str]) -> bytes | None:
    key = environ.get(SIGNING_KEY_ENV, "")
    return key.encode("utf-8") if key else None


def compute_digest(document: Mapping[str, object], key: bytes | None) -> dict[str, str]:
    data = canonical_json(document).encode("utf-8")
    if key is None:
        return {"algorithm": SHA256, "value": hashlib.sha256(data).hexdigest()}
    return {"algorithm": HMAC_SHA256, "value": hmac.new(key, data, hashlib.sha256).hexdigest()}


def sign_document(document: Mapping[str, object], environ: Mapping[str, str]) -> dict[str, object]:
    """The document with its ``digest`` field (see the module docstring for what it covers)."""
    signed = {key: value for key, value in document.items() if key != DIGEST_FIELD}
    signed[DIGEST_FIELD] = compute_digest(signed, signing_key(environ))
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
