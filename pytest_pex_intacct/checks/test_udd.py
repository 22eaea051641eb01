import pytest

from pytest_pex_intacct.check import Check


@pytest.mark.intacct_requirement("UDD-READ")
def test_role_can_read_every_user_defined_dimension(intacct: Check) -> None:
    dimensions = intacct.udd.dimensions
    unreadable = [access for access in dimensions if not access.readable]
    if unreadable:
        intacct.observe("cannot read: " + "; ".join(access.detail for access in unreadable))
    else:
        intacct.observe("read allowed on every UDD: " + ", ".join(access.object_name for access in dimensions))
    assert not unreadable
