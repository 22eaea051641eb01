"""Which entities the Web Services user may reach (USERRESTRICTION): a fact of its own, apart from
where the user was created (its ownership, on USERINFO)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config.settings import Settings
from ..intacct.functions import IntacctFunction, Query
from ..intacct.response import Record, Result
from .fact import Answers, Fact, read_problem
from .fields import field_text, leaf_fields, parse_bool
from .reading import Unavailable

RESTRICTION = "restriction"
USERS_PERMISSION = "Company application: Users (List, View)"


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


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    return (
        Query(
            RESTRICTION, "USERRESTRICTION", ("RECORDNO", "LOGINID", "UNRESTRICTED", "LOCATIONID"),
            (("LOGINID", settings.user_id),), case_insensitive=True,
        ),
    )  # fmt: skip


def parse_restriction(answers: Answers) -> UserRestriction | Unavailable:
    return user_restriction(answers.result(RESTRICTION), answers.settings.user_id)


def user_restriction(result: Result, user_id: str) -> UserRestriction | Unavailable:
    """The rows of ``user_id`` (compared whatever the case) in a USERRESTRICTION answer."""
    if not result.ok:
        return Unavailable(read_problem(result.errors, "read USERRESTRICTION", USERS_PERMISSION, user_id))
    rows = tuple(
        record
        for record in result.records
        if (login := field_text(record, "LOGINID", "loginid")) is None or login[1].casefold() == user_id.casefold()
    )
    if not rows:
        return Unavailable(f"USERRESTRICTION returned no row for {user_id!r}")
    return UserRestriction.from_records(rows)


RESTRICTION_FACT = Fact(
    name="restriction",
    kind=UserRestriction,
    fixture="user_restriction",
    doc="The entities the Web Services user is restricted to (USERRESTRICTION), if any.",
    parse=parse_restriction,
    functions=_functions,
)
