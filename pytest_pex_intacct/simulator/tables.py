"""The scenario's objects as the read functions see them: tables of records with Intacct's field names."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from .failures import FunctionFailed
from .responses import GatewayError, add_child
from .scenario import GLAccount, Scenario, User


@dataclass(frozen=True)
class Record:
    fields: tuple[tuple[str, str], ...]
    # CONTACTINFO.EMAIL1 comes back nested or flat; which one a USERINFO read returns is unconfirmed.
    nested: bool = True

    def value(self, name: str) -> str | None:
        return next((value for path, value in self.fields if path == name), None)


@dataclass(frozen=True)
class Table:
    name: str
    records: tuple[Record, ...]
    # None: the simulator has no rows and no field catalogue for this object, so any field is accepted.
    fields: tuple[str, ...] | None
    key_field: str | None
    readable: bool = True
    # Its records may be private to an entity (MEGAENTITYID): a top-level listing shows them only with
    # showprivate.
    entity_private: bool = False


_USER_FIELDS = (
    "RECORDNO", "LOGINID", "USERTYPE", "DESCRIPTION", "ADMIN", "STATUS", "LOGINDISABLED",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME", "CONTACTINFO.EMAIL1", "CONTACTINFO.EMAIL2",
)  # fmt: skip
_ENTITY_FIELDS = ("MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME")
_GL_FIELDS = (
    "RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME",
)  # fmt: skip
# As in Sage's USERRESTRICTION query example: one row per location the user is limited to.
_RESTRICTION_FIELDS = ("LOGINID", "RECORDNO", "USERTYPE", "UNRESTRICTED", "LOCATIONID")
_ROLE_FIELDS = ("RECORDNO", "NAME", "DESCRIPTION", "ROLETYPE")
# UDDs are platform objects: lowercase system fields, no RECORDNO.
_UDD_FIELDS = ("id", "name", "createdBy", "updatedBy")
_ROLE_OBJECTS = ("ROLES", "ROLEUSERS", "USERROLES")


def _user_record(index: int, user: User, entity_keys: Mapping[str, str], entity_fields: bool) -> Record:
    entity = user.entity or ""
    values = {
        "RECORDNO": str(index + 1), "LOGINID": user.login_id, "USERTYPE": user.user_type, "DESCRIPTION": "",
        "ADMIN": user.admin, "STATUS": user.status, "LOGINDISABLED": "true" if user.login_disabled else "false",
        "MEGAENTITYKEY": entity_keys.get(entity, ""), "MEGAENTITYID": entity, "MEGAENTITYNAME": entity,
        "CONTACTINFO.EMAIL1": "", "CONTACTINFO.EMAIL2": "",
    }  # fmt: skip
    values[user.email_field] = user.email or ""
    if not entity_fields:
        for name in _ENTITY_FIELDS:
            values.pop(name)
    return Record(tuple(values.items()), nested=user.email_shape == "nested")


def _user_fields(scenario: Scenario) -> tuple[str, ...]:
    names = dict.fromkeys(_USER_FIELDS)
    if not scenario.user_entity_fields:
        for name in _ENTITY_FIELDS:
            names.pop(name)
    names.update(dict.fromkeys(user.email_field for user in scenario.users))
    return tuple(names)


def _gl_record(index: int, account: GLAccount) -> Record:
    values = (
        str(index + 1), account.account_no, account.title, account.normal_balance, account.account_type,
        account.status, "", account.private_to or "", "",
    )  # fmt: skip
    return Record(tuple(zip(_GL_FIELDS, values, strict=True)))


def _restriction_records(scenario: Scenario) -> tuple[Record, ...]:
    records: list[Record] = []
    for index, user in enumerate(scenario.users):
        common = (("LOGINID", user.login_id), ("RECORDNO", str(index + 1)), ("USERTYPE", user.user_type))
        limited = user.limited_to
        if not limited:
            records.append(Record((*common, ("UNRESTRICTED", "true"), ("LOCATIONID", ""))))
        records.extend(Record((*common, ("UNRESTRICTED", "false"), ("LOCATIONID", location))) for location in limited)
    return tuple(records)


def _role_table(scenario: Scenario, name: str) -> Table | None:
    user_based = scenario.permission_model == "user-based"
    if user_based and scenario.user_based_roles_answer == "unknown-object":
        return None
    users = () if user_based else scenario.users
    # Intacct gives each user a per-user system role; on user-based permissions they are all ROLES holds.
    system = scenario.user_based_roles_answer == "system-roles" if user_based else False
    assigned = {
        user.login_id: (system_role(user.login_id),) if system else user.roles
        for user in (scenario.users if system else users)
    }
    if name == "ROLES":
        # A role-based company has at least the role its administrator signs in with, even when the
        # checked user has none.
        builtin = () if user_based else ("Administrator",)
        roles = dict.fromkeys((*builtin, *(role for held in assigned.values() for role in held)))
        records = tuple(
            Record((("RECORDNO", str(index + 1)), ("NAME", role), ("DESCRIPTION", ""), ("ROLETYPE", "Enterprise")))
            for index, role in enumerate(roles)
        )
        return Table(name, records, _ROLE_FIELDS, None)
    login_field = "USERLOGINID" if name == "ROLEUSERS" else "USERID"
    records = tuple(
        Record(((login_field, login_id), ("ROLENAME", role))) for login_id, held in assigned.items() for role in held
    )
    return Table(name, records, (login_field, "ROLENAME"), None)


def system_role(login_id: str) -> str:
    """The name Intacct gives a user's system role, as recorded traffic shows it."""
    return f"::SYS::Multi Entity Shared-ROLE-FOR - {login_id}"


