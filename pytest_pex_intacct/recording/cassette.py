"""Cassette files: reading vcrpy's YAML, finding the bundled demo recordings, and the commands that
make or fix a recording. Light on purpose (PyYAML and the standard library): a replay reads the
recorded options at start-up, before any check runs.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from .. import __version__
from ..config.option import ENV_SENDER_PASSWORD, ENV_USER_PASSWORD, Option, RecordMode, SettingsError
from ..config.options import CASSETTES, OPTIONS, RECORD_MODE, RECORDED
from ..verdict import utc_text

if TYPE_CHECKING:
    from ..config.settings import Settings

# The demo companies' recordings, installed with the package (in a checkout, the repository's cassettes/).
# The demo recordings ship inside the package (a link to cassettes/ in a checkout).
BUNDLED_DIR = (Path(__file__).resolve().parent.parent / "demo_cassettes").resolve()
DEMO_RECORDER = "python -m pytest_pex_intacct.simulator.demos"


class CassetteProblem(ValueError):
    """The cassette is missing or cannot be read as a recording."""


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


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value or "").encode("utf-8")


def _header(headers: object, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _exchange(number: int, interaction: object) -> RecordedExchange:
    problem = CassetteProblem(f"recorded interaction {number} is malformed (it needs a request and a response)")
    if not isinstance(interaction, dict):
        raise problem
    request, response = interaction.get("request"), interaction.get("response")
    if not (isinstance(request, dict) and isinstance(response, dict)):
        raise problem
    status, body = response.get("status"), response.get("body")
    if not (isinstance(status, dict) and isinstance(status.get("code"), int) and isinstance(body, dict)):
        raise problem
    if not all(key in request for key in ("body", "method", "uri")):
        raise problem
    return RecordedExchange(
        method=str(request["method"]).upper(),
        path=urlsplit(str(request["uri"])).path,
        request_body=request["body"] or b"",
        status=status["code"],
        content_type=_header(response.get("headers"), "content-type"),
        response_body=_as_bytes(body.get("string")),
    )


def load_cassette(path: Path) -> Cassette:
    if not path.is_file():
        raise CassetteProblem("the cassette does not exist")
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


# Read once per run: at start-up for the recorded options, then again for the answers.
@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, size: int) -> Cassette:
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.MarkedYAMLError as error:
        # The parser's own words ("while parsing a flow node") mean nothing to a user: the line does.
        line = f"line {error.problem_mark.line + 1}: " if error.problem_mark is not None else ""
        raise CassetteProblem(f"the cassette is not valid YAML ({line}{error.problem or 'unreadable'})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CassetteProblem(f"the cassette is not valid YAML ({first})") from None
    except OSError as error:
        raise CassetteProblem(f"the cassette cannot be read ({error.strerror or type(error).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list) or not data["interactions"]:
        raise CassetteProblem("the cassette holds no recorded interactions")
    exchanges = tuple(_exchange(number, item) for number, item in enumerate(data["interactions"], start=1))
    metadata = data.get("metadata")
    recorded = metadata.get("recorded") if isinstance(metadata, dict) else None
    recorded = recorded if isinstance(recorded, dict) else {}
    _refuse_a_newer_version(recorded.get("plugin_version"))
    return Cassette(path, exchanges, recorded)


_VERSION = re.compile(r"([0-9]{1,6})\.([0-9]{1,6})\.([0-9]{1,6})")


def _version(text: str) -> tuple[int, ...] | None:
    match = _VERSION.match(text)
    return tuple(int(part) for part in match.groups()) if match else None


def _refuse_a_newer_version(recorded_by: object) -> None:
    """A recording made by a newer version may hold reads this one cannot judge: upgrade to replay it."""
    if recorded_by is None:
        return
    recorded = _version(recorded_by) if isinstance(recorded_by, str) else None
    if recorded is None:
        raise CassetteProblem("its metadata plugin_version is not a version number")
    running = _version(__version__)
    if running is not None and recorded > running:
        raise CassetteProblem(
            f"it was recorded by pytest-pex-intacct {recorded_by}, newer than this {__version__}: upgrade "
            "(pip install --upgrade pytest-pex-intacct) to replay it"
        )


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
    if not path.is_file():
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


def _utc_time(stamp: object) -> str | None:
    """A recording's timestamp in the results document's form; None when it is absent or not a time."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return utc_text(moment)


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
        recorded = dict(read_recording(settings))
        recorded["recorded_at"] = _utc_time(recorded.get("recorded_at"))
        return recorded

    def contradiction(self, settings: Settings, option: Option, recorded: Mapping[str, object]) -> str:
        return (
            f"contradicts the recording {settings.cassette_path}, made with {recorded_command(recorded, option)}; "
            f"{replay_fix(settings, option)}"
        )
