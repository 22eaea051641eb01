import pytest

from pytest_pex_intacct.check import Check


@pytest.mark.intacct_requirement("STEP1-ATTACHMENT-NUMBERING")
def test_attachments_are_numbered_automatically(intacct: Check) -> None:
    if intacct.attested:
        return
    probe = intacct.probe
    intacct.observe(probe.observed)
    assert probe.numbered
