import pytest

from pytest_pex_intacct.check import Check


# facts.GlLookup decides before the body runs: no match or several matches fail, an unrecognised
# STATUS or NORMALBALANCE is already a setup error.
@pytest.mark.intacct_requirement("STEP4-NORMAL-BALANCE")
def test_gl_account_is_active_with_debit_normal_balance(intacct: Check) -> None:
    intacct.observe(intacct.evidence.observed)
    assert intacct.evidence.met
