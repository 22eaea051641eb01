"""The typed values of the Web Services user's USERINFO fields, as Intacct spells them."""

from __future__ import annotations

from .fields import FactEnum


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
USER_TYPE_CODES = {
    "b": UserType.BUSINESS, "e": UserType.EMPLOYEE, "r": UserType.VIEW_ONLY, "w": UserType.WRITEUP,
    "d": UserType.DASHBOARD, "p": UserType.PROJECT_MANAGER, "c": UserType.CONSTRUCTION_MANAGER,
    "a": UserType.PAYMENT_APPROVER, "t": UserType.PLATFORM, "s": UserType.CRM, "h": UserType.WAREHOUSE,
}  # fmt: skip
USER_TYPES = {
    "business": UserType.BUSINESS,
    **USER_TYPE_CODES,
    **{member.value.lower(): member for member in UserType},
}


class AdminPrivileges(FactEnum):
    """USERINFO ADMIN: the guide's "Admin Privileges"."""

    FULL = "Full"
    LIMITED = "Limited"
    OFF = "Off"


# ADMIN strings on USERINFO are [unconfirmed] ("Full"/"Off" seen on USERRESTRICTION, "false" in a
# create example); only these are recognised.
ADMIN_SPELLINGS = {
    "full": AdminPrivileges.FULL, "limited": AdminPrivileges.LIMITED, "off": AdminPrivileges.OFF,
    "false": AdminPrivileges.OFF, "none": AdminPrivileges.OFF, "no": AdminPrivileges.OFF,
}  # fmt: skip


class Placement(FactEnum):
    """Where the user was created in a multi-entity company (its ownership, not which entities it may reach)."""

    TOP_LEVEL = "top level"
    OWNED_BY_ENTITY = "owned by an entity"