def _udd_records(count: int) -> tuple[Record, ...]:
    # Platform object record ids start at 10000 (Sage's getDimensionRelationships example).
    return tuple(
        Record((("id", str(10001 + index)), ("name", f"Value {index + 1}"), ("createdBy", "1"), ("updatedBy", "1")))
        for index in range(count)
    )


def scenario_table(scenario: Scenario, object_name: str) -> Table | None:
    """The table for an object name (any case), or None when the company has no such object."""
    table = _table(scenario, object_name.strip().upper())
    if table is not None and table.name in scenario.unreadable_objects:
        return dataclasses.replace(table, readable=False)
    return table


def _table(scenario: Scenario, name: str) -> Table | None:
    if name == "USERINFO":
        entities = sorted({user.entity for user in scenario.users if user.entity})
        keys = {entity: str(index + 1) for index, entity in enumerate(entities)}
        records = tuple(
            _user_record(i, user, keys, scenario.user_entity_fields) for i, user in enumerate(scenario.users)
        )
        return Table(name, records, _user_fields(scenario), "LOGINID")
    if name == "USERRESTRICTION":
        return Table(name, _restriction_records(scenario), _RESTRICTION_FIELDS, None)
    if name == "GLACCOUNT":
        accounts = [account for account in scenario.gl_accounts if not account.statistical]
        records = tuple(_gl_record(i, account) for i, account in enumerate(accounts))
        return Table(name, records, _GL_FIELDS, "ACCOUNTNO", entity_private=True)
    if name == "STATACCOUNT":
        accounts = [account for account in scenario.gl_accounts if account.statistical]
        records = tuple(_gl_record(i, account) for i, account in enumerate(accounts))
        return Table(name, records, _GL_FIELDS, "ACCOUNTNO", entity_private=True)
    if name in _ROLE_OBJECTS:
        return _role_table(scenario, name)
    dimension = scenario.dimension(name)
    if dimension is not None:
        if not dimension.user_defined:
            # Standard dimensions (DEPARTMENT, LOCATION …) are not read by the checks; any field goes.
            return Table(name, (), None, None, readable=dimension.readable)
        return Table(name, _udd_records(dimension.records), _UDD_FIELDS, "id", readable=dimension.readable)
    return None


def parse_fields_list(text: str | None) -> list[str] | None:
    """A comma-separated <fields> list; None (every field) when it is empty or contains ``*``."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    return None if not names or "*" in names else names


def _selects(field: str, path: str) -> bool:
    """A requested field names a path itself or its parent (CONTACTINFO selects CONTACTINFO.EMAIL1).

    Compared whatever the case: whether Intacct does is unconfirmed, and the checks always ask in the
    case the object's records use.
    """
    field, path = field.upper(), path.upper()
    return path == field or path.startswith(field + ".")


def catalogue_field(table: Table, field: str) -> str | None:
    """The table's own spelling of a field named in a filter, or None when it has no such field."""
    if table.fields is None:
        return field
    return next((name for name in table.fields if name.upper() == field.upper()), None)


def check_fields(table: Table, fields: Sequence[str] | None) -> None:
    if fields is None or table.fields is None:
        return
    unknown = [f for f in fields if not any(_selects(f, path) for path in table.fields)]
    if unknown:
        # Unconfirmed: the public fixture only shows a placeholder ("Invalid fields list x").
        raise FunctionFailed(GatewayError("BL01001973", description2=f"Invalid fields list {','.join(unknown)}"))


def select_fields(record: Record, fields: Sequence[str] | None) -> Record:
    if fields is None:
        return record
    kept = tuple((path, value) for path, value in record.fields if any(_selects(f, path) for f in fields))
    return dataclasses.replace(record, fields=kept)


def record_element(tag: str, record: Record) -> etree._Element:
    """A record as XML; dotted paths become nested elements unless the record is flat."""
    element = etree.Element(tag)
    for path, value in record.fields:
        parent_tag, dot, leaf = path.partition(".")
        if dot and record.nested:
            parent = element.find(parent_tag)
            if parent is None:
                parent = add_child(element, parent_tag)
            add_child(parent, leaf, value)
        else:
            add_child(element, path, value)
    return element
