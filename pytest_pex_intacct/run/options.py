"""Every command-line option of the checks, declared once: flag, environment variable, default, help,
validation, and whether it decides what is asked of Intacct (and so is stored in a recording).

``plugin.py`` registers the options from this table, ``run/settings.py`` resolves them, ``recording/record.py``
stores the asked ones in the cassette and ``recording/replay.py`` builds its commands from them. Adding an
option is one entry here plus, if the checks read it, one field of :class:`~.settings.Settings`.
Stdlib only: it is imported for every pytest run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from ..intacct.endpoint import DEFAULT_ENDPOINT, validate_endpoint
from ..intacct.errors import ConfigurationError
from ..requirements import CATALOGUE

DEFAULT_USER = "pex_connector"
DEFAULT_SENDER_ID = "PEX MPP"
DEFAULT_GL_ACCOUNT = "PEX GL Account"
DEFAULT_CASSETTES = "cassettes"


class Mode(StrEnum):
    """How a run reaches Intacct: directly, directly while recording, or only from a recording."""

    LIVE = "live"
    RECORD = "record"
    REPLAY = "replay"


MODES = tuple(Mode)
ATTESTABLE = tuple(requirement.id for requirement in CATALOGUE if requirement.attestable)

ENV_COMPANY = "INTACCT_COMPANY_ID"
ENV_SENDER_PASSWORD = "INTACCT_SENDER_PASSWORD"
ENV_USER_PASSWORD = "INTACCT_USER_PASSWORD"

Kind = Literal["text", "flag", "repeat"]


class SettingsError(ValueError):
    """Bad or missing input; the message is one line saying what is wrong and what to do."""


@dataclass(frozen=True)
class Given:
    """A value as the user supplied it, and the name to blame in a message about it."""

    value: str
    label: str
    # False when the value is the option's default: a default contradicts no recording.
    explicit: bool


Validator = Callable[[Given], object]


@dataclass(frozen=True)
class SignOff:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Option:
    flag: str
    # The Settings field it fills.
    field: str
    help: str
    kind: Kind = "text"
    metavar: str | None = None
    env: str | None = None
    default: str | None = None
    validate: Validator | None = None
    # Decides what is asked of Intacct: stored in the cassette under this key, and a replay
    # defaults to the stored value (an explicit different one is a usage error).
    recorded_as: str | None = None
    # A name Intacct finds whatever its case (the user signs in, the GL account is looked up either way):
    # typed in another case it asks for the same thing, e.g. as a recording holds it.
    any_case: bool = False

    def same(self, given: object, stored: object) -> bool:
        if self.any_case and isinstance(given, str) and isinstance(stored, str):
            return given.casefold() == stored.casefold()
        return given == stored

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def given(self, raw: object, environ: Mapping[str, str]) -> Given | None:
        """The user's value (the option, else its environment variable), else the default, else None."""
        if isinstance(raw, str):
            return Given(raw, self.flag, explicit=True)
        # An exported-but-empty variable means "not set", as for INTACCT_COMPANY_ID.
        if self.env and environ.get(self.env):
            return Given(environ[self.env], f"{self.flag} (from {self.env})", explicit=True)
        if self.default is not None:
            return Given(self.default, self.flag, explicit=False)
        return None

    def words(self, value: object) -> list[str]:
        """The command-line words that give ``value`` (for the commands a message suggests)."""
        if self.kind == "flag":
            return [self.flag] if value else []
        if self.kind == "repeat":
            return [f"{self.flag}={item}" for item in value] if isinstance(value, (list, tuple)) else []
        if value is None or (self.default is not None and str(value) == self.default):
            return []
        return [f"{self.flag}={value}"]


