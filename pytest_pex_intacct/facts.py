"""The company facts the checks assert on, read defensively from Intacct's records.

Each requirement's *reading* is decided here, before any check body runs: usable
:class:`~.sign_in.Evidence` (met or not, and what Intacct showed) or :class:`~.sign_in.Unavailable`
(the value is missing, empty or not one this tool recognises). Only recognised values may fail the
customer; anything else is an error (SPEC §3), so ``Check.prepare`` turns it into a setup error.

Where API-NOTES marks a field's shape **[unconfirmed]** (the e-mail path, ADMIN strings, the
owning entity) every plausible shape is accepted and the observed text says which one was seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

from .intacct.response import FieldValue, Record
from .sign_in import Evidence, Unavailable

Reading: TypeAlias = Evidence | Unavailable
"""One requirement's fact: usable evidence, or why it cannot be verified (blocked or error)."""

_TRUE = ("true", "t", "1", "yes", "y")
# An empty value is not "false": it decides nothing (SPEC §3, nothing unverified fails the customer).
_FALSE = ("false", "f", "0", "no", "n")


def _field(record: Record, path: str) -> str | None:
    """One field as text, or None when absent; a dotted path may be a flat key or nested records."""
    flat = record.get(path)
    if isinstance(flat, str):
        return flat
    value: FieldValue | None = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def present_fields(record: Record, *paths: str) -> tuple[tuple[str, str], ...]:
    """Every present field among ``paths`` as ``(path, value)``, in the order asked, empty ones included."""
    return tuple((path, value) for path in paths if (value := _field(record, path)) is not None)


def field_text(record: Record, *paths: str) -> tuple[str, str] | None:
    """The first present field among ``paths`` as ``(path, value)``; a dotted path may be nested or flat."""
    present = present_fields(record, *paths)
    return present[0] if present else None


def parse_bool(text: str) -> bool | None:
    """True or False for a recognised boolean spelling, None otherwise (empty included)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _recognise(text: str | None, meanings: Mapping[str, bool]) -> bool | None:
    """Case-insensitive lookup of an enum value; None for a missing, empty or unknown one."""
    return meanings.get(text.strip().lower()) if text is not None else None


EMAIL_PATHS = ("CONTACTINFO.EMAIL1", "EMAIL1", "CONTACTINFO.EMAIL", "EMAIL", "ACCOUNTEMAIL")
ENTITY_PATHS = ("MEGAENTITYID", "MEGAENTITYKEY", "MEGAENTITYNAME")

# USERTYPE labels and legacy one-letter codes (API-NOTES §3); True = Business.
_USER_TYPE_CODES = {
    "b": "business user",
    "e": "employee user",
    "r": "view only user",
    "w": "writeup user",
    "d": "dashboard user",
    "p": "project manager user",
    "c": "construction manager user",
    "a": "payment approver",
    "t": "platform user",
    "s": "CRM user",
    "h": "warehouse user",
}
_USER_TYPES = {
    "business": True,
    **{code: code == "b" for code in _USER_TYPE_CODES},
    **{label.lower(): code == "b" for code, label in _USER_TYPE_CODES.items()},
}
# ADMIN strings are unconfirmed (API-NOTES §3: "Full"/"Off" seen, "Limited"? and "false" in an
# example); only these decide, True = Full.
_ADMIN = {"full": True, "limited": False, "off": False, "false": False, "none": False, "no": False}
# GLACCOUNT enums (API-NOTES §4), with the legacy T/F status codes.
_GL_STATUS = {"active": True, "t": True, "inactive": False, "f": False}
_GL_NORMAL_BALANCE = {"debit": True, "credit": False}


@dataclass(frozen=True)
class UserRecord:
    """The checked user's USERINFO record as Intacct returned it, and one reading per requirement."""

    login_id: str
    record: Record
    session_location_id: str

    def get(self, *paths: str) -> tuple[str, str] | None:
        return field_text(self.record, *paths)

    @property
    def fields_seen(self) -> str:
        return ", ".join(sorted(self.record)) or "(none)"

    def _missing(self, name: str) -> Unavailable:
        return Unavailable(f"USERINFO has no {name} field (fields seen: {self.fields_seen})")

    def _unrecognised(self, name: str, value: str, expected: str) -> Unavailable:
        shown = f"a value this tool does not recognise ({value!r})" if value.strip() else "an empty value"
        return Unavailable(f"USERINFO {name} has {shown}; expected {expected}, so it cannot be judged")

    @property
    def web_services_only(self) -> Reading:
        """STEP3-WEB-SERVICES-USER: LOGINDISABLED=true marks a web-services-only user (API-NOTES §3)."""
        found = self.get("LOGINDISABLED")
        if found is None:
            return self._missing("LOGINDISABLED")
        value = parse_bool(found[1])
        if value is None:
            return self._unrecognised("LOGINDISABLED", found[1], "true or false")
        return Evidence(value, f"LOGINDISABLED={found[1]} (web-services-only: {'yes' if value else 'no'})")

    @property
    def top_level(self) -> Reading:
        """STEP3-ROOT-LEVEL: no owning entity, and a top-level session."""
        session = f"session entity {self.session_location_id!r}" if self.session_location_id else "top-level session"
        entities = present_fields(self.record, *ENTITY_PATHS)
        owning = [f"{path}={value}" for path, value in entities if value.strip()]
        if entities:
            shown = ", ".join(owning) or f"{', '.join(path for path, _ in entities)} empty"
            return Evidence(not owning and not self.session_location_id, f"{shown}; {session}")
        if self.session_location_id:
            return Evidence(False, f"USERINFO has no MEGAENTITY fields; {session}")
        # No field states the owner (unconfirmed on USERINFO): an entity-private record is returned at
        # the top level only with showprivate, which the read does not ask for (API-NOTES §3).
        return Evidence(
            True,
            "inferred: USERINFO has no MEGAENTITY fields, and the record is visible from a top-level session "
            "without showprivate, so it is not private to an entity (API-NOTES §3)",
        )

    @property
    def email(self) -> Reading:
        """STEP3-EMAIL: the first non-empty candidate field; the path it comes back under is unconfirmed."""
        present = present_fields(self.record, *EMAIL_PATHS)
        if not present:
            return Unavailable(
                f"USERINFO carries none of the e-mail fields {', '.join(EMAIL_PATHS)} (fields seen: {self.fields_seen})"
            )
        for path, value in present:
            if value.strip():
                return Evidence(True, f"{path}={value!r}")
        return Evidence(False, "; ".join(f"{path} is empty" for path, _ in present))

    @property
    def user_type(self) -> Reading:
        """STEP3-USER-TYPE: Business, as a label or a legacy one-letter code."""
        found = self.get("USERTYPE")
        if found is None:
            return self._missing("USERTYPE")
        business = _recognise(found[1], _USER_TYPES)
        if business is None:
            return self._unrecognised("USERTYPE", found[1], "a documented user type (API-NOTES §3)")
        label = _USER_TYPE_CODES.get(found[1].strip().lower())
        return Evidence(business, f"USERTYPE={found[1]!r}" + (f" ({label})" if label else ""))

    @property
    def admin(self) -> Reading:
        """STEP3-ADMIN-FULL: ADMIN is Full (case-insensitive)."""
        found = self.get("ADMIN")
        if found is None:
            return self._missing("ADMIN")
        full = _recognise(found[1], _ADMIN)
        if full is None:
            return self._unrecognised("ADMIN", found[1], "Full, Limited or Off (the strings are unconfirmed)")
        return Evidence(full, f"ADMIN={found[1]!r}")


