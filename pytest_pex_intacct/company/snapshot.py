"""One company snapshot: every fact the checks need, gathered in one batched, signed-in request.

Data flows one way: settings → one request (plus one for UDD read probes, plus the opt-in write
probe's two) → classified sign-in and parsed facts. A fact that could not be established is an
:class:`Unavailable` saying whether another requirement blocked it or an error prevented it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config.option import DEFAULT_GL_ACCOUNT
from ..config.settings import Settings
from ..intacct.client import IntacctClient
from ..intacct.envelope import LoginCredentials
from ..intacct.errors import (
    ErrorDetail,
    IntacctError,
    ProtocolError,
    TransportError,
    describe_errors,
    is_busy,
    is_permission_refusal,
    is_unknown_object,
)
from ..intacct.functions import GetDimensions, IntacctFunction, ListSupdocFolders, Query, ReadByName
from ..intacct.response import Record, Response, Result
from .facts import (
    GlLookup,
    ProbeOutcome,
    RoleAssignments,
    RoleCatalogue,
    UddAccess,
    UddReadability,
    UserRecord,
    UserRestriction,
    field_text,
    gl_account,
    parse_bool,
)
from .probe import PROBE_FOLDER, run_attachment_probe
from .readings import NeedsPerson, Unavailable
from .sign_in import SignIn, classify_sign_in

USER = "user"
USER_ANY_CASE = "user-any-case"
ROLES_COMPUTED = "roles-computed"
ROLES_DIRECT = "roles-direct"
ROLES_CATALOGUE = "roles-catalogue"
RESTRICTION = "restriction"
GL = "gl-account"
DIMENSIONS = "dimensions"
PROBE_FOLDERS = "probe-folder"

# The permission the guide's "full permissions" user needs for each read, as Intacct's role and user
# permission pages name them.
_PERMISSION_FOR = {
    "USERINFO": "Company application: Users (List, View)",
    "USERRESTRICTION": "Company application: Users (List, View)",
    "ROLEUSERS": "Company application: Roles (List, View)",
    "USERROLES": "Company application: Roles (List, View)",
    "ROLES": "Company application: Roles (List, View)",
    "GLACCOUNT": "General Ledger application: Accounts (List, View)",
    "getDimensions": "Platform Services / User Defined Dimensions (List, View)",
}


@dataclass(frozen=True)
class CompanySnapshot:
    company_id: str
    user_id: str
    sign_in: SignIn
    user: UserRecord | Unavailable
    roles: RoleAssignments | Unavailable
    gl: GlLookup | Unavailable
    udd: UddReadability | Unavailable | None
    probe: ProbeOutcome | NeedsPerson | Unavailable | None

    @classmethod
    def unavailable(cls, settings: Settings, reason: str) -> CompanySnapshot:
        """Nothing could be verified (network, protocol, recording): every fact is an error."""
        error = Unavailable(reason)
        return cls(
            company_id=settings.company_id,
            user_id=settings.user_id,
            sign_in=SignIn(error, error, error),
            user=error,
            roles=error,
            gl=error,
            udd=error if settings.udd else None,
            probe=error if settings.write_probe else None,
        )


def read_functions(settings: Settings) -> list[IntacctFunction]:
    """Every read of a company run, for one request.

    Names the customer typed (user ID, GL account) are looked up with ``caseinsensitive``: Intacct's
    filters compare case-sensitively by default, and "PEX GL account" is the guide's "PEX GL Account".
    """
    user = settings.user_id
    functions: list[IntacctFunction] = [
        # Every field (whatever path the e-mail comes back under); readByName compares the key as
        # Intacct does, so a case-insensitive lookup beside it names the stored LOGINID when it misses.
        ReadByName(USER, "USERINFO", (user,)),
        Query(USER_ANY_CASE, "USERINFO", ("LOGINID",), (("LOGINID", user),), case_insensitive=True),
        # Computed assignments include roles inherited from user groups; direct ones are a fallback
        # for companies where ROLEUSERS is not readable.
        Query(
            ROLES_COMPUTED, "ROLEUSERS", ("USERLOGINID", "ROLENAME"), (("USERLOGINID", user),),
            case_insensitive=True,
        ),
        Query(ROLES_DIRECT, "USERROLES", ("USERID", "ROLENAME"), (("USERID", user),), case_insensitive=True),
        # Whether the company defines roles at all: on user-based permissions it has none.
        Query(ROLES_CATALOGUE, "ROLES", ("RECORDNO", "NAME"), pagesize=1),
        Query(
            RESTRICTION, "USERRESTRICTION", ("RECORDNO", "LOGINID", "UNRESTRICTED", "LOCATIONID"),
            (("LOGINID", user),), case_insensitive=True,
        ),
        Query(
            GL, "GLACCOUNT", ("RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS"),
            (("ACCOUNTNO", settings.gl_account), ("TITLE", settings.gl_account)), case_insensitive=True,
        ),
    ]  # fmt: skip
    if settings.udd:
        functions.append(GetDimensions(DIMENSIONS))
    if settings.write_probe:
        functions.append(ListSupdocFolders(PROBE_FOLDERS, PROBE_FOLDER))
    return functions


def read_problem(errors: tuple[ErrorDetail, ...], what: str, object_name: str, user_id: str) -> str:
    """Why a read failed, with who must act: the customer for a permission, nobody for a busy Intacct."""
    shown = describe_errors(errors)
    if is_busy(errors):
        return (
            f"Intacct was busy or off-line while trying to {what} ({shown}); not the company's setup: run again later"
        )
    if is_permission_refusal(errors):
        permission = _PERMISSION_FOR.get(object_name, f"read access to {object_name}")
        return (
            f"user {user_id!r} may not {what}: its role lacks the permission {permission} ({shown}). The guide asks "
            "for a Web Services user with full permissions: grant it on the user's role (Company > Admin tab > "
            "Roles > Edit > Permissions), or on the user itself where the company uses user-based permissions, "
            "and run again"
        )
    return f"Intacct could not {what}: {shown}"


def _user(result: Result, wanted: str, location: str, restriction: UserRestriction | Unavailable) -> UserRecord | None:
    """The record of ``wanted`` (compared whatever the case) in a USERINFO answer, if it holds one."""
    for record in result.records:
        login = field_text(record, "LOGINID")
        if login and login[1].casefold() == wanted.casefold():
            return UserRecord(login[1], record, location, restriction)
    return None


def _read_user(response: Response, settings: Settings) -> UserRecord | Unavailable:
    """The checked user's record, compared whatever the case.

    When USERINFO keys the user in another case than typed, the case-insensitive lookup beside it
    names the stored ID: reading it again would cost a request beyond the run's budget of one, so the
    message says what to run with instead.
    """
    result = response.result(USER)
    wanted = settings.user_id
    if not result.ok:
        return Unavailable(read_problem(result.errors, f"read USERINFO {wanted!r}", "USERINFO", wanted))
    location = response.authentication.location_id if response.authentication else ""
    found = _user(result, wanted, location, _restriction(response.result(RESTRICTION), wanted))
    if found is not None:
        return found
    stored = _login_ids(response.result(USER_ANY_CASE))
    if stored:
        return Unavailable(
            f"USERINFO has no record keyed exactly {wanted!r}, but a lookup whatever the case found "
            f"{', '.join(repr(login) for login in stored)}: run again with --intacct-user={stored[0]}"
        )
    return Unavailable(
        f"user {wanted!r} signed in, but USERINFO returned no record for it "
        f"(count={result.data_attributes.get('count', '?')}); the record may be private to an entity"
    )


def _login_ids(result: Result) -> list[str]:
    if not result.ok:
        return []
    return [found[1] for record in result.records if (found := field_text(record, "LOGINID")) and found[1]]


def _restriction(result: Result, user_id: str) -> UserRestriction | Unavailable:
    if not result.ok:
        return Unavailable(read_problem(result.errors, "read USERRESTRICTION", "USERRESTRICTION", user_id))
    rows = tuple(
        record
        for record in result.records
        if (login := field_text(record, "LOGINID", "loginid")) is None or login[1].casefold() == user_id.casefold()
    )
    if not rows:
        return Unavailable(f"USERRESTRICTION returned no row for {user_id!r}")
    return UserRestriction.from_records(rows)


def _role_names(result: Result, login_field: str, login_id: str) -> tuple[tuple[str, ...], str | None]:
    """The role names one listing shows for the user, or why it could not be read."""
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


def _role_catalogue(result: Result) -> tuple[RoleCatalogue, str]:
    """What ROLES showed about the company's roles, in words for ``observed``.

    What a company on user-based permissions answers is [unconfirmed]: an unknown-object failure is
    read as that setting; an empty listing is reported as what it is, for a person to settle.
    """
    if result.ok:
        total = result.data_attributes.get("totalcount") or result.data_attributes.get("count") or "?"
        if result.records:
            return RoleCatalogue.DEFINES_ROLES, f"ROLES lists {total} role(s)"
        return RoleCatalogue.LISTS_NONE, f"ROLES lists none (totalcount={total})"
    if is_unknown_object(result.errors):
        return RoleCatalogue.NOT_AN_OBJECT, f"ROLES is not an object of this company: {describe_errors(result.errors)}"
    return RoleCatalogue.UNREAD, f"ROLES could not be read: {describe_errors(result.errors)}"


def _roles(computed: Result, direct: Result, catalogue: Result, login_id: str) -> RoleAssignments | Unavailable:
    """The user's roles (``login_id``: the LOGINID USERINFO returned, else the one typed)."""
    computed_roles, computed_problem = _role_names(computed, "USERLOGINID", login_id)
    direct_roles, direct_problem = _role_names(direct, "USERID", login_id)
    role_catalogue, catalogue_observed = _role_catalogue(catalogue)
    if (
        computed_problem is not None
        and direct_problem is not None
        and role_catalogue is not RoleCatalogue.NOT_AN_OBJECT
    ):
        errors = computed.errors + direct.errors
        if is_permission_refusal(errors) or is_busy(errors):
            return Unavailable(
                read_problem(errors, "list the user's roles (ROLEUSERS, USERROLES)", "ROLEUSERS", login_id)
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
    roles = tuple(dict.fromkeys(computed_roles + direct_roles))
    return RoleAssignments(roles, sources, computed_problem, role_catalogue, catalogue_observed)


def _gl(result: Result, settings: Settings) -> GlLookup | Unavailable:
    if not result.ok:
        return Unavailable(read_problem(result.errors, "read GL accounts", "GLACCOUNT", settings.user_id))
    return GlLookup(
        settings.gl_account,
        tuple(gl_account(record) for record in result.records),
        named_by_customer=settings.gl_account != DEFAULT_GL_ACCOUNT,
    )


def _dimension_entries(records: tuple[Record, ...]) -> list[Record]:
    """getDimensions wraps its list in ``<dimensions>``; accept the entries bare as well."""
    entries: list[Record] = []
    for record in records:
        if "objectName" in record:
            entries.append(record)
            continue
        for value in record.values():
            if isinstance(value, dict):
                entries.append(value)
            elif isinstance(value, list):
                entries.extend(value)
    return entries


# UDDs are platform objects: their records carry lowercase ``id`` and ``name``, not RECORDNO.
UDD_PROBE_FIELDS = ("id", "name")


def _udd(
    client: IntacctClient, login: LoginCredentials, dimensions: Result, user_id: str
) -> UddReadability | Unavailable:
    if not dimensions.ok:
        return Unavailable(
            read_problem(dimensions.errors, "list the dimensions (getDimensions)", "getDimensions", user_id)
        )
    udds: list[tuple[str, str]] = []
    for entry in _dimension_entries(dimensions.records):
        name = field_text(entry, "objectName")
        flag = field_text(entry, "userDefinedDimension")
        if name and flag and parse_bool(flag[1]):
            label = field_text(entry, "termLabel", "objectLabel")
            udds.append((name[1], label[1] if label else name[1]))
    if not udds:
        return UddReadability(())
    probes = [
        Query(f"udd-{index}", object_name, UDD_PROBE_FIELDS, pagesize=1)
        for index, (object_name, _label) in enumerate(udds)
    ]
    try:
        response = client.send(login, probes)
    except (TransportError, ProtocolError) as error:
        return Unavailable(f"the UDD read probes got no usable answer: {error.message}")
    if not response.authenticated:
        return Unavailable(
            "the UDD read probes were refused at sign-in: "
            f"{describe_errors(response.control_errors + response.authentication_errors)}"
        )
    access: list[UddAccess] = []
    for probe, (object_name, term) in zip(probes, udds, strict=True):
        result = response.result(probe.control_id)
        if result.ok and result.records:
            access.append(UddAccess(object_name, term, True, f"{object_name} ({term}): read allowed"))
        elif result.ok:
            total = result.data_attributes.get("totalcount", result.data_attributes.get("count", "?"))
            access.append(
                UddAccess(
                    object_name, term, None, f"{object_name} ({term}): read returned no records (totalcount={total})"
                )
            )
        elif is_permission_refusal(result.errors) and not is_busy(result.errors):
            access.append(
                UddAccess(object_name, term, False, f"{object_name} ({term}): {describe_errors(result.errors)}")
            )
        else:
            return Unavailable(
                f"the read probe of UDD {object_name} (fields {', '.join(UDD_PROBE_FIELDS)}) failed for a reason "
                f"other than permission: {read_problem(result.errors, f'read {object_name}', object_name, user_id)}"
            )
    return UddReadability(tuple(access))


def gather_snapshot(
    client: IntacctClient,
    settings: Settings,
    run_id: str,
    explain: Callable[[IntacctError], str] = lambda error: error.message,
    write_probe_selected: bool = True,
) -> CompanySnapshot:
    """``explain`` rewords a failure to get any answer (a replay's answers come from its cassette).

    With ``write_probe_selected`` false (``-k`` left STEP1 out) the probe writes nothing; its
    folder listing, a read, stays in the batch so that recordings match whatever was selected.
    """
    login = LoginCredentials(settings.user_id, settings.company_id, settings.user_password)
    try:
        response = client.send(login, read_functions(settings))
    except IntacctError as error:
        return CompanySnapshot.unavailable(settings, explain(error))

    sign_in = classify_sign_in(response, settings.sender_id, settings.company_id, settings.user_id)
    blocker = sign_in.blocker
    if blocker is not None:
        return CompanySnapshot(
            company_id=settings.company_id,
            user_id=settings.user_id,
            sign_in=sign_in,
            user=blocker,
            roles=blocker,
            gl=blocker,
            udd=blocker if settings.udd else None,
            probe=blocker if settings.write_probe else None,
        )

    try:
        udd = _udd(client, login, response.result(DIMENSIONS), settings.user_id) if settings.udd else None
        user = _read_user(response, settings)
        probe = (
            run_attachment_probe(client, login, response.result(PROBE_FOLDERS), run_id)
            if settings.write_probe and write_probe_selected
            else None
        )
        return CompanySnapshot(
            company_id=settings.company_id,
            user_id=settings.user_id,
            sign_in=sign_in,
            user=user,
            roles=_roles(
                response.result(ROLES_COMPUTED),
                response.result(ROLES_DIRECT),
                response.result(ROLES_CATALOGUE),
                user.login_id if isinstance(user, UserRecord) else settings.user_id,
            ),
            gl=_gl(response.result(GL), settings),
            udd=udd,
            probe=probe,
        )
    except IntacctError as error:
        return CompanySnapshot.unavailable(settings, explain(error))
