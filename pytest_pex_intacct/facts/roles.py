"""The roles assigned to the Web Services user (Step 3.7), and whether the company uses roles at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ..config.settings import Settings
from ..intacct.errors import describe_errors, is_busy, is_permission_refusal, is_unknown_object
from ..intacct.functions import IntacctFunction, Query
from ..intacct.response import Result
from .fact import Answers, Fact, read_problem
from .fields import field_text
from .reading import NeedsPerson, NotApplicable, Observed, Reading, Unavailable
from .user import USER_FACT, UserRecord

ROLES_COMPUTED = "roles-computed"
ROLES_DIRECT = "roles-direct"
ROLES_CATALOGUE = "roles-catalogue"
ROLES_OF_THE_COMPANY = "roles-not-system"
# Intacct's per-user system roles ("::SYS::Multi Entity Shared-ROLE-FOR - pex_connector"): not roles the
# guide asks to assign, and on user-based permissions the only roles a company lists.
SYSTEM_ROLE_PREFIX = "::SYS::"
ROLES_PERMISSION = "Company application: Roles (List, View)"


class RoleCatalogue(Enum):
    """What the ROLES listing showed about the company's roles."""

    DEFINES_ROLES = "defines roles"
    # Roles are listed, every one a per-user system role: user-based permissions.
    ONLY_SYSTEM_ROLES = "ROLES lists only system roles"
    # "Object definition ROLES not found": integration guides report the Role table missing on
    # user-based permissions, the one answer read as that setting.
    NOT_AN_OBJECT = "ROLES is not an object"
    # An empty listing may also be roles this user cannot see: it establishes neither setting.
    LISTS_NONE = "ROLES lists none"
    UNREAD = "ROLES could not be read"


@dataclass(frozen=True)
class RoleAssignments:
    """The user's roles from the listings that could be read, and what shows the company uses roles at all."""

    # The roles assigned to the user, system roles left out (they are not what the guide asks for).
    roles: tuple[str, ...]
    sources: tuple[str, ...]
    # Why ROLEUSERS (computed: direct and group-inherited roles) could not be read; None when it was.
    computed_problem: str | None = None
    catalogue: RoleCatalogue = RoleCatalogue.UNREAD
    catalogue_observed: str = ""
    system_roles: tuple[str, ...] = ()

    @property
    def reading(self) -> Reading:
        """Established when a role is listed, or when none is and the company is shown to use roles."""
        sources = ", ".join(self.sources)
        if self.roles:
            return Observed(f"roles: {', '.join(repr(role) for role in self.roles)} (from {sources})")
        if self.catalogue in (RoleCatalogue.NOT_AN_OBJECT, RoleCatalogue.ONLY_SYSTEM_ROLES):
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
        system = (
            f" besides its system role {', '.join(repr(role) for role in self.system_roles)}, which does not count"
            if self.system_roles
            else ""
        )
        return Observed(
            f"roles: none{system} (from {sources}); the company uses role-based permissions ({self.catalogue_observed})"
        )


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    user = settings.user_id
    return (
        # Computed assignments include roles inherited from user groups; direct ones are a fallback
        # for companies where ROLEUSERS is not readable.
        Query(
            ROLES_COMPUTED, "ROLEUSERS", ("USERLOGINID", "ROLENAME"), (("USERLOGINID", user),),
            case_insensitive=True,
        ),
        Query(ROLES_DIRECT, "USERROLES", ("USERID", "ROLENAME"), (("USERID", user),), case_insensitive=True),
        # Whether the company defines roles at all: on user-based permissions it has none, or only
        # the per-user system roles (the second listing leaves those out).
        Query(ROLES_CATALOGUE, "ROLES", ("RECORDNO", "NAME"), pagesize=1),
        Query(
            ROLES_OF_THE_COMPANY, "ROLES", ("RECORDNO", "NAME"), pagesize=1,
            not_like=(("NAME", f"{SYSTEM_ROLE_PREFIX}%"),), case_insensitive=True,
        ),
    )  # fmt: skip


def is_system_role(name: str) -> bool:
    return name.strip().startswith(SYSTEM_ROLE_PREFIX)


def _role_names(result: Result, login_field: str, login_id: str) -> tuple[tuple[str, ...], str | None]:
    """The role names one listing shows for the user (system roles included), or why it could not be read."""
    if not result.ok:
        return (), describe_errors(result.errors)
    names: list[str] = []
    rows = 0
    for record in result.records:
        login = field_text(record, login_field)
        # The filter ignored case; keep only this user's rows (the stored LOGINID, whatever its case).
        if login is not None and login[1].casefold() != login_id.casefold():
            continue
        rows += 1
        found = field_text(record, "ROLENAME", "ROLEID", "NAME")
        if found and found[1].strip() and found[1] not in names:
            names.append(found[1])
    if rows and not names:
        # Rows whose role cannot be named prove nothing either way: treat the listing as unreadable.
        return (), f"{rows} row(s) without a ROLENAME"
    return tuple(names), None


