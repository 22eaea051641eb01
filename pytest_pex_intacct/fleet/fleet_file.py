"""The fleet file (``--intacct-fleet=fleet.toml``): which companies to check, and how, one table each.

Standard library only (``tomllib``): it is read while pytest configures, before any traffic. Every
problem is one :class:`~..config.option.SettingsError` line naming the file and the entry. Passwords are
never in the file: an entry names the environment variable that holds its user's password.

The file is not trusted to be an ordinary small file, nor its values to be fit for a terminal: it is
read bounded (regular files only), and a value is shown escaped wherever it is not plainly printable.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..bounded_read import FileTooLarge, NotARegularFile, read_regular_file
from ..config.option import SettingsError

_T = TypeVar("_T")
TABLE = "company"
_KEYS = ("id", "user", "gl_account", "udd", "write_probe", "password_env")
# What a POSIX shell accepts as a variable name: anything else could never have been exported.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A company entry takes a few lines: a megabyte lists thousands of companies.
SIZE_LIMIT = 1 << 20


def shown(value: str) -> str:
    """``value`` as a message may print it: itself when plainly printable, else escaped like a repr.

    A terminal obeys an escape sequence (``\\x1b[31m``, or a C1 control) and a bidi override (U+202E)
    reorders what follows it, so a value from a file never reaches a message raw unless it is plain text.
    """
    return value if value.isprintable() else repr(value)


@dataclass(frozen=True)
class FleetEntry:
    """One company of the fleet as the file lists it; None means "as the command line says"."""

    company_id: str
    user: str | None = None
    gl_account: str | None = None
    udd: bool | None = None
    write_probe: bool | None = None
    password_env: str | None = None


def read_toml(path: Path, where: str, what: str, refusal_hint: str = "") -> dict[str, object]:
    """A small TOML file named on the command line (the fleet file, the attestation register), read
    bounded: its data, or one SettingsError line starting with ``where``."""
    try:
        text = read_regular_file(path, SIZE_LIMIT).data.decode("utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{where}: no such file") from None
    except NotARegularFile as error:
        raise SettingsError(f"{where}: {error.kind}, not {_article(what)} {what}{refusal_hint}") from None
    except FileTooLarge:
        raise SettingsError(f"{where}: larger than {SIZE_LIMIT >> 20} MB, more than any {what}") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise SettingsError(f"{where}: cannot be read ({reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{where}: not valid TOML ({error})") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: a few thousand brackets exhaust the stack.
        raise SettingsError(f"{where}: not valid TOML (nested too deeply)") from None


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def read_fleet_file(path: Path, given: str | None = None) -> tuple[FleetEntry, ...]:
    """The entries of the fleet file, in file order, or a one-line SettingsError naming the entry.

    ``given`` is the file as the user typed it (``path`` may be resolved against the invocation
    directory): every message names it so, as every other message about the fleet does.
    """
    where = f"--intacct-fleet {str(path) if given is None else given!r}"
    data = read_toml(path, where, "fleet file", "; pass the fleet's TOML file")
    unknown = sorted(set(data) - {TABLE})
    if unknown:
        raise SettingsError(f"{where}: unknown top-level key {unknown[0]!r}; list companies as [[{TABLE}]] tables")
    tables = data.get(TABLE)
    if not isinstance(tables, list) or not tables:
        raise SettingsError(f"{where}: no companies; list each as a [[{TABLE}]] table with an id")
    entries: list[FleetEntry] = []
    # Intacct company IDs ignore case: ACME and acme are one company (and would share its files
    # on a case-insensitive file system), so they are compared casefolded.
    seen: dict[str, tuple[int, str]] = {}
    for number, table in enumerate(tables, start=1):
        entry = _entry(table, f"{where}: [[{TABLE}]] #{number}")
        first = seen.get(entry.company_id.casefold())
        if first is not None:
            first_number, first_id = first
            also = (
                ""
                if first_id == entry.company_id
                else f" (#{first_number} lists it as {first_id!r}; company IDs ignore case)"
            )
            raise SettingsError(f"{where}: [[{TABLE}]] #{number}: company {entry.company_id!r} is listed twice{also}")
        seen[entry.company_id.casefold()] = (number, entry.company_id)
        entries.append(entry)
    return tuple(entries)


def _entry(table: object, where: str) -> FleetEntry:
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: must be a table")
    company_id = table.get("id")
    if not isinstance(company_id, str) or not company_id.strip():
        raise SettingsError(f"{where}: 'id' (the Intacct company ID, a string) is missing or empty")
    # Stripped as --intacct-company is: " ACME" and "ACME" are one company, and must meet as duplicates.
    company_id = company_id.strip()
    where = f"{where} ({shown(company_id)})"
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise SettingsError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(_KEYS)}")
    strings = {key: _typed(table, key, str, where) for key in ("user", "gl_account", "password_env")}
    flags = {key: _typed(table, key, bool, where) for key in ("udd", "write_probe")}
    password_env = strings["password_env"]
    if password_env is not None and not _ENV_NAME.fullmatch(password_env):
        raise SettingsError(
            f"{where}: 'password_env' must be the name of an environment variable (e.g. ACME_INTACCT_PASSWORD), "
            "never a password"
        )
    return FleetEntry(
        company_id=company_id,
        user=strings["user"],
        gl_account=strings["gl_account"],
        udd=flags["udd"],
        write_probe=flags["write_probe"],
        password_env=password_env,
    )


def _typed(table: dict[str, object], key: str, kind: type[_T], where: str) -> _T | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, kind):
        wanted = "true or false" if kind is bool else "a string"
        # The value itself is not repeated: a misplaced password must not reach a CI log.
        raise SettingsError(f"{where}: {key!r} must be {wanted}, not a TOML {type(value).__name__}")
    return value
