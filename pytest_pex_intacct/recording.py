"""Record and replay a company run with vcrpy: scrubbing, semantic matching, socket guard.

One cassette per company run (``<cassettes>/<company>.yaml``, vcrpy's YAML format). Secrets are
scrubbed from every request and response before anything is written, the written file is checked
for the run's passwords before it replaces the old one, and replay matches requests by meaning
(functions and their arguments, company, user, sender) so that control ids, passwords, session ids
and the endpoint's host may differ. A replay never opens a socket: a guard fails any attempt.
"""

from __future__ import annotations

import re
import shlex
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vcr
import yaml
from lxml import etree
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import CassetteDecodeError, CassetteNotFoundError
from vcr.serialize import deserialize, serialize

from . import __version__
from .atomic_write import write_text_atomically
from .settings import DEFAULT_GL_ACCOUNT, DEFAULT_USER, Settings

PLACEHOLDER = "REDACTED"
_SECRET_PATHS = ("control/password", "operation/authentication/login/password", "operation/authentication/sessionid")
_SESSION_ID = re.compile(rb"(<sessionid>)[^<]*(</sessionid>)")
_DROPPED_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")
# A secret shorter than this is only removed structurally: replacing it everywhere as a plain
# string could corrupt unrelated text (and cannot be told apart from it when checking).
_MIN_GREPPABLE_SECRET = 6


class NetworkBlocked(RuntimeError):
    """A replay tried to open a network connection; replays must be answered from the cassette."""


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _parse(body: bytes | str | None) -> etree._Element | None:
    if not body:
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else body
    try:
        return etree.fromstring(raw, _xml_parser())
    except etree.XMLSyntaxError:
        return None


def scrub_request(request: Any) -> Any:
    """Replace passwords and session ids in an Intacct request body. Idempotent; always returns the request."""
    root = _parse(request.body)
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


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = _SESSION_ID.sub(rb"\1" + PLACEHOLDER.encode() + rb"\2", body)
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _DROPPED_HEADERS:
            del headers[name]
    return response


def _canonical(body: bytes | str | None) -> tuple[str, ...]:
    """The meaning of a request: who asks (not with what password) and which functions with which arguments."""
    root = _parse(body)
    if root is None:
        return ("<not an Intacct request>",)

    def text(path: str) -> str:
        found = root.find(path)
        return (found.text or "").strip() if found is not None else ""

    login = root.find("operation/authentication/login")
    who = (
        text("control/senderid"),
        "login" if login is not None else "session",
        text("operation/authentication/login/userid"),
        text("operation/authentication/login/companyid"),
        text("operation/authentication/login/locationid"),
    )
    content = root.find("operation/content")
    if content is None:
        return (*who, "<no content>")
    content = etree.fromstring(etree.tostring(content), _xml_parser())
    for function in content.iter("function"):
        function.attrib.pop("controlid", "")
    # The probe's attachment name carries a per-run id; like a control id it has no meaning.
    for name in content.iter("supdocname"):
        name.text = "PEX acceptance probe"
    return (*who, etree.tostring(content, method="c14n").decode("utf-8"))


def _functions(body: bytes | str | None) -> str:
    root = _parse(body)
    if root is None:
        return "?"
    names = []
    for function in root.iterfind("operation/content/function"):
        for call in function:
            target = call.findtext("object") or call.get("object") or ""
            names.append(f"{call.tag} {target}".strip())
    return ", ".join(names) or "none"


def intacct_meaning(live: Any, recorded: Any) -> None:
    """vcrpy matcher: raises AssertionError naming the first difference (never a password)."""
    mine, theirs = _canonical(live.body), _canonical(recorded.body)
    if mine == theirs:
        return
    labels = ("sender ID", "authentication", "user", "company", "location")
    for label, a, b in zip(labels, mine, theirs, strict=False):
        if a != b:
            raise AssertionError(f"{label} is {a!r} in this run but {b!r} in the recording")
    asked, recorded_functions = _functions(live.body), _functions(recorded.body)
    if asked != recorded_functions:
        raise AssertionError(f"this run asks for [{asked}], the recording has [{recorded_functions}]")
    raise AssertionError(f"the arguments of [{asked}] differ (e.g. another --intacct-gl-account)")


