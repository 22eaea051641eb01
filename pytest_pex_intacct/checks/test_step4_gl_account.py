import pytest

from pytest_pex_intacct.check import Check


@pytest.mark.intacct_requirement("STEP4-NORMAL-BALANCE")
def test_gl_account_is_active_with_debit_normal_balance(intacct: Check) -> None:
    lookup = intacct.gl
    matches = lookup.matches()
    if not matches:
        intacct.observe(f"no GL account with number or title {lookup.wanted!r}")
    elif len(matches) > 1:
        numbers = ", ".join(account.account_no for account in matches)
        intacct.observe(
            f"{len(matches)} GL accounts match {lookup.wanted!r} ({numbers}); "
            "name one with --intacct-gl-account=NUMBER or give the PEX account a unique title"
        )
    else:
        intacct.observe(matches[0].describe())
    assert len(matches) == 1
    account = matches[0]
    assert account.status.strip().lower() == "active"
    assert account.normal_balance.strip().lower() == "debit"
