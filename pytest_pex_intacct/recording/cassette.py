"""Cassette files: reading vcrpy's YAML, finding the bundled demo recordings, and the commands that
make or fix a recording. Light on purpose (PyYAML and the standard library): a replay reads the
recorded options at start-up, before any check runs.

Nothing in a cassette is trusted: the file is read with a bound (``cassette_file``), its YAML without
aliases (``cassette_yaml``), its metadata as the options it stands for (``recorded_metadata``), and each
interaction only in the shapes vcrpy writes.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import urlsplit

from ..config.option import ENV_SENDER_PASSWORD, ENV_USER_PASSWORD, Option, RecordMode, SettingsError
from ..config.options import CASSETTES, OPTIONS, RECORD_MODE, RECORDED
from .cassette_file import CassetteProblem, read_cassette_bytes
from .cassette_yaml import parse_cassette
from .recorded_metadata import recorded_metadata
from .shown import shown, unsafe_character

if TYPE_CHECKING:
    from ..config.settings import Settings

# The demo companies' recordings, installed with the package (in a checkout, the repository's cassettes/).
# The demo recordings ship inside the package (a link to cassettes/ in a checkout).
BUNDLED_DIR = (Path(__file__).resolve().parent.parent / "demo_cassettes").resolve()
DEMO_RECORDER = "python -m pytest_pex_intacct.simulator.demos"

__all__ = ["Cassette", "CassetteProblem", "RecordedExchange", "load_cassette"]


@dataclass(frozen=True)
class RecordedExchange:
    method: str
    path: str
    request_body: bytes | str
    status: int
    content_type: str
    response_body: bytes = field(repr=False)


@dataclass(frozen=True)
class Cassette:
    path: Path
    exchanges: tuple[RecordedExchange, ...]
    recorded: Mapping[str, Any]


def _header(headers: object, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            value = value[0] if isinstance(value, list) and value else value
            return value if isinstance(value, str) else ""
    return ""


def _is_body(value: object) -> TypeGuard[bytes | str | None]:
    """A body as vcrpy writes one: text, ``!!binary`` bytes or nothing (never a list or a mapping)."""
    return value is None or isinstance(value, (bytes, str))


_REQUEST_KEYS = ("body", "method", "uri")


def _exchange(number: int, interaction: object) -> RecordedExchange:
    problem = CassetteProblem(f"recorded interaction {number} is malformed (it needs a request and a response)")
    if not isinstance(interaction, dict):
        raise problem
    request, response = interaction.get("request"), interaction.get("response")
    if not (isinstance(request, dict) and isinstance(response, dict)):
        raise problem
    status, body = response.get("status"), response.get("body")
    if not (isinstance(status, dict) and isinstance(body, dict) and all(key in request for key in _REQUEST_KEYS)):
        raise problem
    code, method, uri = status.get("code"), request["method"], request["uri"]
    if not (isinstance(code, int) and 100 <= code <= 599 and isinstance(method, str) and isinstance(uri, str)):
        raise problem
    request_body, response_body = request["body"], body.get("string")
    if not (_is_body(request_body) and _is_body(response_body)):
        raise problem
    # A request is what this plugin sent: its text is shown when a run asks something else, so it
    # must hold nothing a terminal would obey (an answer is Intacct's data, shown only as the checks word it).
    strange = unsafe_character(_as_text(request_body) + method + uri, allowed="\t\n\r")
    if strange is not None:
        raise CassetteProblem(
            f"recorded interaction {number} holds a control or bidirectional-text character ({shown(strange)}) "
            "in its request, which this plugin never sends"
        )
    return RecordedExchange(
        method=method.upper(),
        path=urlsplit(uri).path,
        request_body=request_body or b"",
        status=code,
        content_type=_header(response.get("headers"), "content-type"),
        response_body=_as_bytes(response_body),
    )


def _as_text(body: bytes | str | None) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body or ""


def _as_bytes(body: bytes | str | None) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body or b""


def load_cassette(path: Path) -> Cassette:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise CassetteProblem("the cassette does not exist") from None
    except OSError as error:
        raise CassetteProblem(f"the cassette cannot be read ({error.strerror or type(error).__name__})") from None
    return _load(path, status.st_mtime_ns, status.st_size)


# Read once per run: at start-up for the recorded options, then again for the answers.
@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, size: int) -> Cassette:
    try:
        text = read_cassette_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise CassetteProblem(f"the cassette is not valid YAML (not UTF-8 text: byte {error.start + 1})") from None
    data = parse_cassette(text)
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list) or not data["interactions"]:
        raise CassetteProblem("the cassette holds no recorded interactions")
    exchanges = tuple(_exchange(number, item) for number, item in enumerate(data["interactions"], start=1))
    return Cassette(path, exchanges, recorded_metadata(data.get("metadata")))


def bundled_cassette(company_id: str) -> Path | None:
    """The installed recording of a bundled demo company, or None for any other company."""
    path = BUNDLED_DIR / f"{company_id}.yaml"
    return path if path.is_file() else None


def _command(words: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


def rerecord_command(settings: Settings) -> str:
    """The command that records this run again, with what it asks and where it was answered."""
    words = ["pytest", f"--intacct-company={settings.company_id}", "--intacct-mode=record"]
    for option in OPTIONS:
        # A recording holds the answers of the endpoint it was made against: re-record against that one.
        if option.recorded_as or option.field == "endpoint":
            words += option.words(getattr(settings, option.field))
    if settings.cassette_path.exists():
        # It replaces the recording there: an explicit choice, never a silent one.
        words.append(f"{RECORD_MODE.flag}={RecordMode.REWRITE}")
    words.append(f"{CASSETTES.flag}={settings.cassette_dir}")
    return f"{_command(words)} (with {ENV_SENDER_PASSWORD} and {ENV_USER_PASSWORD} set)"


def demo_recorder_command(settings: Settings) -> str:
    return f"{DEMO_RECORDER} --cassettes {shlex.quote(str(settings.cassette_dir))}"


def is_demo(settings: Settings) -> bool:
    return settings.bundled_demo or bundled_cassette(settings.company_id) is not None


def record_again(settings: Settings) -> str:
    """What fixes a recording: the demo recorder for a bundled demo, else a live re-record."""
    if is_demo(settings):
        return f"record the demos again with: {demo_recorder_command(settings)}"
    return f"record it again with: {rerecord_command(settings)}"


def recorded_command(recorded: Mapping[str, object], named: Option | None = None) -> str:
    """How a cassette was recorded, as the options that reproduce it (``named`` shown even at its default)."""
    words: list[str] = []
    for option in RECORDED:
        if option.recorded_as is not None and option.recorded_as in recorded:
            value = recorded[option.recorded_as]
            if option is named and option.kind == "text":
                words.append(f"{option.flag}={value}")
            else:
                words += option.words(value)
    if not words:
        return "the default options"
    return _command(words) + ("" if len(words) == len(RECORDED) else ", the other options at their defaults")


def replay_command(settings: Settings) -> str:
    words = ["pytest", f"--intacct-company={settings.company_id}", "--intacct-mode=replay"]
    if not is_demo(settings):
        words.append(f"{CASSETTES.flag}={settings.cassette_dir}")
    return _command(words)


def replay_fix(settings: Settings, option: Option) -> str:
    fix = f"leave {option.flag} out to replay it as recorded: {replay_command(settings)}"
    if is_demo(settings):
        return fix
    return f"{fix}; or, to check with it, record again: {rerecord_command(settings)}"


def read_recording(settings: Settings) -> Mapping[str, object]:
    """The options a cassette was recorded with; a missing or unusable cassette is a usage error."""
    path = settings.cassette_path
    # Anything by that name is read (or refused as what it is): a FIFO or a device is not "no recording".
    if not path.exists():
        if bundled_cassette(settings.company_id) is not None:
            fix = (
                f"{settings.company_id} is a bundled demo: leave out {CASSETTES.flag} to replay the installed "
                f"recording, or record the demos there with: {demo_recorder_command(settings)}"
            )
        else:
            fix = f"pass {CASSETTES.flag}=DIR where the recording is, or record one with: {rerecord_command(settings)}"
        raise SettingsError(f"replay: no recording of company {settings.company_id}: looked for {path}; {fix}")
    try:
        cassette = load_cassette(path)
    except CassetteProblem as problem:
        raise SettingsError(f"replay: {path} is not a usable recording: {problem}; {record_again(settings)}") from None
    return cassette.recorded


@dataclass(frozen=True)
class CassetteRecordings:
    """The recordings as resolving settings needs them (:class:`~..config.settings.Recordings`).

    ``read`` false (``--collect-only``, which checks nothing) leaves the recording unread.
    """

    read: bool = True

    def bundled(self, company_id: str) -> Path | None:
        return bundled_cassette(company_id)

    def recorded_options(self, settings: Settings) -> Mapping[str, object] | None:
        if not self.read:
            return None
        return read_recording(settings)

    def contradiction(self, settings: Settings, option: Option, recorded: Mapping[str, object]) -> str:
        return (
            f"contradicts the recording {settings.cassette_path}, made with {recorded_command(recorded, option)}; "
            f"{replay_fix(settings, option)}"
        )
