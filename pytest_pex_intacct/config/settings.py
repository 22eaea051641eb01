"""Options → one validated, frozen :class:`Settings`, or a one-line :class:`SettingsError`.

Runs before any network traffic. Precedence: command-line option, then the environment variable the
official Intacct SDKs use, then the default; in a replay, the options that decide what is asked
default to those stored in the cassette instead (an explicit different value is an error). The
options themselves are declared once, in ``config/options.py``. Passwords come only from the environment.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ..intacct.errors import ConfigurationError
from ..requirements import ATTACHMENT_NUMBERING, UDD_READ
from .attestation import Attestation
from .network import Network, network_for
from .option import (
    DEFAULT_CONCURRENCY,
    ENV_COMPANY,
    ENV_SENDER_PASSWORD,
    ENV_USER_PASSWORD,
    Given,
    Mode,
    Option,
    RecordMode,
    SettingsError,
    Shard,
    SignOff,
    sendable,
)
from .options import CASSETTES, COMPANY, FLEET, FLEET_ONLY, MODE, OPTIONS, RECORD_MODE, RECORDED


class Recordings(Protocol):
    """What resolving a replay's settings needs of the recordings (``recording/cassette.py`` answers).

    Handed in by the caller, so that configuration imports nothing of the run.
    """

    def bundled(self, company_id: str) -> Path | None:
        """The installed recording of a bundled demo company, or None for any other company."""

    def recorded_options(self, settings: Settings) -> Mapping[str, object] | None:
        """The options the recording was made with (``recorded_as`` key → value, ``recorded_at`` as UTC
        text), None when nothing is to be read (``--collect-only``); a SettingsError when it cannot be used."""

    def contradiction(self, settings: Settings, option: Option, recorded: Mapping[str, object]) -> str:
        """What to say of an explicit ``option`` that contradicts the recording: where, made how, and the fix."""


@dataclass(frozen=True)
class Settings:
    company_id: str
    user_id: str
    sender_id: str
    endpoint: str
    gl_account: str
    mode: Mode
    cassette_dir: Path
    udd: bool = False
    write_probe: bool = False
    record_mode: RecordMode = RecordMode.ONCE
    # A record run that replaces the company's existing recording (said when it ends).
    replacing: bool = False
    attested: tuple[str, ...] = ()
    signoff: SignOff | None = None
    ticket: str | None = None
    json_path: Path | None = None
    sender_password: str = field(default="", repr=False)
    user_password: str = field(default="", repr=False)
    # The cassette is a bundled demo recording (its fix is the demo recorder, not a live re-record).
    bundled_demo: bool = False
    # Fleet runs only (fleet/fleet_settings.py); a single-company run refuses them when given.
    fleet_path: Path | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    shard: Shard | None = None
    baseline_dir: Path | None = None
    history_path: Path | None = None
    # Proxies, CA bundle and timeouts, read from the environment once (never from a read thread).
    network: Network = field(default_factory=Network)
    # --intacct-attestations: the register file, and the entries of it for this company (applied by the
    # caller, which reads the file: ``fleet/attestations.py``).
    attestations_path: Path | None = None
    attestations: tuple[Attestation, ...] = ()
    # A replay only: when its recording was made (UTC, as the results document writes times), if it says.
    recorded_at: str | None = None

    @property
    def cassette_path(self) -> Path:
        return self.cassette_dir / f"{self.company_id}.yaml"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for secret in (self.sender_password, self.user_password) if secret)


def requested_company(raw: Mapping[str, object], environ: Mapping[str, str]) -> str | None:
    """The company the checks run against, or None when the plugin should stay out of the way."""
    given = COMPANY.given(raw.get(COMPANY.field), environ)
    return given.value if given is not None else None


def ensure_writable_directory(directory: Path, option: str) -> None:
    """Fail now, before any traffic, rather than after a live run that then cannot save its results."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise SettingsError(
            f"{option}: cannot write in {str(directory)!r} ({error.strerror or type(error).__name__}); "
            "choose a writable directory"
        ) from None


