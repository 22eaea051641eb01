"""What a new user meets first: the README's commands, replays from anywhere, the simulator's banner,
one line per problem, and how to conclude what the checks cannot. pytester runs in a temporary directory.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from conftest import REPO
from pytest_pex_intacct.requirements import CATALOGUE

README = (REPO / "README.md").read_text(encoding="utf-8")
DEMO_RECORDER = "python -m pytest_pex_intacct.simulator.demos"


def readme_blocks(section: str) -> list[str]:
    """The ``sh`` code blocks of one README section, in order."""
    body = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", body, re.DOTALL)


def pytest_words(block: str) -> list[str]:
    """The arguments of the block's pytest command (after ``pytest``), line continuations joined."""
    command = next(line for line in block.replace("\\\n", " ").splitlines() if line.lstrip().startswith("pytest "))
    return shlex.split(command)[1:]


def one_usage_line(result: pytest.RunResult) -> str:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1, result.stderr.str()
    assert "collected" not in result.stdout.str(), "no check may run after a usage error"
    return str(lines[0])


@pytest.fixture
def no_intacct_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INTACCT_COMPANY_ID", "INTACCT_USER_ID", "INTACCT_SENDER_ID", "INTACCT_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("INTACCT_SENDER_PASSWORD", "INTACCT_USER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_the_readme_starts_with_install_then_the_demo_replay_writing_the_report(
    pytester: pytest.Pytester, no_intacct_environment: None
) -> None:
    install, replay = readme_blocks("Try it")[0].strip().splitlines()
    assert install.endswith("pip install -e .")
    assert replay == (
        "pytest --intacct-company=demo-ready --intacct-mode=replay --html=report.html --self-contained-html"
    )
    # Run as written, from a directory with no cassettes/ of its own.
    result = pytester.runpytest_subprocess(*shlex.split(replay)[1:], "--intacct-json=results.json")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines([f"pex-intacct verdict for demo-ready: ACCEPTED ({len(CATALOGUE)} passed)"])
    assert "error" not in result.stdout.str().lower()
    assert (pytester.path / "report.html").is_file()
    document = json.loads((pytester.path / "results.json").read_text(encoding="utf-8"))
    assert document["verdict"] == "accepted"
    steps = {entry["id"]: entry["guide_step"] for entry in document["requirements"]}
    assert steps["STEP3-EMAIL"] == "Step 3.4"
    assert steps["UDD-READ"] == "optional: user-defined dimensions"


