"""The optional UDD-READ: can the Web Services user's role read every user-defined dimension?

``getDimensions`` in the batch lists the UDDs; one more request then reads each as the checked user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config.settings import Settings
from ..intacct.errors import ProtocolError, TransportError, describe_errors, is_busy, is_permission_refusal
from ..intacct.functions import GetDimensions, IntacctFunction, Query
from ..intacct.response import Record
from .fact import Answers, Fact, read_problem
from .fields import field_text, parse_bool
from .reading import NeedsPerson, NotApplicable, Observed, Reading, Unavailable

DIMENSIONS = "dimensions"
DIMENSIONS_PERMISSION = "Platform Services / User Defined Dimensions (List, View)"


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
    def refused(self) -> tuple[UddAccess, ...]:
        return tuple(access for access in self.dimensions if access.readable is False)

    @property
    def unreadable(self) -> tuple[str, ...]:
        """The dimensions whose read the user's role was refused, by object name."""
        return tuple(access.object_name for access in self.refused)

    @property
    def reading(self) -> Reading:
        """Established when a read was refused or every read returned records; an empty one needs a person."""
        if not self.dimensions:
            return NotApplicable("the company has no user-defined dimensions (getDimensions lists none)")
        if self.refused:
            return Observed("cannot read: " + "; ".join(access.detail for access in self.refused))
        unproven = [access for access in self.dimensions if access.readable is None]
        if unproven:
            return NeedsPerson(
                "; ".join(access.detail for access in self.dimensions)
                + ". A dimension without records does not show whether the role may read it: check the role's "
                "User Defined Dimensions permissions in Intacct"
            )
        return Observed("read allowed on every UDD: " + "; ".join(access.detail for access in self.dimensions))


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


def parse_udd(answers: Answers) -> UddReadability | Unavailable:
    """Each UDD read as the checked user, in one more request: which ones it may read."""
    client, login, user_id = answers.client, answers.login, answers.settings.user_id
    dimensions = answers.result(DIMENSIONS)
    if not dimensions.ok:
        return Unavailable(
            read_problem(dimensions.errors, "list the dimensions (getDimensions)", DIMENSIONS_PERMISSION, user_id)
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
        Query(f"udd-{index}", object_name, UDD_PROBE_FIELDS, pagesize=1, show_private=True)
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
            problem = read_problem(result.errors, f"read {object_name}", f"read access to {object_name}", user_id)
            return Unavailable(
                f"the read probe of UDD {object_name} (fields {', '.join(UDD_PROBE_FIELDS)}) failed for a reason "
                f"other than permission: {problem}"
            )
    return UddReadability(tuple(access))


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    return (GetDimensions(DIMENSIONS),)


def _asked(settings: Settings) -> bool:
    return settings.udd


UDD_FACT = Fact(
    name="udd",
    kind=UddReadability,
    fixture="user_defined_dimensions",
    doc="What reading each user-defined dimension as the Web Services user showed (only with ``--intacct-udd``).",
    parse=parse_udd,
    functions=_functions,
    asked=_asked,
)