def sendable(value: str) -> bool:
    """Text that a request can carry: encodable, and without control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(character) < 32 or ord(character) == 127 for character in value)


# Company ids name the cassette file too, so they must be safe as a file name.
_COMPANY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_USER_ID = re.compile(r"[^\s<>]{1,80}")
_SIGNOFF = re.compile(r"(?P<name>[^<>\r\n]*[^<>\s][^<>\r\n]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")


def _company(given: Given) -> str:
    company = given.value.strip()
    if not company:
        raise SettingsError(
            f"{given.label} is empty; pass the customer's Intacct company ID, e.g. --intacct-company=ACME"
        )
    if not _COMPANY_ID.fullmatch(company):
        raise SettingsError(
            f"{given.label} {company!r} is not an Intacct company ID; use letters, digits, '-', '_' or '.' "
            "(at most 64 characters)"
        )
    return company


def _user(given: Given) -> str:
    user = given.value.strip()
    if not _USER_ID.fullmatch(user) or not sendable(user):
        raise SettingsError(f"{given.label} {user!r} is not a valid user ID; pass e.g. --intacct-user={DEFAULT_USER}")
    return user


def _sender_id(given: Given) -> str:
    if not given.value.strip() or not sendable(given.value) or len(given.value) > 80:
        raise SettingsError(f"{given.label} is empty or malformed; pass e.g. --intacct-sender-id='{DEFAULT_SENDER_ID}'")
    return given.value


def _endpoint(given: Given) -> str:
    try:
        return validate_endpoint(given.value.strip())
    except ConfigurationError as error:
        raise SettingsError(f"{given.label}: {error.message}") from None


def _gl_account(given: Given) -> str:
    account = given.value.strip()
    if not account or not sendable(account) or len(account) > 100:
        raise SettingsError(
            f"{given.label} is empty or malformed; pass the PEX GL account's number or title, "
            f"e.g. --intacct-gl-account='{DEFAULT_GL_ACCOUNT}'"
        )
    return account


def _mode(given: Given) -> Mode:
    # Not argparse ``choices``: its error is a usage block of several lines, not one line.
    if given.value not in MODES:
        raise SettingsError(f"{given.label} {given.value!r} is not one of {', '.join(MODES)}")
    return Mode(given.value)


def _cassettes(given: Given) -> str:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass a directory, e.g. --intacct-cassettes=cassettes")
    return given.value


def _signoff(given: Given) -> SignOff:
    match = _SIGNOFF.fullmatch(given.value.strip())
    if not match or not sendable(given.value):
        raise SettingsError(
            f'{given.label} {given.value!r} is not of the form "Name <email>", '
            'e.g. --intacct-signoff="Dana Smith <dana@pex.example>"'
        )
    return SignOff(match.group("name").strip(), match.group("email"))


def _ticket(given: Given) -> str:
    ticket = given.value.strip()
    if not ticket or not sendable(ticket) or len(ticket) > 100:
        raise SettingsError(f"{given.label} is empty or malformed; pass the ticket reference, e.g. PEX-1234")
    return ticket


def _json_path(given: Given) -> Path:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass a file path, e.g. --intacct-json=results.json")
    path = Path(given.value)
    if path.is_dir():
        raise SettingsError(f"{given.label} {given.value!r} is a directory; pass a file path")
    if str(path.parent) and not path.parent.is_dir():
        raise SettingsError(f"{given.label}: directory {str(path.parent)!r} does not exist; create it first")
    return path


def _fleet(given: Given) -> Path:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass the fleet file, e.g. --intacct-fleet=fleet.toml")
    return Path(given.value)


# A fleet never floods Intacct: at most this many companies are read at the same time.
MAX_CONCURRENCY = 32
DEFAULT_CONCURRENCY = 8


def _concurrency(given: Given) -> int:
    value = given.value.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_CONCURRENCY:
        raise SettingsError(
            f"{given.label} {given.value!r} is not a number of companies from 1 to {MAX_CONCURRENCY}, "
            f"e.g. --intacct-concurrency={DEFAULT_CONCURRENCY}"
        )
    return int(value)


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` disjoint slices of a fleet, by company id order."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


_SHARD = re.compile(r"(?P<index>[0-9]{1,4})/(?P<count>[0-9]{1,4})")


def _shard(given: Given) -> Shard:
    match = _SHARD.fullmatch(given.value.strip())
    if not match or not 1 <= int(match.group("index")) <= int(match.group("count")):
        raise SettingsError(
            f"{given.label} {given.value!r} is not K/N with 1 <= K <= N, e.g. --intacct-shard=1/4 for the first of four"
        )
    return Shard(int(match.group("index")), int(match.group("count")))


def _directory(given: Given) -> Path:
    path = Path(given.value)
    if not given.value.strip() or not path.is_dir():
        raise SettingsError(
            f"{given.label} {given.value!r} is not a directory; pass the --intacct-json DIR of an earlier run"
        )
    return path


def _attested(given: Given) -> str:
    requirement_id = given.value.strip()
    if requirement_id not in ATTESTABLE:
        known = any(requirement.id == requirement_id for requirement in CATALOGUE)
        if known:
            raise SettingsError(
                f"{given.label} {requirement_id} is checked against Intacct and cannot be attested; "
                f"only {', '.join(ATTESTABLE)} can"
            )
        raise SettingsError(
            f"{given.label} {requirement_id!r} is not a requirement ID; the attestable ones are {', '.join(ATTESTABLE)}"
        )
    return requirement_id


COMPANY = Option(
    "--intacct-company",
    "company_id",
    f"Intacct company ID to check; activates the checks (env {ENV_COMPANY})",
    metavar="ID",
    env=ENV_COMPANY,
    validate=_company,
)
MODE = Option(
    "--intacct-mode",
    "mode",
    "live (default), record (live, and write the run to a cassette) or replay (answer from the cassette: "
    "no network, no passwords; user, sender ID, GL account, --intacct-udd and --intacct-write-probe default "
    "to those of the recording)",
    metavar="{live,record,replay}",
    default="live",
    validate=_mode,
)
CASSETTES = Option(
    "--intacct-cassettes",
    "cassette_dir",
    "cassette directory; the file is <company>.yaml (default cassettes/ under the rootdir; a replay of a "
    "bundled demo company falls back to the copy installed with the plugin)",
    metavar="DIR",
    default=DEFAULT_CASSETTES,
    validate=_cassettes,
)

FLEET = Option(
    "--intacct-fleet",
    "fleet_path",
    "check every company listed in this TOML file instead of one --intacct-company: a [[company]] table per "
    "company with its id and optionally user, gl_account, udd, write_probe and password_env (the name of the "
    "environment variable holding that user's password; never the password itself)",
    metavar="FLEET.toml",
    validate=_fleet,
)

OPTIONS: tuple[Option, ...] = (
    COMPANY,
    Option(
        "--intacct-user",
        "user_id",
        f"Web Services user to check (env INTACCT_USER_ID; default {DEFAULT_USER})",
        metavar="ID",
        env="INTACCT_USER_ID",
        default=DEFAULT_USER,
        validate=_user,
        recorded_as="user",
        any_case=True,
    ),
    Option(
        "--intacct-sender-id",
        "sender_id",
        f"Web Services sender ID (env INTACCT_SENDER_ID; default '{DEFAULT_SENDER_ID}'). Passwords come only "
        f"from the environment: {ENV_SENDER_PASSWORD} and {ENV_USER_PASSWORD}",
        metavar="ID",
        env="INTACCT_SENDER_ID",
        default=DEFAULT_SENDER_ID,
        validate=_sender_id,
        recorded_as="sender_id",
    ),
    Option(
        "--intacct-endpoint",
        "endpoint",
        f"XML gateway URL (env INTACCT_ENDPOINT_URL; default {DEFAULT_ENDPOINT})",
        metavar="URL",
        env="INTACCT_ENDPOINT_URL",
        default=DEFAULT_ENDPOINT,
        validate=_endpoint,
    ),
    Option(
        "--intacct-gl-account",
        "gl_account",
        f"the PEX GL account's number or title (default title '{DEFAULT_GL_ACCOUNT}')",
        metavar="NUMBER_OR_TITLE",
        default=DEFAULT_GL_ACCOUNT,
        validate=_gl_account,
        recorded_as="gl_account",
        any_case=True,
    ),
    Option(
        "--intacct-udd",
        "udd",
        "also check the optional UDD-READ requirement (optional: user-defined dimensions)",
        kind="flag",
        recorded_as="udd",
    ),
    Option(
        "--intacct-write-probe",
        "write_probe",
        "verify Step 1 (attachment numbering) by creating and deleting one attachment: the only write ever "
        "made; a successful probe uses up one number of the Attachments sequence",
        kind="flag",
        recorded_as="write_probe",
    ),
    Option(
        "--intacct-attest",
        "attested",
        f"attest a requirement Intacct cannot show ({', '.join(ATTESTABLE)}) as the --intacct-signoff "
        "person, after checking it in Intacct; repeatable",
        kind="repeat",
        metavar="ID",
        validate=_attested,
    ),
    MODE,
    CASSETTES,
    Option(
        "--intacct-signoff",
        "signoff",
        "who signs the report off; without it the report is a DRAFT",
        metavar="NAME <EMAIL>",
        validate=_signoff,
    ),
    Option("--intacct-ticket", "ticket", "customer ticket reference for the report", metavar="REF", validate=_ticket),
    Option(
        "--intacct-json",
        "json_path",
        "write the results document (JSON, one entry per requirement) to PATH; with --intacct-fleet, PATH is a "
        "directory: one document per company (<company>.json) and fleet.json",
        metavar="PATH",
        validate=_json_path,
    ),
    FLEET,
    Option(
        "--intacct-concurrency",
        "concurrency",
        f"with --intacct-fleet: how many companies are read at the same time (default {DEFAULT_CONCURRENCY}, "
        f"at most {MAX_CONCURRENCY})",
        metavar="N",
        default=str(DEFAULT_CONCURRENCY),
        validate=_concurrency,
    ),
    Option(
        "--intacct-shard",
        "shard",
        "with --intacct-fleet: check only the K-th of N disjoint slices of the companies (by company ID order), "
        "to split a fleet over CI jobs",
        metavar="K/N",
        validate=_shard,
    ),
    Option(
        "--intacct-baseline",
        "baseline_dir",
        "with --intacct-fleet: compare with the per-company results documents in DIR (the --intacct-json of an "
        "earlier run) and report every requirement whose outcome changed",
        metavar="DIR",
        validate=_directory,
    ),
)

# Options that only a fleet run reads; a single-company run refuses them rather than ignore them.
FLEET_ONLY: tuple[Option, ...] = tuple(
    option for option in OPTIONS if option.field in ("concurrency", "shard", "baseline_dir")
)

BY_FIELD = {option.field: option for option in OPTIONS}
RECORDED = tuple(option for option in OPTIONS if option.recorded_as)
