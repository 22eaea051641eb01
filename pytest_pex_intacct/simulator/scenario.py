"""Company states the simulator plays, as frozen dataclasses, and the validation of a scenario document
(the JSON form ``scenario_files`` reads) into one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast

OffLevel = Literal["control", "authentication"]
SigninFailureStyle = Literal["legacy", "gateway401", "gateway400"]
EmailShape = Literal["nested", "flat"]
PermissionModel = Literal["role-based", "user-based"]
# What a company on user-based permissions answers for the role objects is unconfirmed: both shapes.
# On user-based permissions: ROLES unknown, empty, or listing only the per-user system roles.
RolesAnswer = Literal["unknown-object", "empty", "system-roles"]
# create_supdoc's <key>: real responses show a number (the record number); the supdocid is the other
# plausible reading.
SupdocKey = Literal["recordno", "supdocid"]

_T = TypeVar("_T")


class ScenarioError(ValueError):
    """A scenario name that is not shipped, or a scenario document that does not validate."""


@dataclass(frozen=True)
class AuthorizedSender:
    sender_id: str
    status: Literal["active", "inactive"]


@dataclass(frozen=True)
class User:
    login_id: str
    password: str = dataclasses.field(repr=False)
    status: str
    user_type: str
    admin: str
    login_disabled: bool
    email: str | None
    email_shape: EmailShape
    entity: str | None
    roles: tuple[str, ...]
    # The USERINFO path the Web Services user form's "Email address" comes back under.
    email_field: str = "CONTACTINFO.EMAIL1"
    # Entities the user is limited to (USERRESTRICTION); a user owned by an entity is limited to it.
    restricted_to: tuple[str, ...] = ()

    @property
    def limited_to(self) -> tuple[str, ...]:
        if self.restricted_to:
            return self.restricted_to
        return (self.entity,) if self.entity else ()


@dataclass(frozen=True)
class GLAccount:
    account_no: str
    title: str
    normal_balance: Literal["debit", "credit"]
    status: Literal["active", "inactive"]
    account_type: Literal["balancesheet", "incomestatement"]
    # A statistical account (STATACCOUNT), not a GL account.
    statistical: bool = False
    # The entity whose private record it is: hidden from a top-level listing without showprivate.
    private_to: str | None = None


@dataclass(frozen=True)
class Dimension:
    object_name: str
    label: str
    user_defined: bool
    readable: bool = True
    # How many records a user-defined dimension holds (a UDD may have none yet).
    records: int = 2


@dataclass(frozen=True)
class Scenario:
    description: str
    company_id: str
    web_services_subscribed: bool
    web_services_off_level: OffLevel
    signin_failure_style: SigninFailureStyle
    # Intacct-wide sender credentials (PEX's own), not part of the company: sender id -> password.
    senders: Mapping[str, str] = dataclasses.field(repr=False)
    authorized_senders: tuple[AuthorizedSender, ...]
    users: tuple[User, ...]
    gl_accounts: tuple[GLAccount, ...]
    dimensions: tuple[Dimension, ...]
    attachment_autonumbering: bool
    supdoc_folders: tuple[str, ...]
    permission_model: PermissionModel = "role-based"
    user_based_roles_answer: RolesAnswer = "unknown-object"
    # Objects the checked user's role may not read: every read of them is refused with PL04000005.
    unreadable_objects: tuple[str, ...] = ()
    # Objects Intacct refuses with PL04000005 for a reason that is no permission of the role: the
    # operation is not offered on them, or the feature is off (both texts recorded in public traffic).
    not_offered_objects: tuple[str, ...] = ()
    disabled_objects: tuple[str, ...] = ()
    # Whether USERINFO carries MEGAENTITYKEY/ID/NAME at all (unconfirmed for USERINFO).
    user_entity_fields: bool = True
    supdoc_key: SupdocKey = "recordno"
    # Whether the sign-in finds a user whatever the case of the typed ID ([unconfirmed] on real
    # Intacct); readByName still compares its key exactly.
    signin_user_id_any_case: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
        """Validate a scenario document (as in the JSON files) and build the scenario."""
        return _read_scenario(_Fields(data, source))

    def with_passwords(self, *, sender_password: str | None = None, user_password: str | None = None) -> Scenario:
        """The same company with every sender password and/or every user password replaced."""
        senders = self.senders
        if sender_password is not None:
            senders = MappingProxyType(dict.fromkeys(self.senders, sender_password))
        users = self.users
        if user_password is not None:
            users = tuple(dataclasses.replace(user, password=user_password) for user in self.users)
        return dataclasses.replace(self, senders=senders, users=users)

    def user(self, login_id: str) -> User | None:
        if self.signin_user_id_any_case:
            return next((user for user in self.users if user.login_id.casefold() == login_id.casefold()), None)
        return next((user for user in self.users if user.login_id == login_id), None)

    def authorized_sender(self, sender_id: str) -> AuthorizedSender | None:
        # Intacct compares sender ids case-sensitively: 'pex mpp' does not authorise 'PEX MPP'.
        return next((s for s in self.authorized_senders if s.sender_id == sender_id), None)

    def dimension(self, object_name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.object_name == object_name), None)


class _Fields:
    """Typed access to one JSON object; reports the first problem with its location."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{where}: expected an object, got {type(data).__name__}")
        self._data: Mapping[str, Any] = data
        self.where = where
        self._read: set[str] = set()

    def get(self, key: str, kind: type[_T], *, default: _T | None = None, nullable: bool = False) -> _T:
        self._read.add(key)
        if key not in self._data:
            if default is None and not nullable:
                raise ScenarioError(f"{self.where}: missing key {key!r}")
            return cast(_T, default)
        value = self._data[key]
        if value is None and nullable:
            return cast(_T, None)
        # bool is an int subclass in Python, JSON true must not pass for a number (nor 1 for true).
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ScenarioError(f"{self.where}: {key!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], *, default: str | None = None) -> str:
        value = self.get(key, str, default=default)
        if value not in allowed:
            raise ScenarioError(f"{self.where}: {key!r} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, default=[])
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise ScenarioError(f"{self.where}: {key}[{index}] must be str, got {value!r}")
        return tuple(values)

    def objects(self, key: str) -> Iterator[_Fields]:
        for index, value in enumerate(self.get(key, list, default=[])):
            yield _Fields(value, f"{self.where}: {key}[{index}]")

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise ScenarioError(f"{self.where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _read_scenario(doc: _Fields) -> Scenario:
    senders = doc.get("senders", dict, default={})
    for sender_id, password in senders.items():
        if not isinstance(password, str):
            raise ScenarioError(f"{doc.where}: senders[{sender_id!r}] must be a password string")
    scenario = Scenario(
        description=doc.get("description", str, default=""),
        company_id=doc.get("company_id", str),
        web_services_subscribed=doc.get("web_services_subscribed", bool),
        web_services_off_level=cast(OffLevel, doc.choice("web_services_off_level", ("control", "authentication"))),
        signin_failure_style=cast(
            SigninFailureStyle,
            doc.choice("signin_failure_style", ("legacy", "gateway401", "gateway400"), default="legacy"),
        ),
        senders=MappingProxyType(dict(senders)),
        authorized_senders=tuple(_read_authorized_sender(f) for f in doc.objects("authorized_senders")),
        users=tuple(_read_user(f) for f in doc.objects("users")),
        gl_accounts=tuple(_read_gl_account(f) for f in doc.objects("gl_accounts")),
        dimensions=tuple(_read_dimension(f) for f in doc.objects("dimensions")),
        attachment_autonumbering=doc.get("attachment_autonumbering", bool),
        supdoc_folders=doc.strings("supdoc_folders"),
        permission_model=cast(
            PermissionModel, doc.choice("permission_model", ("role-based", "user-based"), default="role-based")
        ),
        user_based_roles_answer=cast(
            RolesAnswer,
            doc.choice(
                "user_based_roles_answer", ("unknown-object", "empty", "system-roles"), default="unknown-object"
            ),
        ),
        unreadable_objects=tuple(name.upper() for name in doc.strings("unreadable_objects")),
        not_offered_objects=tuple(name.upper() for name in doc.strings("not_offered_objects")),
        disabled_objects=tuple(name.upper() for name in doc.strings("disabled_objects")),
        user_entity_fields=doc.get("user_entity_fields", bool, default=True),
        supdoc_key=cast(SupdocKey, doc.choice("supdoc_key", ("recordno", "supdocid"), default="recordno")),
        signin_user_id_any_case=doc.get("signin_user_id_any_case", bool, default=False),
    )
    doc.done()
    return scenario


def _read_authorized_sender(doc: _Fields) -> AuthorizedSender:
    sender = AuthorizedSender(
        sender_id=doc.get("sender_id", str),
        status=cast(Literal["active", "inactive"], doc.choice("status", ("active", "inactive"))),
    )
    doc.done()
    return sender


def _read_user(doc: _Fields) -> User:
    user = User(
        login_id=doc.get("login_id", str),
        password=doc.get("password", str),
        status=doc.choice("status", ("active", "inactive", "lockedout"), default="active"),
        user_type=doc.get("user_type", str),
        admin=doc.get("admin", str),
        login_disabled=doc.get("login_disabled", bool),
        email=doc.get("email", str, nullable=True),
        email_shape=cast(EmailShape, doc.choice("email_shape", ("nested", "flat"), default="nested")),
        entity=doc.get("entity", str, nullable=True),
        roles=doc.strings("roles"),
        email_field=doc.get("email_field", str, default="CONTACTINFO.EMAIL1"),
        restricted_to=doc.strings("restricted_to"),
    )
    doc.done()
    return user


def _read_gl_account(doc: _Fields) -> GLAccount:
    account = GLAccount(
        account_no=doc.get("account_no", str),
        title=doc.get("title", str),
        normal_balance=cast(Literal["debit", "credit"], doc.choice("normal_balance", ("debit", "credit"))),
        status=cast(Literal["active", "inactive"], doc.choice("status", ("active", "inactive"))),
        account_type=cast(
            Literal["balancesheet", "incomestatement"],
            doc.choice("account_type", ("balancesheet", "incomestatement"), default="incomestatement"),
        ),
        statistical=doc.get("statistical", bool, default=False),
        private_to=doc.get("private_to", str, nullable=True),
    )
    doc.done()
    return account


def _read_dimension(doc: _Fields) -> Dimension:
    dimension = Dimension(
        object_name=doc.get("object_name", str),
        label=doc.get("label", str),
        user_defined=doc.get("user_defined", bool),
        readable=doc.get("readable", bool, default=True),
        records=doc.get("records", int, default=2),
    )
    doc.done()
    return dimension
