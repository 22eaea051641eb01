"""The Web Services user as USERINFO shows it: the typed facts Step 3 judges, and their readings.

Only a field whose meaning is established may fail the customer. A field that is missing, empty or
holds a value this tool does not recognise is an error; an inference needs a person (manual) and is
never a pass on its own. Where public material does not settle a field's shape it is marked
**[unconfirmed]**: every plausible shape is accepted, and the observed text names the raw field it came
from, so the first recorded run against a real company shows what Intacct really sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from ..config.settings import Settings
from ..intacct.functions import IntacctFunction, Query, ReadByName
from ..intacct.response import Record, Result
from .fact import Answers, Fact, read_problem
from .fields import field_text, leaf_fields, parse_bool, present_fields, recognise
from .reading import NeedsPerson, Observed, Reading, Unavailable
from .restriction import RESTRICTION_FACT, USERS_PERMISSION, UserRestriction
from .user_values import ADMIN_SPELLINGS, USER_TYPES, AdminPrivileges, Placement, UserType

USER = "user"
USER_ANY_CASE = "user-any-case"
ENTITY_PATHS = ("MEGAENTITYID", "MEGAENTITYKEY", "MEGAENTITYNAME")


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
        return recognise(found[1], USER_TYPES) if found else None

    @property
    def admin_privileges(self) -> AdminPrivileges | None:
        found = self.get("ADMIN")
        return recognise(found[1], ADMIN_SPELLINGS) if found else None

    @property
    def email_addresses(self) -> tuple[str, ...]:
        """Every non-empty e-mail field, whatever its path.

        The Web Services user form's "Email address" need not be the contact's CONTACTINFO.EMAIL1, and
        the path it is read back under is [unconfirmed]: every field named like an e-mail counts.
        """
        return tuple(value for _, value in self._email_fields if value.strip())

    @property
    def placement(self) -> Placement | None:
        """Where the user was created (its ownership): by an entity when a MEGAENTITY field holds one,
        at the top level when the MEGAENTITY fields are there and empty; None when USERINFO carries
        none of them, since nothing else establishes it.

        Which entities the user may reach (USERRESTRICTION) is another fact: a user created at the top
        level and restricted to some entities is still at the top level. Where the sign-in landed is
        shown, never judged: reading ownership from it would be an inference.
        """
        entities = present_fields(self.record, *ENTITY_PATHS)
        if not entities:
            return None
        if any(value.strip() for _, value in entities):
            return Placement.OWNED_BY_ENTITY
        return Placement.TOP_LEVEL

    # -- readings: whether the fact is established, and what Intacct showed

    @property
    def _email_fields(self) -> list[tuple[str, str]]:
        return [(path, value) for path, value in leaf_fields(self.record) if "EMAIL" in path.upper()]

    def _enum_reading(self, name: str, meanings: Mapping[str, Enum], expected: str) -> Reading:
        found = self.get(name)
        if found is None:
            return self._missing(name)
        value = recognise(found[1], meanings)
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
        return self._enum_reading("USERTYPE", USER_TYPES, "a documented user type")

    @property
    def admin_reading(self) -> Reading:
        return self._enum_reading("ADMIN", ADMIN_SPELLINGS, "Full, Limited or Off")

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
    def restriction_note(self) -> str | None:
        """What the customer reads when the user may reach only some entities (a choice, not a setup error)."""
        restriction = self.restriction
        if not isinstance(restriction, UserRestriction) or restriction.unrestricted_flag is not False:
            return None
        limited = ", ".join(restriction.locations) or "the entities USERRESTRICTION lists"
        return (
            f"note: {self.login_id!r} is restricted to {limited}, so PEX sees only those entities' data; "
            "lift the restriction (Web Services users > Edit > Restrictions) for PEX to see the whole company"
        )

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
        note = self.restriction_note
        if note:
            observed = f"{observed}. {note}"
        if self.placement is None:
            return NeedsPerson(
                f"{observed}. Without the MEGAENTITY fields nothing establishes where the user was created: check at "
                f"the top level of the company (not inside an entity) that {self.login_id!r} is listed under Web "
                "Services users"
            )
        return Observed(observed)


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    """Names the customer typed are looked up with ``caseinsensitive``: Intacct's filters compare
    case-sensitively by default."""
    user = settings.user_id
    return (
        # Every field (whatever path the e-mail comes back under); readByName compares the key as
        # Intacct does, so a case-insensitive lookup beside it names the stored LOGINID when it misses.
        ReadByName(USER, "USERINFO", (user,)),
        Query(USER_ANY_CASE, "USERINFO", ("LOGINID",), (("LOGINID", user),), case_insensitive=True),
    )


def _user(result: Result, wanted: str, location: str, restriction: UserRestriction | Unavailable) -> UserRecord | None:
    """The record of ``wanted`` (compared whatever the case) in a USERINFO answer, if it holds one."""
    for record in result.records:
        login = field_text(record, "LOGINID")
        if login and login[1].casefold() == wanted.casefold():
            return UserRecord(login[1], record, location, restriction)
    return None


def _login_ids(result: Result) -> list[str]:
    if not result.ok:
        return []
    return [found[1] for record in result.records if (found := field_text(record, "LOGINID")) and found[1]]


def parse_user(answers: Answers) -> UserRecord | Unavailable:
    """The checked user's record, compared whatever the case.

    When USERINFO keys the user in another case than typed, the case-insensitive lookup beside it
    names the stored ID: reading it again would cost a request beyond the run's budget of one, so the
    message says what to run with instead.
    """
    result = answers.result(USER)
    wanted = answers.settings.user_id
    if not result.ok:
        return Unavailable(read_problem(result.errors, f"read USERINFO {wanted!r}", USERS_PERMISSION, wanted))
    response = answers.response
    location = response.authentication.location_id if response.authentication else ""
    restriction = answers.value(RESTRICTION_FACT)
    if not isinstance(restriction, UserRestriction | Unavailable):
        restriction = Unavailable("USERRESTRICTION was not read")
    found = _user(result, wanted, location, restriction)
    if found is not None:
        return found
    stored = _login_ids(answers.result(USER_ANY_CASE))
    if stored:
        return Unavailable(
            f"USERINFO has no record keyed exactly {wanted!r}, but a lookup whatever the case found "
            f"{', '.join(repr(login) for login in stored)}: run again with --intacct-user={stored[0]}"
        )
    return Unavailable(
        f"user {wanted!r} signed in, but USERINFO returned no record for it "
        f"(count={result.data_attributes.get('count', '?')}); the record may be private to an entity"
    )


USER_FACT = Fact(
    name="user",
    kind=UserRecord,
    fixture="web_services_user",
    doc="The Web Services user's USERINFO record (with its USERRESTRICTION rows).",
    parse=parse_user,
    functions=_functions,
)
