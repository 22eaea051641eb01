"""The bundled demo recordings: reproducible from the simulator, and installed with the plugin."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from conftest import DEMO_CASSETTES
from pytest_pex_intacct.recording.cassette import BUNDLED_DIR
from pytest_pex_intacct.simulator.demos import DEMO_TIME, DEMOS, demo_scenario, normalise
from pytest_pex_intacct.simulator.gateway import Gateway


def record_demos(directory: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest_pex_intacct.simulator.demos", "--cassettes", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_recording_the_demos_gives_the_committed_bytes(tmp_path: Path) -> None:
    record_demos(tmp_path)
    for demo in DEMOS:
        fresh = (tmp_path / f"{demo.company_id}.yaml").read_bytes()
        committed = (DEMO_CASSETTES / f"{demo.company_id}.yaml").read_bytes()
        assert fresh == committed, (
            f"{demo.company_id}: a new recording differs from cassettes/; if the change is intended, "
            "record the demos again (python -m pytest_pex_intacct.simulator.demos) and commit them"
        )


def test_normalising_is_stable() -> None:
    for demo in DEMOS:
        text = (DEMO_CASSETTES / f"{demo.company_id}.yaml").read_text(encoding="utf-8")
        assert normalise(text) == text


def test_the_installed_demo_recordings_are_the_demo_companies() -> None:
    assert {path.stem for path in BUNDLED_DIR.glob("*.yaml")} == {demo.company_id for demo in DEMOS}


_DATES = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})|\b(\d{2})/(\d{2})/(\d{4})\b")


def test_the_demo_recordings_hold_no_date_but_the_recorders() -> None:
    # Any other date came from the machine's clock: recording again on another day would differ.
    fixed = DEMO_TIME.date()
    for demo in DEMOS:
        text = (DEMO_CASSETTES / f"{demo.company_id}.yaml").read_text(encoding="utf-8")
        for match in _DATES.finditer(text):
            year, month, day = match.group(1, 2, 3) if match.group(1) else match.group(6, 4, 5)
            assert date(int(year), int(month), int(day)) == fixed, f"{demo.company_id}: {match.group(0)}"


def test_the_simulator_dates_what_it_creates_by_the_clock_it_is_handed() -> None:
    then = datetime(2031, 7, 4, 12, 0, tzinfo=UTC)
    scenario = demo_scenario(DEMOS[0])
    gateway = Gateway(scenario, clock=lambda: then)
    login = (
        f"<login><userid>{scenario.users[0].login_id}</userid><companyid>{scenario.company_id}</companyid>"
        f"<password>{scenario.users[0].password}</password></login>"
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>PEX MPP</senderid>'
        f"<password>{scenario.senders['PEX MPP']}</password><controlid>c</controlid><uniqueid>false</uniqueid>"
        "<dtdversion>3.0</dtdversion></control><operation><authentication>"
        f"{login}</authentication><content><function controlid='f'><get_list object='supdocfolder'/></function>"
        "</content></operation></request>"
    )
    answer = gateway.handle(body.encode()).body.decode()
    assert "<sessiontimestamp>2031-07-04T12:00:00+00:00</sessiontimestamp>" in answer
    assert "07/04/2031" in answer
