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

The whole report file is sealed too, because the document digest cannot see what else a file holds
(an injected ``<style>``, ``<script>`` or paragraph, an edited log block). The summary contains
``<code id="pex-intacct-file-digest">`` followed by 64 zeros; after pytest-html has written the file,
the plugin computes the *file digest* over the UTF-8 bytes of the whole file with those zeros in
place (same algorithm and key as the document digest) and writes the hex value over the zeros. To
check it by hand: put the 64 zeros back and hash the file (``sha256sum``, or an HMAC-SHA256 tool).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from pathlib import Path

from .atomic_write import write_text_atomically

SIGNING_KEY_ENV = "PEX_INTACCT_SIGNING_KEY"
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
DIGEST_FIELD = "digest"
FILE_DIGEST_ID = "pex-intacct-file-digest"
FILE_DIGEST_PLACEHOLDER = "0" * 64
# Only the summary writes this markup raw. Text from Intacct or the user is HTML-escaped wherever the
# report shows it (cells, logs, title, embedded JSON), so such data cannot plant a second slot.
_FILE_DIGEST_ELEMENT = re.compile(rf'<code id="{FILE_DIGEST_ID}">([0-9a-f]{{64}})</code>')


def canonical_json(document: Mapping[str, object]) -> str:
    """The bytes the digest covers (as text): the document without ``digest``, canonically serialized."""
    body = {key: value for key, value in document.items() if key != DIGEST_FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signing_key(environ: Mapping[str, str]) -> bytes | None:
    key = environ.get(SIGNING_KEY_ENV, "")
    return key.encode("utf-8") if key else None


def _digest(data: bytes, key: bytes | None) -> dict[str, str]:
    if key is None:
        return {"algorithm": SHA256, "value": hashlib.sha256(data).hexdigest()}
    return {"algorithm": HMAC_SHA256, "value": hmac.new(key, data, hashlib.sha256).hexdigest()}


def compute_digest(document: Mapping[str, object], key: bytes | None) -> dict[str, str]:
    return _digest(canonical_json(document).encode("utf-8"), key)


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


# -- the whole-file seal ---------------------------------------------------------------------------


def file_digest_element(value: str = FILE_DIGEST_PLACEHOLDER) -> str:
    """The summary's slot for the file digest; rendered with the placeholder, filled in by ``seal_text``."""
    return f'<code id="{FILE_DIGEST_ID}">{value}</code>'


def file_digest(unsealed: str, key: bytes | None) -> str:
    """The file digest of a report whose slot holds the placeholder (see the module docstring)."""
    return _digest(unsealed.encode("utf-8"), key)["value"]


def seal_text(text: str, key: bytes | None) -> str:
    """The report with its file digest filled in; unchanged when it has no slot (no results were recorded)."""
    placeholder = file_digest_element()
    slots = text.count(placeholder)
    if slots == 0:
        return text
    if slots > 1:  # the summary is rendered once; two slots would make the seal ambiguous
        raise ValueError(f"{slots} file digest slots in the report; expected one")
    return text.replace(placeholder, file_digest_element(file_digest(text, key)))


def unseal_text(text: str) -> tuple[str, tuple[str, ...]]:
    """The report with the placeholder back in its slot, and the digest values found.

    Only a single slot is restored: with none or several, the text is returned as it is.
    """
    values = tuple(match.group(1) for match in _FILE_DIGEST_ELEMENT.finditer(text))
    if len(values) != 1:
        return text, values
    return _FILE_DIGEST_ELEMENT.sub(lambda _: file_digest_element(), text), values


def seal_file(path: Path, key: bytes | None) -> bool:
    """Fill in the file digest of the report at ``path``; False when there was nothing to seal."""
    if not path.is_file():
        return False
    # Bytes, decoded without newline translation: the digest covers exactly what is on disk.
    text = path.read_bytes().decode("utf-8")
    sealed = seal_text(text, key)
    if sealed == text:
        return False
    write_text_atomically(path, sealed)
    return True
