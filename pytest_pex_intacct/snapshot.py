"""One company snapshot: every fact the checks need, gathered in one batched, signed-in request.

Data flows one way: settings → one request (plus one for UDD read probes, plus the opt-in write
probe's two) → classified sign-in and parsed facts. A fact that could not be established is an
:class:`Unavailable` saying whether another requirement blocked it or an error prevented it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .facts import (
    GlLookup,
    ProbeOutcome,
    RoleAssignments,
    UddAccess,
    UddReadability,
    UserRecord,
    field_text,
    gl_account,
    parse_bool,
)
from .intacct.client import IntacctClient
from .intacct.envelope import LoginCredentials
from .intacct.errors import IntacctError, ProtocolError, TransportError, describe_errors
from .intacct.functions import (
    GetDimensions,
    IntacctFunction,
    ListSupdocFolders,
    QueryEqualTo,
    ReadByName,
    ReadByQuery,
    quote_query_value,
)
from .intacct.response import Record, Response, Result
from .probe import PROBE_FOLDER, run_attachment_probe
from .settings import Settings
from .sign_in import SignIn, Unavailable, classify_sign_in

USER = "user"
ROLES_COMPUTED = "roles-computed"
ROLES_DIRECT = "roles-direct"
GL = "gl-account"
DIMENSIONS = "dimensions"
PROBE_FOLDERS = "probe-folder"


@dataclass(frozen=True)
class CompanySnapshot:
    company_id: str
    user_id: str
    sign_in: SignIn
    user: UserRecord | Unavailable
    roles: RoleAssignments | Unavailable
    gl: GlLookup | Unavailable
    udd: UddReadability | Unavailable | None
    probe: ProbeOutcome | Unavailable | None

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
    """Every read of a company run, for one request."""
    wanted = quote_query_value(settings.gl_account)
    functions: list[IntacctFunction] = [
        ReadByName(USER, "USERINFO", (settings.user_id,)),
        # Computed assignments include roles inherited from user groups; direct ones are a
        # fallback for companies where ROLEUSERS is not readable.
        QueryEqualTo(ROLES_COMPUTED, "ROLEUSERS", ("USERLOGINID", "ROLENAME"), "USERLOGINID", settings.user_id),
        QueryEqualTo(ROLES_DIRECT, "USERROLES", ("USERID", "ROLENAME"), "USERID", settings.user_id),
        ReadByQuery(
            GL,
            "GLACCOUNT",
            f"ACCOUNTNO = {wanted} OR TITLE = {wanted}",
            fields="RECORDNO,ACCOUNTNO,TITLE,NORMALBALANCE,ACCOUNTTYPE,STATUS",
        ),
    ]
    if settings.udd:
        functions.append(GetDimensions(DIMENSIONS))
    if settings.write_probe:
        functions.append(ListSupdocFolders(PROBE_FOLDERS, PROBE_FOLDER))
    return functions


def _result_problem(result: Result, what: str) -> Unavailable:
    return Unavailable(f"Intacct could not {what}: {describe_errors(result.errors)}")


def _user(result: Result, settings: Settings, response: Response) -> UserRecord | Unavailable:
    if not result.ok:
        return _result_problem(result, f"read USERINFO {settings.user_id!r}")
    for record in result.records:
        login = field_text(record, "LOGINID")
        if login and login[1] == settings.user_id:
            location = response.authentication.location_id if response.authentication else ""
            return UserRecord(settings.user_id, record, location)
    return Unavailable(
        f"user {settings.user_id!r} signed in, but USERINFO readByName returned no record for it "
        f"(count={result.data_attributes.get('count', '?')}); the record may be private to an entity"
    )


def _role_names(result: Result) -> tuple[tuple[str, ...], str | None]:
    """The role names one listing shows, or why it could not be read."""
    if not result.ok:
        return (), describe_errors(result.errors)
    names: list[str] = []
    for record in result.records:
        found = field_text(record, "ROLENAME", "ROLEID", "NAME")
        if found and found[1].strip() and found[1] not in names:
            names.append(found[1])
    if result.records and not names:
        # Rows whose role cannot be named prove nothing either way: treat the listing as unreadable.
        return (), f"{len(result.records)} row(s) without a ROLENAME"
    return tuple(names), None


def _roles(computed: Result, direct: Result) -> RoleAssignments | Unavailable:
    computed_roles, computed_problem = _role_names(computed)
    direct_roles, direct_problem = _role_names(direct)
    if computed_problem is not None and direct_problem is not None:
        return Unavailable(
            f"Intacct could not list the user's roles (ROLEUSERS: {computed_problem}; USERROLES: {direct_problem})"
        )
    sources = tuple(
        source
        for source, problem in (("ROLEUSERS", computed_problem), ("USERROLES", direct_problem))
        if problem is None
    )
    # Whether "no role" is verified depends on ROLEUSERS (it includes group-inherited roles): the
    # reading decides, from computed_problem.
    return RoleAssignments(tuple(dict.fromkeys(computed_roles + direct_roles)), sources, computed_problem)


def _gl(result: Result, settings: Settings) -> GlLookup | Unavailable:
    if not result.ok:
        return _result_problem(result, "read GL accounts")
    return GlLookup(settings.gl_account, tuple(gl_account(record) for record in result.records))


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


def _udd(client: IntacctClient, login: LoginCredentials, dimensions: Result) -> UddReadability | Unavailable:
    if not dimensions.ok:
        return _result_problem(dimensions, "list the dimensions (getDimensions)")
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
        ReadByQuery(f"udd-{index}", object_name, "", fields="RECORDNO", pagesize=1)
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
        if result.ok:
            access.append(UddAccess(object_name, term, True, f"{object_name}: read allowed"))
        elif any("permission" in f"{e.description} {e.description2}".lower() for e in result.errors):
            access.append(UddAccess(object_name, term, False, f"{object_name}: {describe_errors(result.errors)}"))
        else:
            return Unavailable(f"the read probe of UDD {object_name} failed: {describe_errors(result.errors)}")
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
        udd = _udd(client, login, response.result(DIMENSIONS)) if settings.udd else None
        probe = (
            run_attachment_probe(client, login, response.result(PROBE_FOLDERS), run_id)
            if settings.write_probe and write_probe_selected
            else None
        )
        return CompanySnapshot(
            company_id=settings.company_id,
            user_id=settings.user_id,
            sign_in=sign_in,
            user=_user(response.result(USER), settings, response),
            roles=_roles(response.result(ROLES_COMPUTED), response.result(ROLES_DIRECT)),
            gl=_gl(response.result(GL), settings),
            udd=udd,
            probe=probe,
        )
    except IntacctError as error:
        return CompanySnapshot.unavailable(settings, explain(error))
