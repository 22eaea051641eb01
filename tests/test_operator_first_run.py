"""The operator's first real run: node ids as --collect-only prints them, recording over a recording,
the age of a replayed recording, the pex-intacct command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ALL_IDS, ATTEST


def test_a_node_id_as_collect_only_prints_it_selects_the_check_from_any_directory(
    pytester: pytest.Pytester,
) -> None:
    collected = pytester.runpytest_subprocess(
        "--intacct-company=demo-ready", "--intacct-mode=replay", "--collect-only", "-q", "-p", "no:cacheprovider"
    )
    node_id = next(line for line in collected.outlines if "[STEP3-EMAIL]" in line)
    assert node_id.startswith("test_step3_user.py::"), node_id
    run = pytester.runpytest_subprocess(
        "--intacct-company=demo-ready", "--intacct-mode=replay", node_id, "-p", "no:cacheprovider"
    )
    run.stdout.fnmatch_lines(["PASSED*STEP3-EMAIL", f"*INCOMPLETE (1 passed, {len(ALL_IDS) - 1} not-run)*"])
    assert "ignoring" not in run.stdout.str()


def record(run_checks: Any, server: Any, cassettes: Path, *args: str) -> Any:
    return run_checks(server, "--intacct-mode=record", f"--intacct-cassettes={cassettes}", *ATTEST, *args,
                      subprocess=True)  # fmt: skip


def test_recording_over_a_recording_needs_an_explicit_choice_and_says_what_it_replaced(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator("ready")
    first = record(run_checks, server, tmp_path)
    cassette = tmp_path / "ACME.yaml"
    assert first.result.ret == 0 and cassette.is_file()
    kept = cassette.read_bytes()
    refused = record(run_checks, server, tmp_path)
    assert refused.result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = [line for line in refused.result.stderr.lines if line.strip()]
    assert f"{cassette} already holds a recording of company ACME" in line
    assert "--intacct-record-mode=rewrite" in line
    assert cassette.read_bytes() == kept
    replaced = record(run_checks, server, tmp_path, "--intacct-record-mode=rewrite")
    assert replaced.result.ret == 0
    replaced.result.stdout.fnmatch_lines([f"cassette written to {cassette} (it replaced the recording that was there*"])


def test_the_record_mode_applies_only_to_a_record_run(run_checks: Any) -> None:
    run = run_checks(None, "--intacct-mode=replay", "--intacct-record-mode=rewrite", company="demo-ready",
                     sender_password=None, user_password=None)  # fmt: skip
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    run.result.stderr.fnmatch_lines(["*--intacct-record-mode applies only to --intacct-mode=record*"])


def test_the_pex_intacct_command_offers_keygen_verify_simulator_and_demos(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("pex-intacct")
    assert command.is_file(), "the package installs a console command pex-intacct"
    shown = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert shown.returncode == 0
    for word in ("keygen", "verify", "simulator", "demos"):
        assert word in shown.stdout
    made = subprocess.run([str(command), "keygen", str(tmp_path / "k.pem")], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert made.returncode == 0 and (tmp_path / "k.pem.pub").is_file(), made.stderr
    demos = subprocess.run([str(command), "demos", "--cassettes", str(tmp_path / "demos")], capture_output=True,
                           text=True, timeout=180, check=False)  # fmt: skip
    assert demos.returncode == 0, demos.stdout + demos.stderr
    assert {path.name for path in (tmp_path / "demos").glob("*.yaml")} == {
        "demo-ready.yaml", "demo-misconfigured.yaml", "demo-user-misconfigured.yaml",
    }  # fmt: skip
