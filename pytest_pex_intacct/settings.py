"""Options → one validated, frozen :class:`Settings`, or a one-line :class:`SettingsError`.

Pure (stdlib only) so that it runs before any network traffic and costs nothing to import.
Precedence: command-line option, then the environment variable the official Intacct SDKs use,
then the SPEC §4 default. Passwords come only from the environment.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .intacct.endpoint import DEFAULT_ENDPOINT, validate_endpoint
from .intacct.errors import ConfigurationError
from .intacct.timeouts import Timeouts
from .requirements import ATTACHMENT_NUMBERING, BY_ID, CATALOGUE

DEFAULT_USER = "pex_connector"
DEFAULT_SENDER_ID = "PEX MPP"
DEFAULT_GL_ACCOUNT = "PEX GL Account"
DEFAULT_CASSETTES = "cassettes"
MODES = ("live", "record", "replay")
ATTESTABLE = tuple(requirement.id for requirement in CATALOGUE if requirement.attestable)

ENV_COMPANY = "INTACCT_COMPANY_ID"
ENV_USER = "INTACCT_USER_ID"
ENV_SENDER_ID = "INTACCT_SENDER_ID"
ENV_SENDER_PASSWORD = "INTACCT_SENDER_PASSWORD"
ENV_USER_PASSWORD = "INTACCT_USER_PASSWORD"
ENV_ENDPOINT = "INTACCT_ENDPOINT_URL"

# Company ids name the cassette file too, so they must be safe as a file name.
_COMPANY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_USER_ID = re.compile(r"[^\s<>]{1,80}")
_SIGNOFF = re.compile(r"(?P<name>[^<>\r\n]*[^<>\s][^<>\r\n]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")


class SettingsError(ValueError):
    """Bad or missing input; the message is one line saying what is wrong and what to do."""


@dataclass(frozen=True)
class SignOff:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Settings:
    company_id: str
    user_id: str
    sender_id: str
    endpoint: str
    gl_account: str
    mode: str
    cassette_dir: Path
    udd: bool = False
    write_probe: bool = False
    attested: tuple[str, ...] = ()
    signoff: SignOff | None = None
    ticket: str | None = None
    json_path: Path | None = None
    sender_password: str = field(default="", repr=False)
    user_password: str = field(default="", repr=False)

    @property
    def cassette_path(self) -> Path:
        return self.cassette_dir / f"{self.company_id}.yaml"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for secret in (self.sender_password, self.user_password) if secret)


@dataclass(frozen=True)
class RawOptions:
    """What pytest parsed; ``None`` means "not given on the command line"."""

    company: str | None = None
    user: str | None = None
    sender_id: str | None = None
    endpoint: str | None = None
    gl_account: str | None = None
    udd: bool = False
    write_probe: bool = False
    attest: Sequence[str] = ()
    mode: str | None = None
    cassettes: str | None = None
    signoff: str | None = None
    ticket: str | None = None
    json_path: str | None = None


def requested_company(options: RawOptions, environ: Mapping[str, str]) -> str | None:
    """The company the checks run against, or None when the plugin should stay out of the way."""
    if options.company is not None:
        return options.company
    # An exported-but-empty variable means "not set": it must not hijack unrelated pytest runs.
    return environ.get(ENV_COMPANY) or None


def _pick(option: str | None, flag: str, environ: Mapping[str, str], env_name: str, default: str) -> tuple[str, str]:
    """The value and the name to blame in a message: the option, else the variable, else the default."""
    if option is not None:
        return option, flag
    # Like INTACCT_COMPANY_ID, an exported-but-empty variable means "not set".
    if environ.get(env_name):
        return environ[env_name], f"{flag} (from {env_name})"
    return default, flag


def _ensure_writable_directory(directory: Path, option: str) -> None:
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


def _sendable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(character) < 32 or ord(character) == 127 for character in value)


def _validate_endpoint(url: str, label: str) -> str:
    try:
        return validate_endpoint(url)
    except ConfigurationError as error:
        raise SettingsError(f"{label}: {error.message}") from None


def resolve_settings(
    options: RawOptions, environ: Mapping[str, str], rootdir: Path, invocation_dir: Path | None = None
) -> Settings:
    """``rootdir`` anchors the default cassette directory; relative paths given by the user are theirs."""
    company = requested_company(options, environ)
    if company is None:
        raise SettingsError(f"no company: pass --intacct-company=ID or set {ENV_COMPANY}")
    company = company.strip()
    if not company:
        raise SettingsError(
            "--intacct-company is empty; pass the customer's Intacct company ID, e.g. --intacct-company=ACME"
        )
    if not _COMPANY_ID.fullmatch(company):
        raise SettingsError(
            f"--intacct-company {company!r} is not an Intacct company ID; use letters, digits, '-', '_' or '.' "
            "(at most 64 characters)"
        )

    user, label = _pick(options.user, "--intacct-user", environ, ENV_USER, DEFAULT_USER)
    user = user.strip()
    if not _USER_ID.fullmatch(user) or not _sendable(user):
        raise SettingsError(f"{label} {user!r} is not a valid user ID; pass e.g. --intacct-user={DEFAULT_USER}")

    sender_id, label = _pick(options.sender_id, "--intacct-sender-id", environ, ENV_SENDER_ID, DEFAULT_SENDER_ID)
    if not sender_id.strip() or not _sendable(sender_id) or len(sender_id) > 80:
        raise SettingsError(f"{label} is empty or malformed; pass e.g. --intacct-sender-id='{DEFAULT_SENDER_ID}'")

    endpoint, label = _pick(options.endpoint, "--intacct-endpoint", environ, ENV_ENDPOINT, DEFAULT_ENDPOINT)
    endpoint = _validate_endpoint(endpoint.strip(), label)
    try:
        Timeouts.from_environment(environ)
    except ConfigurationError as error:
        raise SettingsError(error.message) from None

    gl_account = (options.gl_account if options.gl_account is not None else DEFAULT_GL_ACCOUNT).strip()
    if not gl_account or not _sendable(gl_account) or len(gl_account) > 100:
        raise SettingsError(
            "--intacct-gl-account is empty or malformed; pass the PEX GL account's number or title, "
            f"e.g. --intacct-gl-account='{DEFAULT_GL_ACCOUNT}'"
        )

    mode = options.mode if options.mode is not None else "live"
    if mode not in MODES:
        raise SettingsError(f"--intacct-mode {mode!r} is not one of {', '.join(MODES)}")

    cassettes = options.cassettes if options.cassettes is not None else DEFAULT_CASSETTES
    if not cassettes.strip():
        raise SettingsError("--intacct-cassettes is empty; pass a directory, e.g. --intacct-cassettes=cassettes")
    cassette_dir = Path(cassettes)
    if not cassette_dir.is_absolute():
        # The default belongs to the project (its rootdir); a path the user typed is relative to where they are.
        base = rootdir if options.cassettes is None else (invocation_dir or Path.cwd())
        cassette_dir = base / cassette_dir
    if cassette_dir.exists() and not cassette_dir.is_dir():
        raise SettingsError(f"--intacct-cassettes {cassettes!r} exists and is not a directory")

    signoff = None
    if options.signoff is not None:
        match = _SIGNOFF.fullmatch(options.signoff.strip())
        if not match or not _sendable(options.signoff):
            raise SettingsError(
                f'--intacct-signoff {options.signoff!r} is not of the form "Name <email>", '
                'e.g. --intacct-signoff="Dana Smith <dana@pex.example>"'
            )
        signoff = SignOff(match.group("name").strip(), match.group("email"))

    ticket = None
    if options.ticket is not None:
        ticket = options.ticket.strip()
        if not ticket or not _sendable(ticket) or len(ticket) > 100:
            raise SettingsError("--intacct-ticket is empty or malformed; pass the ticket reference, e.g. PEX-1234")

    attested: list[str] = []
    for requirement_id in options.attest:
        requirement_id = requirement_id.strip()
        if requirement_id not in BY_ID:
            raise SettingsError(
                f"--intacct-attest {requirement_id!r} is not a requirement ID; the attestable ones are "
                f"{', '.join(ATTESTABLE)}"
            )
        if requirement_id not in ATTESTABLE:
            raise SettingsError(
                f"--intacct-attest {requirement_id} is checked against Intacct and cannot be attested; "
                f"only {', '.join(ATTESTABLE)} can"
            )
        if requirement_id not in attested:
            attested.append(requirement_id)
    if attested and signoff is None:
        raise SettingsError('--intacct-attest needs --intacct-signoff="Name <email>" to record who attests')
    if ATTACHMENT_NUMBERING in attested and options.write_probe:
        raise SettingsError(
            "--intacct-attest=STEP1-ATTACHMENT-NUMBERING conflicts with --intacct-write-probe; "
            "either attest it or let the probe verify it, not both"
        )

    if mode == "record":
        _ensure_writable_directory(cassette_dir, "--intacct-cassettes")

    json_path = None
    if options.json_path is not None:
        if not options.json_path.strip():
            raise SettingsError("--intacct-json is empty; pass a file path, e.g. --intacct-json=results.json")
        json_path = Path(options.json_path)
        if json_path.is_dir():
            raise SettingsError(f"--intacct-json {options.json_path!r} is a directory; pass a file path")
        if not json_path.parent.is_dir() and json_path.parent != Path(""):
            raise SettingsError(f"--intacct-json: directory {str(json_path.parent)!r} does not exist; create it first")
        _ensure_writable_directory(json_path.parent if str(json_path.parent) else Path("."), "--intacct-json")
        if json_path.exists() and not os.access(json_path, os.W_OK):
            raise SettingsError(f"--intacct-json: {options.json_path!r} exists and cannot be overwritten")

    sender_password = environ.get(ENV_SENDER_PASSWORD, "")
    user_password = environ.get(ENV_USER_PASSWORD, "")
    for name, value in ((ENV_SENDER_PASSWORD, sender_password), (ENV_USER_PASSWORD, user_password)):
        if value and not _sendable(value):
            raise SettingsError(
                f"{name} contains characters a request cannot carry (control characters or undecodable bytes); "
                "set it to the password exactly as Intacct issued it"
            )
    if mode != "replay":
        missing = [
            name
            for name, value in ((ENV_SENDER_PASSWORD, sender_password), (ENV_USER_PASSWORD, user_password))
            if not value
        ]
        if missing:
            raise SettingsError(
                f"{' and '.join(missing)} not set: {mode} mode signs in to Intacct; export the password(s), "
                "or use --intacct-mode=replay to replay a recording"
            )
    else:
        # A replay never sends anything; passwords are irrelevant and never needed.
        sender_password = user_password = ""

    return Settings(
        company_id=company,
        user_id=user,
        sender_id=sender_id,
        endpoint=endpoint,
        gl_account=gl_account,
        mode=mode,
        cassette_dir=cassette_dir,
        udd=options.udd,
        write_probe=options.write_probe,
        attested=tuple(attested),
        signoff=signoff,
        ticket=ticket,
        json_path=json_path,
        sender_password=sender_password,
        user_password=user_password,
    )