def _value(option: Option, raw: Mapping[str, object], environ: Mapping[str, str]) -> object:
    """The validated value of one option from what pytest parsed and the environment."""
    given_raw = raw.get(option.field)
    if option.kind == "flag":
        return bool(given_raw)
    if option.kind == "repeat":
        values = given_raw if isinstance(given_raw, (list, tuple)) else ()
        items = [Given(str(value), option.flag, explicit=True) for value in values]
        validated = [option.validate(item) if option.validate else item.value for item in items]
        return tuple(dict.fromkeys(validated))
    given = option.given(given_raw, environ)
    if given is None:
        return None
    return option.validate(given) if option.validate else given.value


def _explicit(option: Option, raw: Mapping[str, object], environ: Mapping[str, str]) -> str | None:
    """The label of an option the user set (on the command line or in its variable), else None."""
    given_raw = raw.get(option.field)
    if option.kind == "flag":
        return option.flag if given_raw else None
    given = option.given(given_raw, environ)
    return given.label if given is not None and given.explicit else None


def _cassette_dir(raw: Mapping[str, object], rootdir: Path, invocation_dir: Path | None) -> Path:
    directory = Path(str(_value(CASSETTES, raw, {})))
    if not directory.is_absolute():
        # The default belongs to the project (its rootdir); a path the user typed is relative to where they are.
        base = rootdir if raw.get(CASSETTES.field) is None else (invocation_dir or Path.cwd())
        directory = base / directory
    if directory.exists() and not directory.is_dir():
        raise SettingsError(f"{CASSETTES.flag} {str(raw.get(CASSETTES.field))!r} exists and is not a directory")
    return directory


def resolve_settings(
    raw: Mapping[str, object],
    environ: Mapping[str, str],
    rootdir: Path,
    invocation_dir: Path | None = None,
    recordings: Recordings | None = None,
    in_fleet: bool = False,
) -> Settings:
    """``raw`` maps Settings fields to what pytest parsed (None, False or empty: not given).

    ``rootdir`` anchors the default cassette directory; relative paths given by the user are theirs.
    In a replay, ``recordings`` (when given) find a demo company's installed recording and supply the
    recorded options; without them a replay uses the defaults. ``in_fleet``: one company of a
    fleet, where a fleet-wide UDD-READ attestation concerns only the companies that check UDDs.
    """
    if requested_company(raw, environ) is None:
        raise SettingsError(f"no company: pass --intacct-company=ID or set {ENV_COMPANY}")
    if raw.get(FLEET.field) is not None:
        raise SettingsError(f"{FLEET.flag} and --intacct-company (or {ENV_COMPANY}) exclude each other; pass one")
    for option in FLEET_ONLY:
        label = _explicit(option, raw, environ)
        if label is not None:
            raise SettingsError(f"{label} applies only to a fleet run; pass {FLEET.flag}=FLEET.toml or leave it out")
    values = {option.field: _value(option, raw, environ) for option in OPTIONS if option is not CASSETTES}
    try:
        values["network"] = network_for(str(values["endpoint"]), environ)
    except ConfigurationError as error:
        raise SettingsError(error.message) from None
    mode = Mode(str(values[MODE.field]))
    values[CASSETTES.field] = _cassette_dir(raw, rootdir, invocation_dir)
    bundled = False
    if mode == Mode.REPLAY and raw.get(CASSETTES.field) is None and recordings is not None:
        default_path = Path(str(values[CASSETTES.field])) / f"{values[COMPANY.field]}.yaml"
        bundled_path = recordings.bundled(str(values[COMPANY.field]))
        # A demo company is found wherever pytest runs: the project's cassettes first, else the installed copy.
        if not default_path.is_file() and bundled_path is not None:
            values[CASSETTES.field], bundled = bundled_path.parent, True
    settings = Settings(**values, bundled_demo=bundled)  # type: ignore[arg-type]
    recorded = recordings.recorded_options(settings) if mode == Mode.REPLAY and recordings is not None else None
    if recorded is not None and recordings is not None:
        settings = _as_recorded(settings, recorded, recordings, raw, environ)

    if UDD_READ in settings.attested and not settings.udd and in_fleet:
        settings = replace(settings, attested=tuple(one for one in settings.attested if one != UDD_READ))
    if UDD_READ in settings.attested and not settings.udd:
        raise SettingsError(
            f"--intacct-attest={UDD_READ}: the optional {UDD_READ} is only checked with --intacct-udd; "
            "add --intacct-udd, or leave the attestation out"
        )
    if settings.attested and settings.signoff is None:
        raise SettingsError('--intacct-attest needs --intacct-signoff="Name <email>" to record who attests')
    if ATTACHMENT_NUMBERING in settings.attested and settings.write_probe and not raw.get("write_probe"):
        raise SettingsError(
            f"--intacct-attest={ATTACHMENT_NUMBERING}: the recording {settings.cassette_path} checked it with "
            "the write probe, and a replay reproduces that run; leave --intacct-attest out (to attest Step 1, "
            "run live or record without --intacct-write-probe)"
        )
    if ATTACHMENT_NUMBERING in settings.attested and settings.write_probe:
        raise SettingsError(
            f"--intacct-attest={ATTACHMENT_NUMBERING} conflicts with --intacct-write-probe; "
            "either attest it or let the probe verify it, not both"
        )
    if mode == Mode.RECORD:
        ensure_writable_directory(settings.cassette_dir, CASSETTES.flag)
        settings = _over_an_existing_recording(settings)
    elif (label := _explicit(RECORD_MODE, raw, environ)) is not None:
        raise SettingsError(f"{label} applies only to --intacct-mode=record; leave it out")
    if settings.json_path is not None:
        _check_json_path(settings.json_path)
    return _with_passwords(settings, environ)


