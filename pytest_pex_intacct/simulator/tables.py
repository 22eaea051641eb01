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
    # CONTACTINFO.EMAIL1 comes back nested or flat; the real path is unconfirmed (API-NOTES §3).
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


_USER_FIELDS = (
    "RECORDNO", "LOGINID", "USERTYPE", "DESCRIPTION", "ADMIN", "STATUS", "LOGINDISABLED",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME", "CONTACTINFO.EMAIL1",
)  # fmt: skip
_GL_FIELDS = (
    "RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME",
)  # fmt: skip


def _user_record(index: int, user: User, entity_keys: Mapping[str, str]) -> Record:
    entity = user.entity or ""
    values = (
        str(index + 1), user.login_id, user.user_type, "", user.admin, user.status,
        "true" if user.login_disabled else "false", entity_keys.get(entity, ""), entity, entity,
        user.email or "",
    )  # fmt: skip
    return Record(tuple(zip(_USER_FIELDS, values, strict=True)), nested=user.email_shape == "nested")


def _gl_record(index: int, account: GLAccount) -> Record:
    values = (
        str(index + 1), account.account_no, account.title, account.normal_balance, account.account_type,
        account.status, "", "", "",
    )  # fmt: skip
    return Record(tuple(zip(_GL_FIELDS, values, strict=True)))


def scenario_table(scenario: Scenario, object_name: str) -> Table | None:
    """The table for an object name (any case), or None when the company has no such object."""
    name = object_name.strip().upper()
    if name == "USERINFO":
        entities = sorted({user.entity for user in scenario.users if user.entity})
        keys = {entity: str(index + 1) for index, entity in enumerate(entities)}
        records = tuple(_user_record(i, user, keys) for i, user in enumerate(scenario.users))
        return Table(name, records, _USER_FIELDS, "LOGINID")
    if name == "GLACCOUNT":
        records = tuple(_gl_record(i, account) for i, account in enumerate(scenario.gl_accounts))
        return Table(name, records, _GL_FIELDS, "ACCOUNTNO")
    if name in ("ROLEUSERS", "USERROLES"):
        login_field = "USERLOGINID" if name == "ROLEUSERS" else "USERID"
        records = tuple(
            Record(((login_field, user.login_id), ("ROLENAME", role))) for user in scenario.users for role in user.roles
        )
        return Table(name, records, (login_field, "ROLENAME"), None)
    dimension = scenario.dimension(name)
    if dimension is not None:
        return Table(name, (), None, "ID", readable=dimension.readable)
    return None


def parse_fields_list(text: str | None) -> list[str] | None:
    """A comma-separated <fields> list; None (every field) when it is empty or contains ``*``."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    return None if not names or "*" in names else names


def _selects(field: str, path: str) -> bool:
    """A requested field names a path itself or its parent (CONTACTINFO selects CONTACTINFO.EMAIL1)."""
    field = field.upper()
    return path == field or path.startswith(field + ".")


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
