"""Optional: user-defined dimensions (only with --intacct-udd)."""

import pytest

from pytest_pex_intacct.facts.udd import UddReadability


# A dimension without records does not show the permission: manual before this runs.
@pytest.mark.intacct_requirement("UDD-READ")
def test_role_can_read_every_user_defined_dimension(user_defined_dimensions: UddReadability) -> None:
    assert not user_defined_dimensions.unreadable