def _over_an_existing_recording(settings: Settings) -> Settings:
    """A record run never replaces a recording silently: it is refused, or (rewrite) said when it ends."""
    path = settings.cassette_path
    if not path.exists():
        return settings
    if settings.record_mode == RecordMode.REWRITE:
        return replace(settings, replacing=True)
    raise SettingsError(
        f"--intacct-mode=record: {path} already holds a recording of company {settings.company_id}; to replace "
        f"it, add {RECORD_MODE.flag}={RecordMode.REWRITE}; to keep it, record elsewhere with {CASSETTES.flag}=DIR"
    )


def _as_recorded(
    settings: Settings,
    recorded: Mapping[str, object],
    recordings: Recordings,
    raw: Mapping[str, object],
    environ: Mapping[str, str],
) -> Settings:
    """The asked options as the recording has them; an explicit different one is a usage error."""
    changes: dict[str, object] = {}
    for option in RECORDED:
        assert option.recorded_as is not None
        if option.recorded_as not in recorded:
            continue
        stored = recorded[option.recorded_as]
        current = getattr(settings, option.field)
        label = _explicit(option, raw, environ)
        if label is not None and not option.same(current, stored):
            shown = option.flag if option.kind == "flag" else f"{label} {current!r}"
            raise SettingsError(f"{shown} {recordings.contradiction(settings, option, recorded)}")
        changes[option.field] = stored
    recorded_at = recorded.get("recorded_at")
    changes["recorded_at"] = recorded_at if isinstance(recorded_at, str) else None
    return replace(settings, **changes)  # type: ignore[arg-type]


def _check_json_path(path: Path) -> None:
    ensure_writable_directory(path.parent if str(path.parent) else Path("."), "--intacct-json")
    if path.exists() and not os.access(path, os.W_OK):
        raise SettingsError(f"--intacct-json: {str(path)!r} exists and cannot be overwritten")


def _with_passwords(settings: Settings, environ: Mapping[str, str]) -> Settings:
    passwords = {name: environ.get(name, "") for name in (ENV_SENDER_PASSWORD, ENV_USER_PASSWORD)}
    for name, value in passwords.items():
        if value and not sendable(value):
            raise SettingsError(
                f"{name} contains characters a request cannot carry (control characters or undecodable bytes); "
                "set it to the password exactly as Intacct issued it"
            )
    if settings.mode == Mode.REPLAY:
        # A replay never sends anything; passwords are irrelevant and never needed.
        return settings
    missing = [name for name, value in passwords.items() if not value]
    if missing:
        raise SettingsError(
            f"{' and '.join(missing)} not set: {settings.mode} mode signs in to Intacct; export the password(s), "
            "or use --intacct-mode=replay to replay a recording"
        )
    return replace(settings, sender_password=passwords[ENV_SENDER_PASSWORD], user_password=passwords[ENV_USER_PASSWORD])
