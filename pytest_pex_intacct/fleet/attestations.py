"""The attestation register (``--intacct-attestations=FILE``): what a person confirmed, so a nightly run
does not ask again. InSpec's waiver files are the model.

One ``[[attestation]]`` table per confirmation: ``company``, ``requirement``, ``by`` ("Name <email>"),
``on`` and ``expires`` (dates), ``reason``. Read with the standard library's ``tomllib`` while pytest
configures, before any traffic, bounded like the fleet file; every problem is one
:class:`~..config.option.SettingsError` line naming the file and the entry. A company the run does
not check is not an error: one register serves many runs. Whether an entry has expired is decided
against the date the caller hands in (the run's start), never the clock read here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from ..config.attestation import Attestation
from ..config.option import Given, SettingsError, sendable
from ..config.options import BY_FIELD
from ..config.settings import Settings
from ..config.validation import valid_attested, valid_company, valid_signoff
from .fleet_file import read_toml, shown

TABLE = "attestation"
_KEYS = ("company", "requirement", "by", "on", "reason", "expires")
FLAG = BY_FIELD["attestations_path"].flag
REASON_LIMIT = 500


@dataclass(frozen=True)
class RegisterEntry:
    """One entry of the register, as the file gives it."""

    company: str
    requirement: str
    by: str
    on: date
    reason: str
    expires: date

    def as_of(self, today: date) -> Attestation:
        return Attestation(self.requirement, self.by, self.on, self.reason, self.expires, expired=self.expires < today)


def read_register(path: Path, given: str | None = None) -> tuple[RegisterEntry, ...]:
    """The register's entries in file order, or a one-line SettingsError naming the file and the entry."""
    where = f"{FLAG} {str(path) if given is None else given!r}"
    data = read_toml(path, where, "attestation register")
    unknown = sorted(set(data) - {TABLE})
    if unknown:
        raise SettingsError(f"{where}: unknown top-level key {shown(unknown[0])!r}; list entries as [[{TABLE}]] tables")
    tables = data.get(TABLE, [])
    if not isinstance(tables, list):
        raise SettingsError(f"{where}: {TABLE!r} must be a list of [[{TABLE}]] tables")
    return tuple(_entry(table, f"{where}: [[{TABLE}]] #{number}") for number, table in enumerate(tables, start=1))


def _entry(table: object, where: str) -> RegisterEntry:
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise SettingsError(f"{where}: unknown key {shown(unknown[0])!r}; the keys are {', '.join(_KEYS)}")
    missing = [key for key in _KEYS if key not in table]
    if missing:
        raise SettingsError(f"{where}: {missing[0]!r} is missing; an entry gives {', '.join(_KEYS)}")
    texts = {key: _text(table, key, where) for key in ("company", "requirement", "by", "reason")}
    company = valid_company(Given(texts["company"], f"{where}: 'company'", explicit=True))
    requirement = valid_attested(Given(texts["requirement"], f"{where}: 'requirement'", explicit=True))
    by = str(valid_signoff(Given(texts["by"], f"{where}: 'by'", explicit=True)))
    reason = texts["reason"].strip()
    if not reason or not sendable(reason) or len(reason) > REASON_LIMIT:
        raise SettingsError(
            f"{where}: 'reason' must say what the person checked in Intacct, in plain text of at most "
            f"{REASON_LIMIT} characters"
        )
    on, expires = _date(table, "on", where), _date(table, "expires", where)
    if expires < on:
        raise SettingsError(f"{where}: 'expires' ({expires}) is before 'on' ({on})")
    return RegisterEntry(company, requirement, by, on, reason, expires)


def _text(table: dict[str, object], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise SettingsError(f"{where}: {key!r} must be a string, not a TOML {type(value).__name__}")
    return value


def _date(table: dict[str, object], key: str, where: str) -> date:
    value = table[key]
    # A TOML datetime is a Python date too; an attestation is dated by the day only.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SettingsError(f"{where}: {key!r} is not a date; write it as YYYY-MM-DD, e.g. {key} = 2026-12-31")


def for_company(entries: tuple[RegisterEntry, ...], company_id: str, today: date) -> tuple[Attestation, ...]:
    """The register's attestations of one company (company IDs ignore case, as Intacct's do), as of ``today``."""
    wanted = company_id.casefold()
    return tuple(entry.as_of(today) for entry in entries if entry.company.casefold() == wanted)


def by_company(entries: tuple[RegisterEntry, ...]) -> dict[str, tuple[RegisterEntry, ...]]:
    """The register's entries grouped by company (casefolded): a fleet looks each company up once, instead of
    reading the whole register per company (quadratic at a thousand companies)."""
    grouped: dict[str, list[RegisterEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.company.casefold(), []).append(entry)
    return {company: tuple(group) for company, group in grouped.items()}


def with_register(settings: Settings, today: date, entries: tuple[RegisterEntry, ...] | None = None) -> Settings:
    """``settings`` with its company's attestations from the register it names (read here unless given)."""
    if settings.attestations_path is None:
        return settings
    if entries is None:
        entries = read_register(settings.attestations_path)
    return replace(settings, attestations=for_company(entries, settings.company_id, today))
