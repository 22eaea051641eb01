"""The bundled demo recordings: reproducible from the simulator, and installed with the plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pytest_pex_intacct.recording.cassette import BUNDLED_DIR
from pytest_pex_intacct.simulator.demos import DEMOS, normalise

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "cassettes"


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
        committed = (COMMITTED / f"{demo.company_id}.yaml").read_bytes()
        assert fresh == committed, (
            f"{demo.company_id}: a new recording differs from cassettes/; if the change is intended, "
            "record the demos again (python -m pytest_pex_intacct.simulator.demos) and commit them"
        )


def test_normalising_is_stable() -> None:
    for demo in DEMOS:
        text = (COMMITTED / f"{demo.company_id}.yaml").read_text(encoding="utf-8")
        assert normalise(text) == text


def test_the_installed_demo_recordings_are_the_demo_companies() -> None:
    assert {path.stem for path in BUNDLED_DIR.glob("*.yaml")} == {demo.company_id for demo in DEMOS}