@dataclass(frozen=True)
class RoleAssignments:
    """The user's roles from the listings that could be read (``sources``)."""

    roles: tuple[str, ...]
    sources: tuple[str, ...]
    # Why ROLEUSERS (computed: direct and group-inherited roles) could not be read; None when it was.
    computed_problem: str | None = None

    @property
    def reading(self) -> Reading:
        """STEP3-ROLE: any listed role is met; only the computed listing can show that there is none."""
        sources = ", ".join(self.sources)
        if self.roles:
            return Evidence(True, f"roles: {', '.join(repr(role) for role in self.roles)} (from {sources})")
        if self.computed_problem is None:
            return Evidence(False, f"roles: none (from {sources})")
        return Unavailable(
            f"ROLEUSERS unreadable ({self.computed_problem}); USERROLES lists no direct role, "
            "and roles inherited from user groups cannot be seen"
        )


@dataclass(frozen=True)
class GlAccount:
    """One GLACCOUNT record; None for a field the record does not carry."""

    account_no: str
    title: str
    normal_balance: str | None
    status: str | None

    def describe(self) -> str:
        def shown(value: str | None) -> str:
            return "(missing)" if value is None else value or "(empty)"

        return (
            f"GL account {self.account_no} {self.title!r}: NORMALBALANCE={shown(self.normal_balance)}, "
            f"STATUS={shown(self.status)}"
        )

    @property
    def reading(self) -> Reading:
        """Active with a Debit normal balance; a recognised "no" on either part fails the whole."""
        active = _recognise(self.status, _GL_STATUS)
        debit = _recognise(self.normal_balance, _GL_NORMAL_BALANCE)
        if active is False or debit is False:
            return Evidence(False, self.describe())
        if active is None:
            return Unavailable(f"{self.describe()}; STATUS is not active or inactive, so it cannot be judged")
        if debit is None:
            return Unavailable(f"{self.describe()}; NORMALBALANCE is not debit or credit, so it cannot be judged")
        return Evidence(True, self.describe())


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

    @property
    def reading(self) -> Reading:
        """STEP4-NORMAL-BALANCE: exactly one account named by ``wanted``, active and Debit."""
        matches = self.matches()
        if not matches:
            return Evidence(False, f"no GL account with number or title {self.wanted!r}")
        if len(matches) > 1:
            numbers = ", ".join(account.account_no for account in matches)
            return Evidence(
                False,
                f"{len(matches)} GL accounts match {self.wanted!r} ({numbers}); "
                "name one with --intacct-gl-account=NUMBER or give the PEX account a unique title",
            )
        return matches[0].reading


def gl_account(record: Record) -> GlAccount:
    def text(name: str) -> str | None:
        # 3.0 reads use upper-case names, legacy get_list lower-case ones (API-NOTES §4).
        found = field_text(record, name, name.lower())
        return found[1] if found else None

    return GlAccount(
        account_no=text("ACCOUNTNO") or "",
        title=text("TITLE") or "",
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
