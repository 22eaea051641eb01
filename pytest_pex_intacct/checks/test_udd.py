import pytest

from pytest_pex_intacct.check import Check


@pytest.mark.intacct_requirement("UDD-READ")
def test_role_can_read_every_user_defined_dimension(intacct: Check) -> None:
    if intacct.attested:
        return
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met
