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

from .intacct.response import FieldValue, Record
from .readings import Evidence, NeedsPerson, NotApplicable, Reading, Unavailable

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


def _recognise(text: str | None, meanings: Mapping[str, bool]) -> bool | None:
    """Case-insensitive lookup of an enum value; None for a missing, empty or unknown one."""
    return meanings.get(text.strip().lower()) if text is not None else None


ENTITY_PATHS = ("MEGAENTITYID", "MEGAENTITYKEY", "MEGAENTITYNAME")

# USERTYPE labels and legacy one-letter codes; True = Business.
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
# ADMIN strings on USERINFO are [unconfirmed] ("Full"/"Off" seen on USERRESTRICTION, "false" in a
# create example); only these decide, True = Full.
_ADMIN = {"full": True, "limited": False, "off": False, "false": False, "none": False, "no": False}
_GL_STATUS = {"active": True, "t": True, "inactive": False, "f": False}
_GL_NORMAL_BALANCE = {"debit": True, "credit": False}


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

    @property
    def web_services_only(self) -> Reading:
        """STEP3-WEB-SERVICES-USER: LOGINDISABLED=true marks a web-services-only user."""
        found = self.get("LOGINDISABLED")
        if found is None:
            return self._missing("LOGINDISABLED")
        value = parse_bool(found[1])
        if value is None:
            return self._unrecognised("LOGINDISABLED", found[1], "true or false")
        return Evidence(value, f"LOGINDISABLED={found[1]} (web-services-only: {'yes' if value else 'no'})")

    @property
    def top_level(self) -> Reading:
        """STEP3-ROOT-LEVEL: not owned by an entity and not limited to entities.

        Fails on an established owner (a MEGAENTITY field with a value, or a sign-in that landed in an
        entity) or on USERRESTRICTION limiting the user to locations. Passes only when USERRESTRICTION
        says UNRESTRICTED=true and nothing names an owner. Anything else is shown to a person.
        """
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
        if owning or self.session_location_id:
            return Evidence(False, observed)
        if isinstance(restriction, UserRestriction):
            flag = restriction.unrestricted_flag
            if flag is False and restriction.locations:
                return Evidence(False, observed)
            if flag is True:
                return Evidence(True, observed)
        return NeedsPerson(
            f"{observed}. None of these establishes where the user was created: check at the top level of the "
            f"company (not inside an entity) that {self.login_id!r} is listed under Web Services users"
        )

    @property
    def email(self) -> Reading:
        """STEP3-EMAIL: any non-empty e-mail field, whatever its path.

        The Web Services user form's "Email address" need not be the contact's CONTACTINFO.EMAIL1, and
        the path it is read back under is [unconfirmed]: every field named like an e-mail is judged.
        """
        present = [(path, value) for path, value in leaf_fields(self.record) if "EMAIL" in path.upper()]
        if not present:
            return Unavailable(f"USERINFO carries no e-mail field (fields seen: {self.fields_seen})")
        filled = [(path, value) for path, value in present if value.strip()]
        if filled:
            return Evidence(True, ", ".join(f"{path}={value!r}" for path, value in filled))
        return Evidence(False, "every e-mail field USERINFO returned is empty: " + ", ".join(p for p, _ in present))

    @property
    def user_type(self) -> Reading:
        """STEP3-USER-TYPE: Business, as a label or a legacy one-letter code."""
        found = self.get("USERTYPE")
        if found is None:
            return self._missing("USERTYPE")
        business = _recognise(found[1], _USER_TYPES)
        if business is None:
            return self._unrecognised("USERTYPE", found[1], "a documented user type")
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
            return self._unrecognised("ADMIN", found[1], "Full, Limited or Off")
        return Evidence(full, f"ADMIN={found[1]!r}")


@dataclass(frozen=True)
class RoleAssignments:
    """The user's roles from the listings that could be read, and what shows the company uses roles at all."""

    roles: tuple[str, ...]
    sources: tuple[str, ...]
    # Why ROLEUSERS (computed: direct and group-inherited roles) could not be read; None when it was.
    computed_problem: str | None = None
    # True: the company defines roles (ROLES lists one); False: it has none, i.e. user-based
    # permissions; None: not shown (ROLES could not be read).
    company_has_roles: bool | None = None
    catalogue_observed: str = ""

    @property
    def reading(self) -> Reading:
        """STEP3-ROLE: any listed role is met; no role fails only on a company shown to use roles."""
        sources = ", ".join(self.sources)
        if self.roles:
            return Evidence(True, f"roles: {', '.join(repr(role) for role in self.roles)} (from {sources})")
        if self.company_has_roles is False:
            return NotApplicable(
                f"the company uses user-based permissions: it defines no roles ({self.catalogue_observed}), so "
                "there is no role to assign; the user's permissions are set on the user itself"
            )
        if self.computed_problem is not None:
            return Unavailable(
                f"ROLEUSERS unreadable ({self.computed_problem}); USERROLES lists no direct role, "
                "and roles inherited from user groups cannot be seen"
            )
        if self.company_has_roles is None:
            return Unavailable(
                f"roles: none (from {sources}), but whether the company uses roles at all is not shown "
                f"({self.catalogue_observed}): on user-based permissions there are no roles to assign"
            )
        return Evidence(
            False, f"roles: none (from {sources}); the company uses role-based permissions ({self.catalogue_observed})"
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
    def reading(self) -> Reading:
        """STEP4-NORMAL-BALANCE: exactly one account named by ``wanted``, active and Debit."""
        matches = self.matches()
        if not matches and not self.named_by_customer:
            # The guide's title is an example: the customer may have named the account otherwise.
            return Unavailable(
                f"no GL account is titled {self.wanted!r} (the guide's example name, compared whatever the case); "
                "name the customer's PEX GL account with --intacct-gl-account=NUMBER_OR_TITLE and run again"
            )
        if not matches:
            return Evidence(False, f"no GL account with number or title {self.wanted!r} (compared whatever the case)")
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
        normal_balance=text("NORMALBALANCE"),
        status=text("STATUS"),
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
    def reading(self) -> Reading:
        """UDD-READ: every UDD read back a record; any refusal fails; an empty one needs a person."""
        if not self.dimensions:
            return NotApplicable("the company has no user-defined dimensions (getDimensions lists none)")
        refused = [access for access in self.dimensions if access.readable is False]
        if refused:
            return Evidence(False, "cannot read: " + "; ".join(access.detail for access in refused))
        unproven = [access for access in self.dimensions if access.readable is None]
        if unproven:
            return NeedsPerson(
                "; ".join(access.detail for access in self.dimensions)
                + ". A dimension without records does not show whether the role may read it: check the role's "
                "User Defined Dimensions permissions in Intacct"
            )
        return Evidence(True, "read allowed on every UDD: " + "; ".join(access.detail for access in self.dimensions))


@dataclass(frozen=True)
class ProbeOutcome:
    """What the opt-in attachment write probe showed, and what it left behind."""

    numbered: bool
    observed: str
    cleanup_problems: tuple[str, ...] = ()