def test_no_readme_command_for_users_needs_a_dev_extra() -> None:
    """pytest-xdist (``-n``) comes only with the dev extra: only a block that installs it may use it."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    assert blocks
    for block in blocks:
        if "[dev]" not in block:
            assert not re.search(r"\s-n\s", block), block


@pytest.mark.parametrize(
    ("company", "verdict"),
    [("demo-ready", "accepted"), ("demo-misconfigured", "not-accepted"), ("demo-user-misconfigured", "not-accepted")],
)
def test_each_demo_replays_as_recorded_without_options(
    pytester: pytest.Pytester, no_intacct_environment: None, company: str, verdict: str
) -> None:
    result = pytester.runpytest(f"--intacct-company={company}", "--intacct-mode=replay", "--intacct-json=r.json")
    document = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    assert document["verdict"] == verdict
    assert "error" not in {entry["outcome"] for entry in document["requirements"]}
    assert result.ret == (0 if verdict == "accepted" else 1)


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        ("--intacct-gl-account=6700", "--intacct-gl-account '6700'"),
        ("--intacct-user=someone_else", "--intacct-user 'someone_else'"),
    ],
)
def test_an_option_contradicting_a_demo_recording_is_one_line_with_the_fix(
    pytester: pytest.Pytester, no_intacct_environment: None, option: str, shown: str
) -> None:
    line = one_usage_line(pytester.runpytest("--intacct-company=demo-ready", "--intacct-mode=replay", option))
    assert line.startswith(f"ERROR: {shown} contradicts the recording ")
    assert "demo-ready.yaml" in line
    assert "made with " in line and "--intacct-udd --intacct-write-probe" in line
    assert line.endswith("replay it as recorded: pytest --intacct-company=demo-ready --intacct-mode=replay")
    # A bundled demo is never re-recorded live.
    assert "--intacct-mode=record" not in line


def test_a_contradicting_variable_is_named(
    pytester: pytest.Pytester, no_intacct_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTACCT_USER_ID", "someone_else")
    line = one_usage_line(pytester.runpytest("--intacct-company=demo-ready", "--intacct-mode=replay"))
    assert "--intacct-user (from INTACCT_USER_ID) 'someone_else' contradicts the recording" in line


def test_attesting_what_the_recording_verified_says_so(pytester: pytest.Pytester, no_intacct_environment: None) -> None:
    attest = ("--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-signoff=Dana Smith <dana@pex.example>")
    line = one_usage_line(pytester.runpytest("--intacct-company=demo-ready", "--intacct-mode=replay", *attest))
    assert "checked it with the write probe, and a replay reproduces that run; leave --intacct-attest out" in line


def test_a_missing_cassette_says_where_it_looked(pytester: pytest.Pytester, no_intacct_environment: None) -> None:
    line = one_usage_line(pytester.runpytest("--intacct-company=ACME", "--intacct-mode=replay"))
    assert f"no recording of company ACME: looked for {pytester.path / 'cassettes' / 'ACME.yaml'}" in line
    assert "--intacct-cassettes=DIR" in line and "pytest --intacct-company=ACME --intacct-mode=record" in line


def test_a_demo_company_elsewhere_points_to_the_installed_recording_and_the_demo_recorder(
    pytester: pytest.Pytester, no_intacct_environment: None
) -> None:
    pytester.mkdir("empty")
    line = one_usage_line(
        pytester.runpytest("--intacct-company=demo-ready", "--intacct-mode=replay", "--intacct-cassettes=empty")
    )
    assert f"looked for {pytester.path / 'empty' / 'demo-ready.yaml'}" in line
    assert "leave out --intacct-cassettes" in line and f"{DEMO_RECORDER} --cassettes" in line


def test_an_unreadable_demo_cassette_names_the_demo_recorder(
    pytester: pytest.Pytester, no_intacct_environment: None
) -> None:
    broken = pytester.mkdir("broken")
    (broken / "demo-ready.yaml").write_text("interactions: [\n  - {broken", encoding="utf-8")
    line = one_usage_line(
        pytester.runpytest("--intacct-company=demo-ready", "--intacct-mode=replay", "--intacct-cassettes=broken")
    )
    assert f"{broken / 'demo-ready.yaml'} is not a usable recording: the cassette is not valid YAML (line" in line
    assert f"record the demos again with: {DEMO_RECORDER} --cassettes {broken}" in line


def test_deselected_and_unreached_requirements_are_not_run(
    pytester: pytest.Pytester, no_intacct_environment: None
) -> None:
    selected = pytester.runpytest(
        "--intacct-company=demo-ready", "--intacct-mode=replay", "-k", "EMAIL", "--intacct-json=k.json",
        "--html=report.html", "--self-contained-html",
    )  # fmt: skip
    outcomes = {e["id"]: e["outcome"] for e in json.loads((pytester.path / "k.json").read_text())["requirements"]}
    assert outcomes.pop("STEP3-EMAIL") == "passed"
    assert set(outcomes.values()) == {"not-run"}
    selected.stdout.fnmatch_lines(["NOT-RUN*STEP3-ROLE"])
    assert "NOT-APPLICABLE" not in selected.stdout.str()
    report = (pytester.path / "report.html").read_text(encoding="utf-8")
    total, not_run = len(CATALOGUE), len(CATALOGUE) - 1
    assert (
        f'<p id="pex-intacct-counts" class="pex-counts">{total} requirements: 1 passed, {not_run} not run</p>' in report
    )
    assert report.count('<span class="pex-badge">Not run</span>') == not_run

    stopped = pytester.runpytest("--intacct-company=demo-misconfigured", "--intacct-mode=replay", "-x")
    stopped.stdout.fnmatch_lines(["FAILED*STEP2-SENDER-ID", "NOT-RUN*STEP3-USER-SIGN-IN", "NOT-RUN*UDD-READ"])


def test_a_manual_requirement_says_how_to_conclude_it(
    pytester: pytest.Pytester, simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("ready")
    cassettes = pytester.path / "recorded"
    run = run_checks(server, "--intacct-mode=record", f"--intacct-cassettes={cassettes}")
    assert run.outcomes["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    output = run.result.stdout.str()
    assert "STEP1-ATTACHMENT-NUMBERING needs a person" in output
    assert "adding --intacct-write-probe" in output
    assert '--intacct-attest=STEP1-ATTACHMENT-NUMBERING --intacct-signoff="Name <email>"' in output
    assert f"cassette written to {cassettes / 'ACME.yaml'}" in output


def test_the_readme_live_command_reaches_a_verdict_on_a_healthy_company(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    words = pytest_words(readme_blocks("Checking a live company")[0])
    assert "--intacct-company=ACME" in words
    run = run_checks(simulator("ready"), *[word for word in words if not word.startswith("--intacct-json")])
    assert run.verdict == "accepted", run.result.stdout.str()
    assert run.result.ret == 0


def test_the_pasted_simulator_command_is_accepted(
    pytester: pytest.Pytester, no_intacct_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_pex_intacct.simulator", "ready"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(6)]
        assert lines[0].startswith("Intacct simulator for company ACME listening on http://127.0.0.1:")
        exports = re.findall(r"^export (INTACCT_\w+)=(\S+)$", "\n".join(lines), re.MULTILINE)
        assert {name for name, _ in exports} == {"INTACCT_SENDER_PASSWORD", "INTACCT_USER_PASSWORD"}
        for name, value in exports:
            monkeypatch.setenv(name, shlex.split(value)[0])
        command = next(line for line in lines if line.startswith("pytest "))
        # Pasted as printed, from another directory.
        result = pytester.runpytest_subprocess(*shlex.split(command)[1:])
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["pex-intacct verdict for ACME: ACCEPTED*"])


def test_help_and_messages_speak_to_the_user(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest("--help").stdout.str()
    section = help_text.split("pex-intacct (PEX Sage Intacct acceptance checks):", 1)[1]
    # The project's design notes, which a user never sees (spelled apart so that a search for
    # references outside the repository does not find this test).
    internal_words = ("S" + "PEC", "§", "API-" + "NOTES", "REAL-" + "INTACCT", "../" + "shared")
    for internal in internal_words:
        assert internal not in section
    assert "Step 1 (attachment numbering)" in section
    for requirement in CATALOGUE:
        assert requirement.step.startswith("Step ") or requirement.step.startswith("optional: ")
