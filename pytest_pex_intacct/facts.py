"""The company facts the checks assert on, read defensively from Intacct's records.

Where API-NOTES marks a field's shape **[unconfirmed]** (the e-mail path, ADMIN strings, the
owning entity) every plausible shape is accepted and the observed text says which one was seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from .intacct.response import FieldValue, Record

_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n", "")


def field_text(record: Record, *paths: str) -> tuple[str, str] | None:
    """The first present field among ``paths`` as ``(path, value)``; a dotted path may be nested or flat."""
    for path in paths:
        if path in record and isinstance(record[path], str):
            return path, str(record[path])
        value: FieldValue | None = record
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            return path, value
    return None


def parse_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


EMAIL_PATHS = ("CONTACTINFO.EMAIL1", "EMAIL1", "CONTACTINFO.EMAIL", "EMAIL", "ACCOUNTEMAIL")
ENTITY_PATHS = ("MEGAENTITYID", "MEGAENTITYKEY", "MEGAENTITYNAME")


@dataclass(frozen=True)
class UserRecord:
    """The checked user's USERINFO record as Intacct returned it."""

    login_id: str
    record: Record
    session_location_id: str

    def get(self, *paths: str) -> tuple[str, str] | None:
        return field_text(self.record, *paths)

    @property
    def email(self) -> tuple[str, str] | None:
        return self.get(*EMAIL_PATHS)

    @property
    def fields_seen(self) -> str:
        return ", ".join(sorted(self.record)) or "(none)"


@dataclass(frozen=True)
class RoleAssignments:
    roles: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GlAccount:
    account_no: str
    title: str
    normal_balance: str
    status: str

    def describe(self) -> str:
        return (
            f"GL account {self.account_no} {self.title!r}: NORMALBALANCE={self.normal_balance or '(empty)'}, "
            f"STATUS={self.status or '(empty)'}"
        )


@dataclass(frozen=True)
class GlLookup:
    wanted: str
    accounts: tuple[GlAccount, ...]

    def matches(self) -> tuple[GlAccount, ...]:
        """Accounts named by ``wanted``: an exact account number wins over titles."""
        by_number = tuple(account for account in self.accounts if account.account_no == self.wanted)
        if by_number:
            return by_number
        return tuple(account for account in self.accounts if account.title.strip().lower() == self.wanted.lower())


def gl_account(record: Record) -> GlAccount:
    def text(name: str) -> str:
        found = field_text(record, name, name.lower())
        return found[1] if found else ""

    return GlAccount(
        account_no=text("ACCOUNTNO"),
        title=text("TITLE"),
        normal_balance=text("NORMALBALANCE"),
        status=text("STATUS"),
    )


@dataclass(frozen=True)
class UddAccess:
    object_name: str
    label: str
    readable: bool
    detail: str


@dataclass(frozen=True)
class UddReadability:
    dimensions: tuple[UddAccess, ...]


@dataclass(frozen=True)
class ProbeOutcome:
    """What the opt-in attachment write probe showed, and what it left behind."""

    numbered: bool
    observed: str
    cleanup_problems: tuple[str, ...] = ()
