"""Step 1: document numbering for attachments."""

import pytest

from pytest_pex_intacct.facts.probe import ProbeOutcome


# Runs only with --intacct-write-probe: otherwise Intacct cannot show the setting, and the
# requirement is manual (or attested) before this body is reached.
@pytest.mark.intacct_requirement("STEP1-ATTACHMENT-NUMBERING")
def test_attachments_are_numbered_automatically(attachment_probe: ProbeOutcome) -> None:
    assert attachment_probe.numbered, "an attachment created without an ID was not given a number"
