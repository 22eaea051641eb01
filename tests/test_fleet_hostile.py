"""A fleet run against hostile input: a fleet file, a results directory or a baseline that is not what it
seems, a company named like the fleet summary, and a Ctrl-C while one company's gateway hangs.

Attacks that could hang or fill the memory run pytest in a subprocess bounded by a timeout (and a memory
limit), so that a regression fails the test instead of stalling the suite. No timing is asserted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ATTEST, scenario_variant
from pytest_pex_intacct.__main__ import main
from pytest_pex_intacct.simulator import SimulatorServer, connection_faults

TIMEOUT = 60
SENDER_PASSWORD = "hostile-Sender-pw-7310"
# Raw, these recolour the terminal or reverse what follows them on the line.
ESCAPE = "\x1b[31m"
BIDI = "\u202e"
C1_CSI = "\x9b"


def password_of(company: str) -> str:
    return f"pw-{company.lower()}-Hq42v9"


def env_of(company: str) -> str:
    return f"{company.upper().replace('-', '_').replace('.', '_')}_INTACCT_PASSWORD"


def fleet_toml(companies: list[str], entries: dict[str, dict[str, Any]] | None = None) -> str:
    lines: list[str] = []
    for company in companies:
        lines += ["[[company]]", f"id = {json.dumps(company)}", f'password_env = "{env_of(company)}"']
        lines += [f"{key} = {json.dumps(value)}" for key, value in (entries or {}).get(company, {}).items()]
        lines.append("")
    return "\n".join(lines)


def environment(companies: list[str], timeouts: str = "1,1,3") -> dict[str, str]:
    """What a run of these companies needs, and nothing of the calling shell's Intacct settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("INTACCT_")}
    env.update({env_of(company): password_of(company) for company in companies})
    env.update({"INTACCT_SENDER_PASSWORD": SENDER_PASSWORD, "PEX_INTACCT_TIMEOUTS": timeouts})
    return env


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def serve(simulator: Callable[..., SimulatorServer]) -> Callable[[list[str]], SimulatorServer]:
    """One simulated gateway serving each company ready, with its own password."""

    def start(companies: list[str]) -> SimulatorServer:
        scenarios = {
            company: scenario_variant("ready").with_passwords(
                sender_password=SENDER_PASSWORD, user_password=password_of(company)
            )
            for company in companies
        }
        return simulator(scenarios)

    return start


@pytest.fixture
def in_fleet_environment(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], None]:
    """The environment of :func:`environment`, for an in-process pytester run."""

    def use(companies: list[str]) -> None:
        for name in [name for name in os.environ if name.startswith("INTACCT_")]:
            monkeypatch.delenv(name)
        for name, value in environment(companies).items():
            monkeypatch.setenv(name, value)

    return use


