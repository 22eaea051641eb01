"""The validators of the options' values: each turns what the user gave into a typed value, or raises a
one-line :class:`SettingsError` saying what is wrong and what to do. Stdlib only.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..intacct.endpoint import validate_endpoint
from ..intacct.errors import ConfigurationError
from ..requirements import CATALOGUE
from .option import (
    DEFAULT_CONCURRENCY,
    DEFAULT_GL_ACCOUNT,
    DEFAULT_SENDER_ID,
    DEFAULT_USER,
    MAX_CONCURRENCY,
    MODES,
    RECORD_MODES,
    Given,
    Mode,
    RecordMode,
    SettingsError,
    Shard,
    SignOff,
    sendable,
)

ATTESTABLE = tuple(requirement.id for requirement in CATALOGUE if requirement.attestable)

# Company ids name the cassette file too, so they must be safe as a file name.
_COMPANY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_USER_ID = re.compile(r"[^\s<>]{1,80}")
_SIGNOFF = re.compile(r"(?P<name>[^<>\r\n]*[^<>\s][^<>\r\n]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")


def valid_company(given: Given) -> str:
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


def valid_user(given: Given) -> str:
    user = given.value.strip()
    if not _USER_ID.fullmatch(user) or not sendable(user):
        raise SettingsError(f"{given.label} {user!r} is not a valid user ID; pass e.g. --intacct-user={DEFAULT_USER}")
    return user


def valid_sender_id(given: Given) -> str:
    if not given.value.strip() or not sendable(given.value) or len(given.value) > 80:
        raise SettingsError(f"{given.label} is empty or malformed; pass e.g. --intacct-sender-id='{DEFAULT_SENDER_ID}'")
    return given.value


def valid_endpoint(given: Given) -> str:
    try:
        return validate_endpoint(given.value.strip())
    except ConfigurationError as error:
        raise SettingsError(f"{given.label}: {error.message}") from None


def valid_gl_account(given: Given) -> str:
    account = given.value.strip()
    if not account or not sendable(account) or len(account) > 100:
        # repr: the value may hold what a terminal would act on; shown escaped, cut when long.
        shown = repr(account) if len(account) <= 100 else f"{account[:40]!r}… ({len(account)} characters)"
        raise SettingsError(
            f"{given.label} {shown} is empty or malformed; pass the PEX GL account's number or title, "
            f"e.g. --intacct-gl-account='{DEFAULT_GL_ACCOUNT}'"
        )
    return account


def valid_mode(given: Given) -> Mode:
    # Not argparse ``choices``: its error is a usage block of several lines, not one line.
    if given.value not in MODES:
        raise SettingsError(f"{given.label} {given.value!r} is not one of {', '.join(MODES)}")
    return Mode(given.value)


def valid_record_mode(given: Given) -> RecordMode:
    if given.value not in RECORD_MODES:
        raise SettingsError(f"{given.label} {given.value!r} is not one of {', '.join(RECORD_MODES)}")
    return RecordMode(given.value)


def valid_cassettes(given: Given) -> str:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass a directory, e.g. --intacct-cassettes=cassettes")
    return given.value


def valid_signoff(given: Given) -> SignOff:
    match = _SIGNOFF.fullmatch(given.value.strip())
    if not match or not sendable(given.value):
        raise SettingsError(
            f'{given.label} {given.value!r} is not of the form "Name <email>", '
            'e.g. --intacct-signoff="Dana Smith <dana@pex.example>"'
        )
    return SignOff(match.group("name").strip(), match.group("email"))


def valid_ticket(given: Given) -> str:
    ticket = given.value.strip()
    if not ticket or not sendable(ticket) or len(ticket) > 100:
        raise SettingsError(f"{given.label} is empty or malformed; pass the ticket reference, e.g. PEX-1234")
    return ticket


def valid_json_path(given: Given) -> Path:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass a file path, e.g. --intacct-json=results.json")
    path = Path(given.value)
    if path.is_dir():
        raise SettingsError(f"{given.label} {given.value!r} is a directory; pass a file path")
    if str(path.parent) and not path.parent.is_dir():
        raise SettingsError(f"{given.label}: directory {str(path.parent)!r} does not exist; create it first")
    return path


def valid_fleet(given: Given) -> Path:
    if not given.value.strip():
        raise SettingsError(f"{given.label} is empty; pass the fleet file, e.g. --intacct-fleet=fleet.toml")
    return Path(given.value)


def valid_attestations(given: Given) -> Path:
    path = Path(given.value)
    if not given.value.strip() or not path.exists():
        raise SettingsError(
            f"{given.label} {given.value!r}: no such file; pass the attestation register, "
            "e.g. --intacct-attestations=attestations.toml"
        )
    return path


def valid_concurrency(given: Given) -> int:
    value = given.value.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_CONCURRENCY:
        raise SettingsError(
            f"{given.label} {given.value!r} is not a number of companies from 1 to {MAX_CONCURRENCY}, "
            f"e.g. --intacct-concurrency={DEFAULT_CONCURRENCY}"
        )
    return int(value)


_SHARD = re.compile(r"(?P<index>[0-9]{1,4})/(?P<count>[0-9]{1,4})")


def valid_shard(given: Given) -> Shard:
    match = _SHARD.fullmatch(given.value.strip())
    if not match or not 1 <= int(match.group("index")) <= int(match.group("count")):
        raise SettingsError(
            f"{given.label} {given.value!r} is not K/N with 1 <= K <= N, e.g. --intacct-shard=1/4 for the first of four"
        )
    return Shard(int(match.group("index")), int(match.group("count")))


def valid_directory(given: Given) -> Path:
    path = Path(given.value)
    if not given.value.strip() or not path.is_dir():
        raise SettingsError(
            f"{given.label} {given.value!r} is not a directory; pass the --intacct-json DIR of an earlier run"
        )
    return path


def valid_history(given: Given) -> Path:
    # Whether it is a history that can be read and written is the fleet's to say (fleet/history_file.py).
    if not given.value.strip():
        raise SettingsError(
            f"{given.label} is empty; pass the run history's SQLite file, e.g. {given.label}=history.sqlite"
        )
    return Path(given.value)


def valid_attested(given: Given) -> str:
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
