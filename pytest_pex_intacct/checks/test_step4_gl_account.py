"""Step 4: the GL account PEX posts to."""

import pytest

from pytest_pex_intacct.facts.gl_account import AccountStatus, GlAccount, NormalBalance


# Several accounts with the title, or the guide's example title matching none, are errors before
# this runs: the customer names the account with --intacct-gl-account.
@pytest.mark.intacct_requirement("STEP4-NORMAL-BALANCE")
def test_gl_account_is_active_with_debit_normal_balance(pex_gl_account: GlAccount | None) -> None:
    assert pex_gl_account is not None, "no GL account has this number or title"
    assert pex_gl_account.status is AccountStatus.ACTIVE
    assert pex_gl_account.normal_balance is NormalBalance.DEBIT