class AtomicPersister:
    """Writes the cassette completely or not at all, and never with a secret of the run in it."""

    secrets: tuple[str, ...] = ()
    leak_found: str | None = None
    read_only: bool = True

    @classmethod
    def load_cassette(cls, cassette_path: str | Path, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        data = path.read_text(encoding="utf-8")
        if not data.strip():
            raise CassetteNotFoundError()
        return deserialize(data, serializer)

    @classmethod
    def save_cassette(cls, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        if cls.read_only:
            return
        data = serialize(cassette_dict, serializer)
        # Check the bodies as well as the file: YAML folds long strings at spaces, which could split a
        # password across lines of the file.
        texts = [data, *_interaction_texts(cassette_dict)]
        for secret in cls.secrets:
            if len(secret) >= _MIN_GREPPABLE_SECRET and any(secret in text for text in texts):
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


def rerecord_command(settings: Settings) -> str:
    words = ["pytest", f"--intacct-company={settings.company_id}", "--intacct-mode=record"]
    if settings.user_id != DEFAULT_USER:
        words.append(f"--intacct-user={settings.user_id}")
    if settings.gl_account != DEFAULT_GL_ACCOUNT:
        words.append(f"--intacct-gl-account={settings.gl_account}")
    if settings.udd:
        words.append("--intacct-udd")
    if settings.write_probe:
        words.append("--intacct-write-probe")
    words.append(f"--intacct-cassettes={settings.cassette_dir}")
    return (
        " ".join(shlex.quote(word) for word in words) + " (with INTACCT_SENDER_PASSWORD and INTACCT_USER_PASSWORD set)"
    )


def _check_cassette_file(path: Path) -> str | None:
    if not path.is_file():
        return "the cassette does not exist"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"the cassette is not readable YAML ({first})"
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list) or not data["interactions"]:
        return "the cassette holds no recorded interactions"
    for number, interaction in enumerate(data["interactions"], start=1):
        if not _is_interaction(interaction):
            return f"recorded interaction {number} is malformed (it needs a request and a response with a body)"
    return None


def _is_interaction(interaction: object) -> bool:
    if not isinstance(interaction, dict):
        return False
    request, response = interaction.get("request"), interaction.get("response")
    return (
        isinstance(request, dict)
        and all(key in request for key in ("body", "method", "uri"))
        and isinstance(response, dict)
        and isinstance(response.get("status"), dict)
        and isinstance(response.get("body"), dict)
    )


@contextmanager
def _network_blocked() -> Iterator[None]:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo
    original_create_connection = socket.create_connection

    def refuse(*args: Any, **kwargs: Any) -> Any:
        target = args[1] if len(args) > 1 else args[0] if args else "?"
        raise NetworkBlocked(f"replay mode blocked a network connection to {target!r}")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse
    socket.create_connection = refuse
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = original_getaddrinfo
        socket.create_connection = original_create_connection


class Recorder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problem: str | None = None
        self._persister = type(
            "RunPersister",
            (AtomicPersister,),
            {"secrets": settings.secrets, "leak_found": None, "read_only": settings.mode != "record"},
        )

    @property
    def path(self) -> Path:
        return self.settings.cassette_path

    def explain(self, what: str) -> str:
        return f"replay of {self.path}: {what}. Re-record it with: {rerecord_command(self.settings)}"

    def translate(self, error: BaseException) -> str | None:
        if isinstance(error, CannotOverwriteExistingCassetteException):
            reason = getattr(error, "reason", "no_match")
            detail = ""
            similar = getattr(error, "similar_requests", None) or []
            if similar:
                failed = similar[0][2] if len(similar[0]) > 2 else []
                detail = "; ".join(message for _name, message in failed)[:400]
            what = {
                "already_played": "the run asked for more than was recorded",
                "cassette_not_found": "the cassette does not exist",
            }.get(reason, "the recording does not match this run's requests (other company, user or options?)")
            return self.explain(what + (f" ({detail})" if detail else "") + self._recorded_with())
        if isinstance(error, NetworkBlocked):
            return self.explain(str(error))
        return None

    def _recorded_with(self) -> str:
        """How the cassette was recorded, from its metadata: usually the quickest fix is to match it."""
        try:
            recorded = yaml.safe_load(self.path.read_text(encoding="utf-8"))["metadata"]["recorded"]
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            return ""
        if not isinstance(recorded, dict):
            return ""
        options = [f"--intacct-user={recorded.get('user')}", f"--intacct-gl-account={recorded.get('gl_account')!s}"]
        options += [
            flag
            for flag, key in (("--intacct-udd", "udd"), ("--intacct-write-probe", "write_probe"))
            if recorded.get(key)
        ]
        return f"; it was recorded with {' '.join(shlex.quote(option) for option in options)}"

    def leak(self) -> str | None:
        if self._persister.leak_found:  # type: ignore[attr-defined]
            return (
                f"recording refused: {self._persister.leak_found} was still in the scrubbed cassette, "  # type: ignore[attr-defined]
                f"so {self.path} was not written; please report this"
            )
        return None

    def build_vcr(self) -> vcr.VCR:
        recorder = vcr.VCR(
            serializer="yaml",
            record_mode="all" if self.settings.mode == "record" else "none",
            match_on=("method", "path", "intacct_meaning"),
            before_record_request=scrub_request,
            before_record_response=scrub_response,
            decode_compressed_response=True,
            # Only a recording may rewrite the file: vcrpy would save a replay that left
            # interactions unplayed, which after a mismatch means an emptied cassette.
            drop_unused_requests=self.settings.mode == "record",
        )
        recorder.register_matcher("intacct_meaning", intacct_meaning)
        recorder.register_persister(self._persister)
        return recorder


@contextmanager
def cassette_for(settings: Settings) -> Iterator[Recorder]:
    recorder = Recorder(settings)
    if settings.mode == "replay":
        problem = _check_cassette_file(recorder.path)
        if problem:
            recorder.problem = recorder.explain(problem)
            yield recorder
            return
    with ExitStack() as stack:
        try:
            cassette = stack.enter_context(
                recorder.build_vcr().use_cassette(str(recorder.path), allow_playback_repeats=False)
            )
        except Exception as error:  # vcrpy could not load what it recorded: the file is damaged
            recorder.problem = recorder.explain(f"the cassette cannot be loaded ({type(error).__name__})")
            yield recorder
            return
        if settings.mode == "record":
            cassette.get_metadata("recorded", _provenance(settings))
        if settings.mode == "replay":
            stack.enter_context(_network_blocked())
        yield recorder


def _provenance(settings: Settings) -> dict[str, object]:
    return {
        "company": settings.company_id,
        "user": settings.user_id,
        "sender_id": settings.sender_id,
        "gl_account": settings.gl_account,
        "udd": settings.udd,
        "write_probe": settings.write_probe,
        "plugin_version": __version__,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def replay_errors() -> tuple[type[BaseException], ...]:
    return (CannotOverwriteExistingCassetteException, NetworkBlocked, CassetteDecodeError)
