"""The company facts the checks assert on, read defensively from Intacct's records.

Each requirement's *reading* is decided here, before any check body runs (see :mod:`.readings`).
Only a field whose meaning is established may fail the customer. A field that is missing, empty
or holds a value this tool does not recognise is an error; a listing that may be empty for reasons
other than the setting, or an inference, needs a person (manual) and is never a pass on its own.

Where public material does not settle a field's shape it is marked **[unconfirmed]** here: every
plausible shape is accepted, and the observed text names the raw field it came from, so the first
recorded run against a real company shows what Intacct really sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from ..intacct.response import FieldValue, Record
from .readings import NeedsPerson, NotApplicable, Observed, Reading, Unavailable

EnumT = TypeVar("EnumT", bound=Enum)

_TRUE = ("true", "t", "1", "yes", "y")
# An empty value is not "false": it decides nothing (nothing unverified fails the customer).
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


def leaf_fields(record: Record, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every text field of a record as ``(dotted path, value)``, nested records flattened."""
    for name, value in record.items():
        path = f"{prefix}.{name}" if prefix and name else prefix or name
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            yield from leaf_fields(value, path)
        else:
            for item in value:
                yield from leaf_fields(item, path)


def parse_bool(text: str) -> bool | None:
    """True or False for a recognised boolean spelling, None otherwise (empty included)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _recognise(text: str | None, meanings: Mapping[str, EnumT]) -> EnumT | None:
    """Case-insensitive lookup of an enum value; None for a missing, empty or unknown one."""
    return meanings.get(text.strip().lower()) if text is not None else None


ENTITY_PATHS = ("MEGAENTITYID", "MEGAENTITYKEY", "MEGAENTITYNAME")


class FactEnum(Enum):
    """An enum whose repr reads like the code that names it, in pytest's assertion reports."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class UserType(FactEnum):
    """USERINFO USERTYPE, as Intacct labels it."""

    BUSINESS = "business user"
    EMPLOYEE = "employee user"
    VIEW_ONLY = "view only user"
    WRITEUP = "writeup user"
    DASHBOARD = "dashboard user"
    PROJECT_MANAGER = "project manager user"
    CONSTRUCTION_MANAGER = "construction manager user"
    PAYMENT_APPROVER = "payment approver"
    PLATFORM = "platform user"
    CRM = "CRM user"
    WAREHOUSE = "warehouse user"


# Legacy readByQuery answers use one-letter codes.
_USER_TYPE_CODES = {
    "b": UserType.BUSINESS, "e": UserType.EMPLOYEE, "r": UserType.VIEW_ONLY, "w": UserType.WRITEUP,
    "d": UserType.DASHBOARD, "p": UserType.PROJECT_MANAGER, "c": UserType.CONSTRUCTION_MANAGER,
    "a": UserType.PAYMENT_APPROVER, "t": UserType.PLATFORM, "s": UserType.CRM, "h": UserType.WAREHOUSE,
}  # fmt: skip
_USER_TYPES = {
    "business": UserType.BUSINESS,
    **_USER_TYPE_CODES,
    **{member.value.lower(): member for member in UserType},
}


class AdminPrivileges(FactEnum):
    """USERINFO ADMIN: the guide's "Admin Privileges"."""

    FULL = "Full"
    LIMITED = "Limited"
    OFF = "Off"


# ADMIN strings on USERINFO are [unconfirmed] ("Full"/"Off" seen on USERRESTRICTION, "false" in a
# create example); only these are recognised.
_ADMIN = {
    "full": AdminPrivileges.FULL, "limited": AdminPrivileges.LIMITED, "off": AdminPrivileges.OFF,
    "false": AdminPrivileges.OFF, "none": AdminPrivileges.OFF, "no": AdminPrivileges.OFF,
}  # fmt: skip