def run_subprocess(
    directory: Path, *arguments: str, env: dict[str, str] | None = None, memory_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess, bounded by the timeout and, if given, an address-space limit in bytes."""
    limit = ""
    if memory_limit is not None:
        limit = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({memory_limit}, {memory_limit}))"
    start = f"import sys, pytest\n{limit}\nsys.exit(pytest.main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", start, "-p", "no:cacheprovider", *arguments],
        cwd=directory,
        env=env if env is not None else environment([]),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "INTERNALERROR" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# -- 1. a company named like the summary ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["fleet", "FLEET", "Fleet"])
def test_a_company_named_fleet_keeps_its_signed_document_and_the_next_run_compares_with_it(
    pytester: pytest.Pytester,
    serve: Callable[[list[str]], SimulatorServer],
    in_fleet_environment: Callable[[list[str]], None],
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    companies = [name, "ACME"]
    server = serve(companies)
    in_fleet_environment(companies)
    (pytester.path / "fleet.toml").write_text(fleet_toml(companies), encoding="utf-8")
    arguments = ("--intacct-fleet=fleet.toml", f"--intacct-endpoint={server.url}", "-p", "no:cacheprovider", *ATTEST)

    first = pytester.runpytest(*arguments, "--intacct-json=night-1/")
    assert first.ret == 0, first.stdout.str()
    night = pytester.path / "night-1"
    # The company's own signed document, not the summary written over it.
    document = read_json(night / f"{name}.json")
    assert (document["company"], document["verdict"]) == (name, "accepted")
    capsys.readouterr()
    assert main(["verify", str(night / f"{name}.json")]) == 0
    summary = read_json(night / "_fleet.json")
    assert [entry["company"] for entry in summary["companies"]] == sorted(companies)
    assert sorted(path.name for path in night.iterdir()) == sorted(["ACME.json", f"{name}.json", "_fleet.json"])

    # The next night reads that directory back as its baseline: each company its own document.
    second = pytester.runpytest(*arguments, "--intacct-json=night-2/", "--intacct-baseline=night-1")
    assert second.ret == 0, second.stdout.str() + second.stderr.str()
    entries = {entry["company"]: entry for entry in read_json(pytester.path / "night-2" / "_fleet.json")["companies"]}
    assert entries[name]["baseline"] is True and entries[name]["drift"] == []
    assert entries["ACME"]["baseline"] is True


def test_an_earlier_versions_summary_in_a_baseline_is_not_taken_for_company_fleet(
    pytester: pytest.Pytester,
    serve: Callable[[list[str]], SimulatorServer],
    in_fleet_environment: Callable[[list[str]], None],
) -> None:
    """Earlier versions wrote the summary as fleet.json, over company fleet's own document."""
    server = serve(["fleet"])
    in_fleet_environment(["fleet"])
    (pytester.path / "fleet.toml").write_text(fleet_toml(["fleet"]), encoding="utf-8")
    old = pytester.mkdir("old")
    summary = {"schema": 1, "fleet": "fleet.toml", "shard": None, "verdict": "accepted", "companies": []}
    (old / "fleet.json").write_text(json.dumps(summary), encoding="utf-8")
    arguments = ("--intacct-fleet=fleet.toml", f"--intacct-endpoint={server.url}", "--intacct-baseline=old")
    result = pytester.runpytest(*arguments)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert one_error_line(result.stderr.str()) == (
        "ERROR: --intacct-baseline: fleet.json is the fleet summary of a run by an earlier version, which wrote it "
        "over company fleet's results document; move it out of the baseline directory to compare the other companies"
    )
    assert server.log.count == 0


# -- 2. Ctrl-C while a company hangs -------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_ends_a_fleet_whose_company_hangs_and_writes_every_document(
    tmp_path: Path, serve: Callable[[list[str]], SimulatorServer]
) -> None:
    companies = ["ACME", "BETA", "ZETA"]
    server = serve(companies)
    # ZETA answers after minutes, within its own budget (below): only the interrupt can end its read early.
    server.inject(connection_faults.Delay(seconds=300), times=None, company="ZETA")
    (tmp_path / "fleet.toml").write_text(fleet_toml(companies), encoding="utf-8")
    env = {**environment(companies, timeouts="5,300,300"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--intacct-fleet=fleet.toml"]
    command += [f"--intacct-endpoint={server.url}", "--intacct-json=out/", *ATTEST]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = bytearray()
    zeta_reached = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        while chunk := os.read(process.stdout.fileno(), 65536):
            output.extend(chunk)
            # The checks run company by company: ACME's and BETA's are judged once ZETA's begin.
            if b"[ZETA-" in output:
                zeta_reached.set()

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        assert zeta_reached.wait(TIMEOUT), output.decode(errors="replace")
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail("the interrupted fleet run did not end:\n" + output.decode(errors="replace"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=TIMEOUT)
    text = output.decode(errors="replace")
    assert process.returncode == 1, text
    out = tmp_path / "out"
    for company in ("ACME", "BETA"):
        assert read_json(out / f"{company}.json")["verdict"] == "accepted", text
    zeta = read_json(out / "ZETA.json")
    assert zeta["verdict"] == "incomplete"
    outcomes = {entry["id"]: entry["outcome"] for entry in zeta["requirements"]}
    assert "not-run" in outcomes.values() and not {"passed", "failed"} & set(outcomes.values()), outcomes
    stopped = [entry["observed"] for entry in zeta["requirements"] if entry["outcome"] == "not-run"]
    assert all("the run stopped before it" in observed for observed in stopped)
    summary = read_json(out / "_fleet.json")
    assert {entry["company"]: entry["verdict"] for entry in summary["companies"]} == {
        "ACME": "accepted",
        "BETA": "accepted",
        "ZETA": "incomplete",
    }
    assert summary["verdict"] == "incomplete"
    assert "INTERRUPTED   ZETA: its read was still under way and was abandoned" in text


# -- 3. a fleet file that is not a small regular file --------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_as_fleet_file_is_one_usage_error_line(tmp_path: Path) -> None:
    """open() on a FIFO waits for a writer: the run must not wait (the timeout turns a hang into a failure)."""
    os.mkfifo(tmp_path / "fleet.toml")
    result = run_subprocess(tmp_path, "--intacct-fleet=fleet.toml")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert one_error_line(result.stderr) == (
        "ERROR: --intacct-fleet 'fleet.toml': a named pipe (FIFO), not a fleet file; pass the fleet's TOML file"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists() or os.name == "nt", reason="no /dev/zero on this platform")
def test_a_device_as_fleet_file_is_one_usage_error_line(tmp_path: Path) -> None:
    """/dev/zero never ends: read whole, it fills the memory (limited here, so that it fails quickly)."""
    result = run_subprocess(tmp_path, "--intacct-fleet=/dev/zero", memory_limit=2 << 30)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert one_error_line(result.stderr) == (
        "ERROR: --intacct-fleet '/dev/zero': a character device, not a fleet file; pass the fleet's TOML file"
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param("a = " + "[" * 100_000, "not valid TOML (nested too deeply)", id="deep-array"),
        pytest.param("a = " + "{b = " * 100_000, "not valid TOML (nested too deeply)", id="deep-inline-table"),
        pytest.param(b"#" + b" " * (1 << 20), "larger than 1 MB, more than any fleet file", id="over-the-cap"),
    ],
)
def test_a_fleet_file_nested_too_deeply_or_too_large_is_one_usage_error_line(
    tmp_path: Path, content: str | bytes, says: str
) -> None:
    path = tmp_path / "fleet.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run_subprocess(tmp_path, "--intacct-fleet=fleet.toml")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert one_error_line(result.stderr) == f"ERROR: --intacct-fleet 'fleet.toml': {says}"


@pytest.mark.parametrize(
    ("document", "says"),
    [
        pytest.param('{"a":' * 100_000, "ACME.json is not JSON (nested too deeply)", id="deep"),
        pytest.param(None, "ACME.json is larger than 20 MB, more than any results document", id="over-the-cap"),
        pytest.param(
            {"company": "ACME", "requirements": [{"id": "STEP2-WEB-SERVICES", "outcome": ESCAPE + "passed"}]},
            "ACME.json is not a results document of company ACME (written by --intacct-json)",
            id="unknown-outcome",
        ),
    ],
)
def test_a_hostile_baseline_document_is_one_usage_error_line(
    tmp_path: Path, serve: Callable[[list[str]], SimulatorServer], document: object, says: str
) -> None:
    server = serve(["ACME"])
    (tmp_path / "fleet.toml").write_text(fleet_toml(["ACME"]), encoding="utf-8")
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    path = baseline / "ACME.json"
    if document is None:
        with path.open("wb") as stream:
            stream.truncate((20 << 20) + 1)  # sparse: nothing is written
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    result = run_subprocess(
        tmp_path,
        "--intacct-fleet=fleet.toml",
        f"--intacct-endpoint={server.url}",
        "--intacct-baseline=baseline",
        env=environment(["ACME"]),
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    assert one_error_line(result.stderr) == f"ERROR: --intacct-baseline: {says}"
    assert server.log.count == 0


# -- 4. escapes and bidi characters from the fleet file ------------------------------------------------


@pytest.mark.parametrize("hostile", [ESCAPE, BIDI, C1_CSI], ids=["escape", "bidi", "c1-csi"])
@pytest.mark.parametrize(
    ("entry", "says"),
    [
        pytest.param('id = "AC{h}ME"', "company {r}: --intacct-company {r} is not an Intacct company ID", id="id"),
        pytest.param('id = "AC{h}ME"\nnope = 1', "[[company]] #1 ({r}): unknown key 'nope'", id="id-unknown-key"),
        pytest.param('id = "AC{h}ME"\nudd = 3', "[[company]] #1 ({r}): 'udd' must be true or false", id="id-typed"),
        pytest.param(
            'id = "AC{h}ME"\npassword_env = "NOT_SET_PW"',
            "company {r}: password_env NOT_SET_PW is not set",
            id="id-env",
        ),
    ],
)
def test_a_control_or_bidi_character_in_the_fleet_file_is_shown_escaped(
    pytester: pytest.Pytester,
    in_fleet_environment: Callable[[list[str]], None],
    hostile: str,
    entry: str,
    says: str,
) -> None:
    in_fleet_environment(["ACME"])
    value = f"AC{hostile}ME"
    toml = "[[company]]\n" + entry.format(h=json.dumps(hostile)[1:-1])
    (pytester.path / "fleet.toml").write_text(toml, encoding="utf-8")
    result = pytester.runpytest("--intacct-fleet=fleet.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = one_error_line(result.stderr.str())
    assert hostile not in line
    assert says.format(r=repr(value)) in line


def test_a_user_id_refused_in_the_fleet_file_is_shown_escaped(
    pytester: pytest.Pytester, in_fleet_environment: Callable[[list[str]], None]
) -> None:
    in_fleet_environment(["ACME"])
    (pytester.path / "fleet.toml").write_text(fleet_toml(["ACME"], {"ACME": {"user": f"{ESCAPE}pex"}}), "utf-8")
    result = pytester.runpytest("--intacct-fleet=fleet.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = one_error_line(result.stderr.str())
    assert ESCAPE not in line
    assert f"company ACME: --intacct-user {f'{ESCAPE}pex'!r} is not a valid user ID" in line


@pytest.mark.parametrize("hostile", [BIDI, C1_CSI], ids=["bidi", "c1-csi"])
@pytest.mark.parametrize("key", ["user", "gl_account"])
def test_a_bidi_or_c1_character_in_a_value_is_refused_and_shown_escaped(
    pytester: pytest.Pytester,
    serve: Callable[[list[str]], SimulatorServer],
    in_fleet_environment: Callable[[list[str]], None],
    hostile: str,
    key: str,
) -> None:
    """--intacct-user and --intacct-gl-account refuse them (a terminal would show them reordered or as
    commands), and so does the fleet file: one line, the value escaped."""
    server = serve(["ACME"])
    in_fleet_environment(["ACME"])
    name = "night.toml"
    value = f"{hostile}6700"
    (pytester.path / name).write_text(fleet_toml(["ACME"], {"ACME": {key: value}}), "utf-8")
    result = pytester.runpytest(f"--intacct-fleet={name}", f"--intacct-endpoint={server.url}", *ATTEST, "-rA")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert hostile not in output
    assert repr(value) in output


# -- 5. --intacct-json naming a file ------------------------------------------------------------------


def test_a_fleet_refuses_a_results_path_that_names_a_file(
    pytester: pytest.Pytester,
    serve: Callable[[list[str]], SimulatorServer],
    in_fleet_environment: Callable[[list[str]], None],
) -> None:
    server = serve(["ACME"])
    in_fleet_environment(["ACME"])
    (pytester.path / "fleet.toml").write_text(fleet_toml(["ACME"]), encoding="utf-8")
    arguments = ("--intacct-fleet=fleet.toml", f"--intacct-endpoint={server.url}", "-p", "no:cacheprovider", *ATTEST)
    result = pytester.runpytest(*arguments, "--intacct-json=out.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert one_error_line(result.stderr.str()) == (
        "ERROR: --intacct-json 'out.json': with --intacct-fleet this is a directory (a fleet writes one document "
        "per company into it, and _fleet.json), and 'out.json' does not exist; pass --intacct-json=DIR/ "
        "(with the trailing /, a missing directory is created)"
    )
    assert not (pytester.path / "out.json").exists()
    assert server.log.count == 0
    # Asked for as a directory, it is one; an existing directory needs no trailing /.
    assert pytester.runpytest(*arguments, "--intacct-json=out.json/").ret == 0
    assert (pytester.path / "out.json" / "ACME.json").is_file()
    assert pytester.runpytest(*arguments, "--intacct-json=out.json").ret == 0


# -- related: ids that differ only by spaces ----------------------------------------------------------


@pytest.mark.parametrize("second", [" ACME", "acme ", " Acme "])
def test_an_id_listed_twice_with_spaces_around_it_is_a_duplicate(
    pytester: pytest.Pytester, in_fleet_environment: Callable[[list[str]], None], second: str
) -> None:
    in_fleet_environment(["ACME"])
    toml = f'[[company]]\nid = "ACME"\n[[company]]\nid = {json.dumps(second)}\n'
    (pytester.path / "fleet.toml").write_text(toml, encoding="utf-8")
    result = pytester.runpytest("--intacct-fleet=fleet.toml", "--intacct-mode=replay")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "[[company]] #2: company " in one_error_line(result.stderr.str())
    assert "is listed twice" in result.stderr.str()
