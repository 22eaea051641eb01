"""The page's technical appendix: how the report was made (provenance, environment) and how to check it.

Also the readings of the document it shows that others need: ``signature_of`` (verify) and
``environment_of`` (the pytest-html hooks, which put the same environment into pytest-html's data).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from .digests import DIGEST_FIELD, HMAC_SHA256, SHA256, SIGNATURE_FIELD, SIGNING_KEY_ENV, embedded_json
from .markup import RESULTS_ELEMENT_ID, SECTION_ID, escaped, field
from .seal import file_digest_element, file_signature_element
from .wording import MODE_WORDS, display_text

VERIFY_COMMAND = "pex-intacct verify"


def signature_of(document: Mapping[str, object]) -> Mapping[str, object] | None:
    signature = document.get(SIGNATURE_FIELD)
    return signature if isinstance(signature, Mapping) else None


def environment_of(document: Mapping[str, object]) -> list[tuple[str, str]]:
    """The document's ``environment``: ``[name, value]`` pairs, in the order pytest-metadata collected them
    (a list, because the embedded JSON sorts object keys)."""
    environment = document.get("environment")
    if not isinstance(environment, list):
        return []
    return [
        (display_text(pair[0]), display_text(pair[1]))
        for pair in environment
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def _digest_text(document: Mapping[str, object]) -> str:
    digest = document.get(DIGEST_FIELD)
    if not isinstance(digest, Mapping):
        return "none"
    algorithm = display_text(digest.get("algorithm"))
    how = {
        SHA256: "SHA-256 (unkeyed: detects edits, anyone can recompute it)",
        HMAC_SHA256: f"HMAC-SHA256 keyed with {SIGNING_KEY_ENV}",
    }.get(algorithm, algorithm)
    return f"{how}: {display_text(digest.get('value'))}"


def _signature_text(signature: Mapping[str, object]) -> str:
    return f"{display_text(signature.get('algorithm'))}: {display_text(signature.get('value'))}"


def _run_rows(document: Mapping[str, object]) -> list[tuple[str, str, str]]:
    mode = display_text(document.get("mode"))
    rows = [("mode", "Mode", MODE_WORDS.get(mode, mode))]
    if document.get("cassette"):
        rows.append(("cassette", "Recording", display_text(document.get("cassette"))))
        rows.append(("cassette-sha256", "Recording SHA-256", display_text(document.get("cassette_sha256"))))
    rows += [
        ("user", "Intacct user checked", display_text(document.get("user"))),
        ("sender-id", "Sender ID", display_text(document.get("sender_id"))),
        ("version", "Checked with", f"pytest-pex-intacct {display_text(document.get('plugin_version'))}"),
        (
            "run",
            "Run (UTC)",
            f"{display_text(document.get('started_at'))} to {display_text(document.get('finished_at'))}",
        ),
        ("schema", "Results schema", display_text(document.get("schema"))),
    ]
    return rows


def appendix_block(document: Mapping[str, object]) -> str:
    """Provenance, environment, digest and signature (with the file's seal slots), how to verify, and the
    embedded results document itself."""
    parts = ['<section class="pex-appendix"><h2>Appendix: how this report was made and how to check it</h2>']
    parts.append("<h3>Run</h3><dl>")
    parts += [
        f"<dt>{html.escape(label)}</dt><dd>{field('span', name, text)}</dd>"
        for name, label, text in _run_rows(document)
    ]
    parts.append("</dl>")
    environment = environment_of(document)
    if environment:
        parts.append(f'<h3>Environment</h3><table id="{SECTION_ID}-environment">')
        parts += [f"<tr><td>{escaped(key)}</td><td>{escaped(value)}</td></tr>" for key, value in environment]
        parts.append("</table>")
    signature = signature_of(document)
    parts += [
        "<h3>Integrity</h3><dl>",
        f"<dt>Digest of the results</dt><dd>{field('code', 'digest', _digest_text(document))}</dd>",
    ]
    if signature is not None:
        parts += [
            f"<dt>Signature of the results</dt><dd>{field('code', 'signature', _signature_text(signature))}</dd>",
            f"<dt>Signing key</dt><dd>{field('code', 'key', display_text(signature.get('key_fingerprint')))}</dd>",
            f"<dt>Signature of this file</dt><dd>{file_signature_element()}</dd>",
        ]
    parts += [
        f"<dt>Digest of this file</dt><dd>{file_digest_element()}</dd>",
        "</dl>",
        f"<p>{_how_to_verify(document, signature)}</p>",
        f'<script type="application/json" id="{RESULTS_ELEMENT_ID}">{embedded_json(document)}</script>',
        "</section>",
    ]
    return "".join(parts)


def _how_to_verify(document: Mapping[str, object], signature: Mapping[str, object] | None) -> str:
    # The page cannot know what its file is called on the reader's machine.
    command = f"<code>{VERIFY_COMMAND} FILE</code>"
    text = (
        f"To check that nothing in this file was changed since it was written, run {command} with FILE this "
        "report's file name (the pytest-pex-intacct package). It re-reads the results embedded in the file, "
        "recomputes their digest and the file's, and compares every line shown above with them."
    )
    if signature is not None:
        text += (
            f" To check the signature with PEX's public key alone, add <code>--public-key pex.pub</code>: the key's "
            f"fingerprint must be {escaped(signature.get('key_fingerprint'))}."
        )
    digest = document.get(DIGEST_FIELD)
    if isinstance(digest, Mapping) and digest.get("algorithm") == HMAC_SHA256:
        text += f" The HMAC is checked by PEX, with {SIGNING_KEY_ENV} set to its key."
    text += (
        " By hand: each file value was computed over this file with its slot holding the placeholder "
        "(64 zeros for the digest, 88 letters A for the signature)."
    )
    return text