class Placement(FactEnum):
    """Where the user sits in a multi-entity company."""

    TOP_LEVEL = "top level"
    OWNED_BY_ENTITY = "owned by an entity"
    RESTRICTED_TO_ENTITIES = "restricted to entities"


class AccountStatus(FactEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class NormalBalance(FactEnum):
    DEBIT = "debit"
    CREDIT = "credit"


_GL_STATUS = {"active": AccountStatus.ACTIVE, "t": AccountStatus.ACTIVE, "inactive": AccountStatus.INACTIVE,
              "f": AccountStatus.INACTIVE}  # fmt: skip
_GL_NORMAL_BALANCE = {"debit": NormalBalance.DEBIT, "credit": NormalBalance.CREDIT}


@dataclass(frozen=True)
class UserRestriction:
    """The user's USERRESTRICTION rows: whether it may reach every entity, and the entities it is limited to.

    Read with ``query`` (one row per location, flat ``LOCATIONID``) or the legacy nested
    ``LOCATIONS/LOCATION/LOCATIONID`` shape: both are accepted.
    """

    unrestricted: tuple[str, ...]
    locations: tuple[str, ...]

    @classmethod
    def from_records(cls, records: tuple[Record, ...]) -> UserRestriction:
        flags: list[str] = []
        locations: list[str] = []
        for record in records:
            found = field_text(record, "UNRESTRICTED", "unrestricted")
            if found is not None:
                flags.append(found[1])
            for path, value in leaf_fields(record):
                if path.upper().endswith("LOCATIONID") and value.strip() and value.strip() not in locations:
                    locations.append(value.strip())
        return cls(tuple(flags), tuple(locations))

    def describe(self) -> str:
        flags = ", ".join(sorted(set(self.unrestricted))) or "(missing)"
        limited = ", ".join(self.locations) or "none"
        return f"USERRESTRICTION UNRESTRICTED={flags}, locations limited to: {limited}"

    @property
    def unrestricted_flag(self) -> bool | None:
        """True/False when every row agrees on a recognised value; None otherwise."""
        values = {parse_bool(flag) for flag in self.unrestricted}
        return values.pop() if len(values) == 1 else None


@dataclass(frozen=True)
class UserRecord:
    """The checked user's USERINFO record as Intacct returned it, and one reading per requirement."""

    login_id: str
    record: Record
    session_location_id: str
    # The USERRESTRICTION rows, or why they could not be read.
    restriction: UserRestriction | Unavailable = field(default=Unavailable("USERRESTRICTION was not read"))

    def get(self, *paths: str) -> tuple[str, str] | None:
        return field_text(self.record, *paths)

    @property
    def fields_seen(self) -> str:
        return ", ".join(sorted(path for path, _ in leaf_fields(self.record))) or "(none)"

    def _missing(self, name: str) -> Unavailable:
        return Unavailable(f"USERINFO has no {name} field (fields seen: {self.fields_seen})")

    def _unrecognised(self, name: str, value: str, expected: str) -> Unavailable:
        shown = f"a value this tool does not recognise ({value!r})" if value.strip() else "an empty value"
        return Unavailable(f"USERINFO {name} has {shown}; expected {expected}, so it cannot be judged")

    # -- the typed facts a check body judges (None: not shown or not recognised; the reading says why)

    @property
    def web_services_only(self) -> bool | None:
        """LOGINDISABLED=true marks a web-services-only user (it may not sign in to the UI)."""
        found = self.get("LOGINDISABLED")
        return parse_bool(found[1]) if found else None

    @property
    def user_type(self) -> UserType | None:
        found = self.get("USERTYPE")
        return _recognise(found[1], _USER_TYPES) if found else None

    @property
    def admin_privileges(self) -> AdminPrivileges | None:
        found = self.get("ADMIN")
        return _recognise(found[1], _ADMIN) if found else None

    @property
    def email_addresses(self) -> tuple[str, ...]:
        """Every non-empty e-mail field, whatever its path.

        The Web Services user form's "Email address" need not be the contact's CONTACTINFO.EMAIL1, and
        the path it is read back under is [unconfirmed]: every field named like an e-mail counts.
        """
        return tuple(value for _, value in self._email_fields if value.strip())

    @property
    def placement(self) -> Placement | None:
        """Owned by an entity (a MEGAENTITY field with a value), restricted to entities (USERRESTRICTION),
        or top level only when USERRESTRICTION says UNRESTRICTED=true and nothing points at an entity;
        None when nothing establishes it.

        A sign-in that landed in an entity points at an entity-owned user, but that reading of the
        session's location is an inference [unconfirmed]: it only keeps the placement from being
        established (a person settles it), never fails the user on its own.
        """
        if any(value.strip() for _, value in present_fields(self.record, *ENTITY_PATHS)):
            return Placement.OWNED_BY_ENTITY
        restriction = self.restriction
        flag = restriction.unrestricted_flag if isinstance(restriction, UserRestriction) else None
        if flag is False and isinstance(restriction, UserRestriction) and restriction.locations:
            return Placement.RESTRICTED_TO_ENTITIES
        if flag is True and not self.session_location_id:
            return Placement.TOP_LEVEL
        return None

    # -- readings: whether the fact is established, and what Intacct showed

    @property
    def _email_fields(self) -> list[tuple[str, str]]:
        return [(path, value) for path, value in leaf_fields(self.record) if "EMAIL" in path.upper()]

    def _enum_reading(self, name: str, meanings: Mapping[str, Enum], expected: str) -> Reading:
        found = self.get(name)
        if found is None:
            return self._missing(name)
        value = _recognise(found[1], meanings)
        if value is None:
            return self._unrecognised(name, found[1], expected)
        return Observed(
            f"{name}={found[1]!r}" + (f" ({value.value})" if found[1].strip().lower() != value.value.lower() else "")
        )

    @property
    def web_services_only_reading(self) -> Reading:
        found = self.get("LOGINDISABLED")
        if found is None:
            return self._missing("LOGINDISABLED")
        value = parse_bool(found[1])
        if value is None:
            return self._unrecognised("LOGINDISABLED", found[1], "true or false")
        return Observed(f"LOGINDISABLED={found[1]} (web-services-only: {'yes' if value else 'no'})")

    @property
    def user_type_reading(self) -> Reading:
        return self._enum_reading("USERTYPE", _USER_TYPES, "a documented user type")

    @property
    def admin_reading(self) -> Reading:
        return self._enum_reading("ADMIN", _ADMIN, "Full, Limited or Off")

    @property
    def email_reading(self) -> Reading:
        present = self._email_fields
        if not present:
            return Unavailable(f"USERINFO carries no e-mail field (fields seen: {self.fields_seen})")
        filled = [(path, value) for path, value in present if value.strip()]
        if filled:
            return Observed(", ".join(f"{path}={value!r}" for path, value in filled))
        return Observed("every e-mail field USERINFO returned is empty: " + ", ".join(p for p, _ in present))

    @property
    def placement_reading(self) -> Reading:
        entities = present_fields(self.record, *ENTITY_PATHS)
        owning = [f"{path}={value}" for path, value in entities if value.strip()]
        if entities:
            owner = ", ".join(owning) or f"{', '.join(path for path, _ in entities)} empty"
        else:
            # Whether USERINFO carries the MEGAENTITY fields at all is [unconfirmed].
            owner = "USERINFO has no MEGAENTITY fields"
        session = (
            f"sign-in landed in entity {self.session_location_id!r}"
            if self.session_location_id
            else "sign-in at the top level"
        )
        restriction = self.restriction
        restricted = restriction.describe() if isinstance(restriction, UserRestriction) else restriction.reason
        observed = f"{owner}; {session}; {restricted}"
        if self.placement is None:
            return NeedsPerson(
                f"{observed}. None of these establishes where the user was created: check at the top level of the "
                f"company (not inside an entity) that {self.login_id!r} is listed under Web Services users"
            )
        return Observed(observed)


class RoleCatalogue(Enum):
    """What the ROLES listing showed about the company's roles."""

    DEFINES_ROLES = "defines roles"
    # "Object definition ROLES not found": integration guides report the Role table missing on
    # user-based permissions, the one answer read as that setting.
    NOT_AN_OBJECT = "ROLES is not an object"
    # An empty listing may also be roles this user cannot see: it establishes neither setting.
    LISTS_NONE = "ROLES lists none"
    UNREAD = "ROLES could not be read"


@dataclass(frozen=True)
class RoleAssignments:
    """The user's roles from the listings that could be read, and what shows the company uses roles at all."""

    roles: tuple[str, ...]
    sources: tuple[str, ...]
    # Why ROLEUSERS (computed: direct and group-inherited roles) could not be read; None when it was.
    computed_problem: str | None = None
    catalogue: RoleCatalogue = RoleCatalogue.UNREAD
    catalogue_observed: str = ""

    @property
    def reading(self) -> Reading:
        """Established when a role is listed, or when none is and the company is shown to use roles."""
        sources = ", ".join(self.sources)
        if self.roles:
            return Observed(f"roles: {', '.join(repr(role) for role in self.roles)} (from {sources})")
        if self.catalogue is RoleCatalogue.NOT_AN_OBJECT:
            return NotApplicable(
                f"the company uses user-based permissions: it defines no roles ({self.catalogue_observed}), so "
                "there is no role to assign; the user's permissions are set on the user itself"
            )
        if self.computed_problem is not None:
            return Unavailable(
                f"ROLEUSERS unreadable ({self.computed_problem}); USERROLES lists no direct role, "
                "and roles inherited from user groups cannot be seen"
            )
        if self.catalogue is RoleCatalogue.LISTS_NONE:
            return NeedsPerson(
                f"roles: none (from {sources}), and {self.catalogue_observed}: the company may use user-based "
                "permissions (then no role is needed) or hold roles this user cannot see (Company > Admin tab > "
                "Roles shows which); where it uses roles, the Web Services user needs one"
            )
        if self.catalogue is RoleCatalogue.UNREAD:
            return Unavailable(
                f"roles: none (from {sources}), but whether the company uses roles at all is not shown "
                f"({self.catalogue_observed}): on user-based permissions there are no roles to assign"
            )
        return Observed(
            f"roles: none (from {sources}); the company uses role-based permissions ({self.catalogue_observed})"
        )


@dataclass(frozen=True)
class GlAccount:
    """One GLACCOUNT record as Intacct returned it; None for a field the record does not carry."""

    account_no: str
    title: str
    normal_balance_text: str | None
    status_text: str | None

    @property
    def status(self) -> AccountStatus | None:
        return _recognise(self.status_text, _GL_STATUS)

    @property
    def normal_balance(self) -> NormalBalance | None:
        return _recognise(self.normal_balance_text, _GL_NORMAL_BALANCE)

    def describe(self) -> str:
        def shown(value: str | None) -> str:
            return "(missing)" if value is None else value or "(empty)"

        return (
            f"GL account {self.account_no} {self.title!r}: NORMALBALANCE={shown(self.normal_balance_text)}, "
            f"STATUS={shown(self.status_text)}"
        )

    @property
    def reading(self) -> Reading:
        """Established when both parts are recognised, or when either is a recognised "no"."""
        wrong = self.status is AccountStatus.INACTIVE or self.normal_balance is NormalBalance.CREDIT
        if not wrong and self.status is None:
            return Unavailable(f"{self.describe()}; STATUS is not active or inactive, so it cannot be judged")
        if not wrong and self.normal_balance is None:
            return Unavailable(f"{self.describe()}; NORMALBALANCE is not debit or credit, so it cannot be judged")
        return Observed(self.describe())


@dataclass(frozen=True)
class GlLookup:
    """The accounts Intacct found for the name the run was given, compared whatever the case."""

    wanted: str
    accounts: tuple[GlAccount, ...]
    # False when the name is the guide's example ("PEX GL Account"), not one the customer gave.
    named_by_customer: bool = True

    def matches(self) -> tuple[GlAccount, ...]:
        """Accounts named by ``wanted``: an account number wins over titles."""
        wanted = self.wanted.strip().casefold()
        by_number = tuple(account for account in self.accounts if account.account_no.strip().casefold() == wanted)
        if by_number:
            return by_number
        return tuple(account for account in self.accounts if account.title.strip().casefold() == wanted)

    @property
    def account(self) -> GlAccount | None:
        """The one account named by ``wanted``; None when there is none (the reading rules out several)."""
        matches = self.matches()
        return matches[0] if len(matches) == 1 else None

    @property
    def reading(self) -> Reading:
        matches = self.matches()
        if not matches and not self.named_by_customer:
            # The guide's title is an example: the customer may have named the account otherwise.
            return Unavailable(
                f"no GL account is titled {self.wanted!r} (the guide's example name, compared whatever the case); "
                "name the customer's PEX GL account with --intacct-gl-account=NUMBER_OR_TITLE and run again"
            )
        if not matches:
            return Observed(f"no GL account with number or title {self.wanted!r} (compared whatever the case)")
        if len(matches) > 1:
            numbers = ", ".join(account.account_no for account in matches)
            return Unavailable(
                f"{len(matches)} GL accounts are titled {self.wanted!r} ({numbers}); "
                "name the PEX account by number with --intacct-gl-account=NUMBER and run again"
            )
        return matches[0].reading


def gl_account(record: Record) -> GlAccount:
    def text(name: str) -> str | None:
        # 3.0 reads use upper-case names, legacy get_list lower-case ones.
        found = field_text(record, name, name.lower())
        return found[1] if found else None

    return GlAccount(
        account_no=text("ACCOUNTNO") or "",
        title=text("TITLE") or "",
        normal_balance_text=text("NORMALBALANCE"),
        status_text=text("STATUS"),
    )


@dataclass(frozen=True)
class UddAccess:
    """What the read probe of one user-defined dimension showed, as the checked user.

    ``readable``: True when records came back, False when Intacct refused the permission, None when
    the read succeeded with no records (which does not show the permission).
    """

    object_name: str
    label: str
    readable: bool | None
    detail: str


@dataclass(frozen=True)
class UddReadability:
    dimensions: tuple[UddAccess, ...]

    @property
    def refused(self) -> tuple[UddAccess, ...]:
        return tuple(access for access in self.dimensions if access.readable is False)

    @property
    def unreadable(self) -> tuple[str, ...]:
        """The dimensions whose read the user's role was refused, by object name."""
        return tuple(access.object_name for access in self.refused)

    @property
    def reading(self) -> Reading:
        """Established when a read was refused or every read returned records; an empty one needs a person."""
        if not self.dimensions:
            return NotApplicable("the company has no user-defined dimensions (getDimensions lists none)")
        if self.refused:
            return Observed("cannot read: " + "; ".join(access.detail for access in self.refused))
        unproven = [access for access in self.dimensions if access.readable is None]
        if unproven:
            return NeedsPerson(
                "; ".join(access.detail for access in self.dimensions)
                + ". A dimension without records does not show whether the role may read it: check the role's "
                "User Defined Dimensions permissions in Intacct"
            )
        return Observed("read allowed on every UDD: " + "; ".join(access.detail for access in self.dimensions))


@dataclass(frozen=True)
class ProbeOutcome:
    """What the opt-in attachment write probe showed, and what it left behind."""

    numbered: bool
    observed: str
    # What it created and could not delete (said in ``observed`` too).
    leftovers: tuple[str, ...] = ()
