"""Record a company run with vcrpy: one scrubbed cassette, written whole, never with a secret.

One cassette per company run (``<cassettes>/<company>.yaml``, vcrpy's YAML format). Passwords and
session ids are scrubbed from every request and response before anything is written, and the
file is checked for the run's passwords before it replaces the old one. A run that verified
nothing (no usable answer, or a refusal of PEX's own sender credentials) leaves the old cassette as it
was: a good recording is never replaced by a recording of an outage. ``recording/replay.py`` plays it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import vcr
from lxml import etree
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import serialize

from .. import __version__
from ..atomic_write import write_text_atomically
from ..config.options import RECORDED
from ..config.settings import Settings
from ..facts.reading import Unavailable
from ..facts.snapshot import CompanySnapshot
from ..intacct.hardened_xml import parse_or_none
from ..intacct.secrets import greppable, holds_secret, redact_tree
from .request_meaning import difference

PLACEHOLDER = "REDACTED"
_SECRET_PATHS = ("control/password", "operation/authentication/login/password", "operation/authentication/sessionid")
_SESSION_ID = re.compile(rb"(<sessionid>)[^<]*(</sessionid>)")
_DROPPED_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")
FactT = TypeVar("FactT")


def scrub_request(request: Any) -> Any:
    """Replace passwords and session ids in an Intacct request body. Idempotent; always returns the request."""
    root = parse_or_none(request.body)
    if root is not None:
        changed = False
        for path in _SECRET_PATHS:
            for element in root.findall(path):
                if element.text != PLACEHOLDER:
                    element.text = PLACEHOLDER
                    changed = True
        if changed:
            request.body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    for name in list(request.headers):
        if name.lower() in _DROPPED_HEADERS:
            del request.headers[name]
    return request


def scrub_response(response: dict[str, Any], secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """Session ids out of a recorded answer, and any password it echoes (as text, whatever its escaping)."""
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        body = _SESSION_ID.sub(rb"\1" + PLACEHOLDER.encode() + rb"\2", body)
        if greppable(secrets):
            root = parse_or_none(body)
            if root is not None and holds_secret(body.decode("utf-8", "replace"), secrets):
                redact_tree(root, secrets)
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        response["body"]["string"] = body
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _DROPPED_HEADERS:
            del headers[name]
    return response


def intacct_meaning(live: Any, recorded: Any) -> None:
    """vcrpy matcher (vcrpy keeps the first of repeated requests apart while recording)."""
    differs = difference(live.body, recorded.body)
    if differs is not None:
        raise AssertionError(differs)


class AtomicPersister:
    """Writes the cassette completely or not at all, and never with a secret of the run in it."""

    secrets: tuple[str, ...] = ()
    leak_found: str | None = None
    # Set while recording when the run verified nothing: the cassette on disk is then kept as it is.
    discard: bool = False

    @classmethod
    def load_cassette(cls, cassette_path: str | Path, serializer: Any) -> Any:
        # Never read: a record run replaces the whole recording (record mode "all", unused requests
        # dropped), so nothing of the old file is played or kept, not even its provenance. Unread, a
        # corrupt or hostile old file (an alias bomb, a FIFO, gigabytes) cannot stop the run.
        raise CassetteNotFoundError()

    @classmethod
    def save_cassette(cls, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        if cls.discard:
            return
        data = serialize(cassette_dict, serializer)
        # Check the bodies as well as the file: YAML folds long strings at spaces, which could split a
        # password across lines of the file; and each text with its XML escapes undone.
        texts = [data, *_interaction_texts(cassette_dict)]
        if any(holds_secret(text, cls.secrets) for text in texts):
            cls.leak_found = "a password of this run"
            return
        write_text_atomically(Path(cassette_path), data)


def _interaction_texts(cassette_dict: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for request in cassette_dict.get("requests", []):
        texts.extend((_as_text(getattr(request, "body", None)), str(getattr(request, "uri", ""))))
        texts.append(repr(dict(getattr(request, "headers", {}))))
    for response in cassette_dict.get("responses", []):
        texts.append(_as_text(response.get("body", {}).get("string")))
        texts.append(repr(response.get("headers", {})))
    return texts


def _as_text(body: object) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return "" if body is None else str(body)


class Recorder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

        # A class of its own per run: vcrpy calls the persister's class methods, so the run's secrets
        # and verdicts about the file live on the class, never shared with another run.
        class RunPersister(AtomicPersister):
            secrets = settings.secrets
            leak_found = None
            discard = False

        self._persister: type[AtomicPersister] = RunPersister

    @property
    def path(self) -> Path:
        return self.settings.cassette_path

    def leak(self) -> str | None:
        found = self._persister.leak_found
        if found:
            return f"recording refused: {found} was still in the scrubbed cassette, so {self.path} was not written"
        return None

    def kept_if_verified(self, snapshot: CompanySnapshot) -> CompanySnapshot:
        """Call inside :func:`recording`: a run that verified nothing is not written, and says so.

        vcrpy writes the cassette when the block ends, so the persister must know before then.
        """
        if not verified_nothing(snapshot):
            return snapshot
        self._persister.discard = True
        return snapshot.noted(f"nothing usable was recorded, so {self.path} was left as it was")

    def build_vcr(self) -> vcr.VCR:
        recorder = vcr.VCR(
            serializer="yaml",
            # Every request goes to Intacct and replaces what an older recording held.
            record_mode="all",
            match_on=("method", "path", "intacct_meaning"),
            before_record_request=scrub_request,
            before_record_response=lambda response: scrub_response(response, self.settings.secrets),
            decode_compressed_response=True,
            drop_unused_requests=True,
            # A run that crashed verified nothing either: keep the old cassette.
            record_on_exception=False,
        )
        recorder.register_matcher("intacct_meaning", intacct_meaning)
        recorder.register_persister(self._persister)
        return recorder


@contextmanager
def recording(settings: Settings) -> Iterator[Recorder]:
    """Everything sent inside goes to Intacct and is written, scrubbed, when the block ends."""
    recorder = Recorder(settings)
    with recorder.build_vcr().use_cassette(str(recorder.path)) as cassette:
        cassette.get_metadata("recorded", _provenance(settings))
        yield recorder


def verified_nothing(snapshot: CompanySnapshot) -> bool:
    """Every sign-in fact is an error: no usable answer, or Intacct refused PEX's own sender credentials.

    A sign-in that Intacct answered (even a refused user or an unauthorised sender) is evidence about
    the company and is worth recording; an outage or a wrong PEX password says nothing about it.
    """
    sign_in = snapshot.sign_in
    facts = (sign_in.web_services, sign_in.sender, sign_in.user_sign_in)
    return all(isinstance(fact, Unavailable) and fact.is_error for fact in facts)


def _provenance(settings: Settings) -> dict[str, object]:
    """What the recording was made with: the options that decide what is asked (a replay defaults to
    them, see ``options.RECORDED``), and where and when."""
    asked = {option.recorded_as: getattr(settings, option.field) for option in RECORDED if option.recorded_as}
    return {
        "company": settings.company_id,
        **asked,
        "endpoint": settings.endpoint,
        "plugin_version": __version__,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