def _total(result: Result) -> str:
    return result.data_attributes.get("totalcount") or result.data_attributes.get("count") or "?"


def _role_catalogue(result: Result, not_system: Result) -> tuple[RoleCatalogue, str]:
    """What ROLES showed about the company's roles, in words for ``observed``.

    What a company on user-based permissions answers is [unconfirmed]: an unknown-object failure, or
    a listing whose every role is a per-user system role, is read as that setting; an empty listing is
    reported as what it is, for a person to settle.
    """
    if result.ok:
        total = _total(result)
        if not result.records:
            return RoleCatalogue.LISTS_NONE, f"ROLES lists none (totalcount={total})"
        if not_system.ok and not not_system.records:
            return RoleCatalogue.ONLY_SYSTEM_ROLES, (
                f"ROLES lists {total} role(s), every one a system role ({SYSTEM_ROLE_PREFIX}…), none of the "
                "company's own"
            )
        if not_system.ok:
            own = _total(not_system)
            return RoleCatalogue.DEFINES_ROLES, f"ROLES lists {total} role(s), {own} of them not system roles"
        names = [found[1] for record in result.records if (found := field_text(record, "NAME"))]
        if any(is_system_role(name) for name in names):
            # Only system roles seen, and the listing without them unread: either setting is possible.
            return RoleCatalogue.UNREAD, (
                f"ROLES lists {total} role(s) starting with a system role, and the listing without system roles "
                f"could not be read ({describe_errors(not_system.errors) or 'not asked'})"
            )
        return RoleCatalogue.DEFINES_ROLES, f"ROLES lists {total} role(s)"
    if is_unknown_object(result.errors):
        return RoleCatalogue.NOT_AN_OBJECT, f"ROLES is not an object of this company: {describe_errors(result.errors)}"
    return RoleCatalogue.UNREAD, f"ROLES could not be read: {describe_errors(result.errors)}"


def role_assignments(
    computed: Result, direct: Result, catalogue: Result, login_id: str, not_system: Result | None = None
) -> RoleAssignments | Unavailable:
    """The user's roles (``login_id``: the LOGINID USERINFO returned, else the one typed).

    ``not_system``: the ROLES listing without system roles (unread: counted as showing nothing more).
    """
    computed_roles, computed_problem = _role_names(computed, "USERLOGINID", login_id)
    direct_roles, direct_problem = _role_names(direct, "USERID", login_id)
    unread = Result("failure", "query", ROLES_OF_THE_COMPANY)
    role_catalogue, catalogue_observed = _role_catalogue(catalogue, not_system or unread)
    if (
        computed_problem is not None
        and direct_problem is not None
        and role_catalogue is not RoleCatalogue.NOT_AN_OBJECT
    ):
        errors = computed.errors + direct.errors
        if is_permission_refusal(errors) or is_busy(errors):
            return Unavailable(
                read_problem(errors, "list the user's roles (ROLEUSERS, USERROLES)", ROLES_PERMISSION, login_id)
            )
        return Unavailable(
            f"Intacct could not list the user's roles (ROLEUSERS: {computed_problem}; USERROLES: {direct_problem})"
        )
    sources = tuple(
        source
        for source, problem in (("ROLEUSERS", computed_problem), ("USERROLES", direct_problem))
        if problem is None
    )
    # Whether "no role" is verified depends on ROLEUSERS (it includes group-inherited roles) and on the
    # company using roles at all: the reading decides.
    every = tuple(dict.fromkeys(computed_roles + direct_roles))
    roles = tuple(role for role in every if not is_system_role(role))
    system = tuple(role for role in every if is_system_role(role))
    return RoleAssignments(roles, sources, computed_problem, role_catalogue, catalogue_observed, system)


def parse_roles(answers: Answers) -> RoleAssignments | Unavailable:
    user = answers.value(USER_FACT)
    return role_assignments(
        answers.result(ROLES_COMPUTED),
        answers.result(ROLES_DIRECT),
        answers.result(ROLES_CATALOGUE),
        user.login_id if isinstance(user, UserRecord) else answers.settings.user_id,
        answers.result(ROLES_OF_THE_COMPANY),
    )


ROLES_FACT = Fact(
    name="roles",
    kind=RoleAssignments,
    fixture="user_roles",
    doc="The roles assigned to the Web Services user, directly or through user groups.",
    parse=parse_roles,
    functions=_functions,
)
