"""Options, environment fallbacks and usage errors: one line, exit code 4, no network traffic."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ALL_IDS, DEMO_CASSETTES, REPO, SENDER_PASSWORD, USER_PASSWORD

GOOD_SIGNOFF = "--intacct-signoff=Dana Smith <dana@pex.example>"


def test_plugin_is_invisible_without_a_company(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTACCT_COMPANY_ID", raising=False)
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "pex-intacct:" not in result.stdout.str()
    assert "verdict" not in result.stdout.str()
    assert result.ret == 0


def test_help_lists_the_option_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "pex-intacct (PEX Sage Intacct acceptance checks):",
            "*--intacct-company=ID*",
            "*--intacct-attest=ID*",
            "*--intacct-mode=*",
            "*--intacct-json=PATH*",
        ]
    )


def test_company_collects_exactly_the_bundled_checks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", "x-sender")
    monkeypatch.setenv("INTACCT_USER_PASSWORD", "x-user")
    pytester.makepyfile(test_customer_own="def test_unrelated():\n    pass\n")
    pytester.makeini("[pytest]\ntestpaths = elsewhere\npython_files = check_*.py\n")
    result = pytester.runpytest("--intacct-company=ACME", "--collect-only", "-q", "-p", "no:cacheprovider")
    lines = [line for line in result.stdout.lines if "::" in line]
    assert len(lines) == len(ALL_IDS)
    assert not any("test_unrelated" in line for line in lines)
    for line, requirement_id in zip(lines, ALL_IDS, strict=True):
        assert f"[{requirement_id}]" in line, "collected in the catalogue's order"


def test_an_empty_company_variable_changes_nothing(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "")
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == 0


def test_explicit_paths_are_ignored_and_said_so(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    pytester.makepyfile(test_mine="def test_mine():\n    pass\n")
    # In a subprocess: in-process pytester would warn that the plugin was imported before rewriting.
    result = pytester.runpytest_subprocess("test_mine.py", "--intacct-mode=replay", "--collect-only", "-W", "error")
    assert result.ret == 0
    assert len([line for line in result.stdout.lines if "<Function" in line]) == len(ALL_IDS)
    result.stdout.fnmatch_lines(["*--intacct-company runs only the bundled checks; ignoring test_mine.py*"])


def test_node_ids_inside_the_bundled_checks_select_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pytest_pex_intacct.checks as checks

    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    module = Path(checks.__file__).parent / "test_step3_user.py"
    result = pytester.runpytest(f"{module}::test_user_has_email", "--intacct-mode=replay", "--collect-only", "-q")
    collected = [line for line in result.stdout.lines if "::" in line]
    assert len(collected) == 1 and "STEP3-EMAIL" in collected[0]


def test_a_project_ini_cannot_hide_the_bundled_checks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    pytester.makeini(
        "[pytest]\npython_files = check_*.py\npython_functions = check_*\npython_classes = Check*\n"
        "filterwarnings = error\n"
    )
    result = pytester.runpytest_subprocess("--intacct-mode=replay", "--collect-only", "-q")
    assert result.ret == 0
    assert len([line for line in result.stdout.lines if "::" in line]) == len(ALL_IDS)


@pytest.mark.parametrize(
    "option",
    [
        "--intacct-mode=replay",
        "--intacct-json=r.json",
        "--intacct-signoff=Dana <d@pex.example>",
        "--intacct-udd",
        "--intacct-write-probe",
        "--intacct-attest=STEP1-ATTACHMENT-NUMBERING",
        "--intacct-shard=1/2",
        "--intacct-concurrency=4",
    ],
)
def test_a_checks_option_without_a_company_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "")
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest(option, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [
        f"ERROR: {option.split('=')[0]} needs a company: pass --intacct-company=ID (or set INTACCT_COMPANY_ID), "
        "or --intacct-fleet=FLEET.toml; without one no Intacct check runs"
    ]
    assert not (pytester.path / "r.json").exists()


def test_empty_variables_fall_back_to_the_defaults(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INTACCT_ENDPOINT_URL", "INTACCT_USER_ID", "INTACCT_SENDER_ID"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", USER_PASSWORD)
    result = pytester.runpytest_subprocess("--collect-only")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*user pex_connector, sender ID 'PEX MPP', mode live, endpoint https://api.intacct.com*"]
    )


def test_a_bad_variable_is_named_in_the_message(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    monkeypatch.setenv("INTACCT_ENDPOINT_URL", "https://evil.example/x")
    result = pytester.runpytest("--intacct-mode=replay")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --intacct-endpoint (from INTACCT_ENDPOINT_URL): *not an Intacct host*"])


def test_a_relative_cassette_directory_is_relative_to_where_pytest_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassettes = DEMO_CASSETTES
    subdirectory = pytester.mkdir("sub")
    monkeypatch.chdir(subdirectory)
    relative = os.path.relpath(cassettes, subdirectory)
    result = pytester.runpytest(
        "--intacct-company=demo-ready", "--intacct-mode=replay", "--intacct-udd", "--intacct-write-probe",
        f"--intacct-cassettes={relative}", "-p", "no:cacheprovider",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()


def test_company_from_the_environment_activates_the_checks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    result = pytester.runpytest("--intacct-mode=replay", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert len([line for line in result.stdout.lines if "::" in line]) == len(ALL_IDS)


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (["--intacct-company=ACME"], {"INTACCT_SENDER_PASSWORD": None}, "INTACCT_SENDER_PASSWORD"),
        (["--intacct-company=ACME"], {"INTACCT_USER_PASSWORD": ""}, "INTACCT_USER_PASSWORD"),
        (["--intacct-company="], {}, "--intacct-company is empty"),
        (["--intacct-company=   "], {}, "--intacct-company is empty"),
        (["--intacct-company=AC ME"], {}, "is not an Intacct company ID"),
        (["--intacct-company=../etc"], {}, "is not an Intacct company ID"),
        (["--intacct-company=ACME", "--intacct-attest=STEP9-NOPE", GOOD_SIGNOFF], {}, "is not a requirement ID"),
        (["--intacct-company=ACME", "--intacct-attest=STEP2-SENDER-ID", GOOD_SIGNOFF], {}, "cannot be attested"),
        (["--intacct-company=ACME", "--intacct-attest=STEP1-ATTACHMENT-NUMBERING"], {}, "needs --intacct-signoff"),
        (
            ["--intacct-company=ACME", "--intacct-attest=UDD-READ", GOOD_SIGNOFF],
            {},
            "UDD-READ is only checked with --intacct-udd; add --intacct-udd, or leave the attestation out",
        ),
        (
            [
                "--intacct-company=ACME",
                "--intacct-attest=STEP1-ATTACHMENT-NUMBERING",
                GOOD_SIGNOFF,
                "--intacct-write-probe",
            ],
            {},
            "conflicts with --intacct-write-probe",
        ),
        (["--intacct-company=ACME", "--intacct-endpoint=ftp://example.com/x"], {}, "--intacct-endpoint"),
        (["--intacct-company=ACME", "--intacct-endpoint=http://api.intacct.com/x"], {}, "plain http"),
        (["--intacct-company=ACME", "--intacct-endpoint=https://u:p@api.intacct.com/x"], {}, "credentials"),
        (["--intacct-company=ACME", "--intacct-endpoint=https://host:99999/x"], {}, "--intacct-endpoint"),
        (["--intacct-company=ACME", "--intacct-signoff=Dana"], {}, "Name <email>"),
        (["--intacct-company=ACME", "--intacct-ticket= "], {}, "--intacct-ticket is empty"),
        (["--intacct-company=ACME", "--intacct-gl-account= "], {}, "--intacct-gl-account '' is empty or malformed"),
        (["--intacct-company=ACME", "--intacct-user=a b"], {}, "--intacct-user"),
        (["--intacct-company=ACME", "--intacct-sender-id= "], {}, "--intacct-sender-id"),
        (["--intacct-company=ACME", "--intacct-json=missing-dir/out.json"], {}, "does not exist"),
        (["--intacct-company=ACME", "--intacct-json=."], {}, "is a directory"),
        (["--intacct-company=ACME", "--intacct-mode=sometimes"], {}, "is not one of live, record, replay"),
        (["--intacct-company=ACME", "--intacct-mode="], {}, "is not one of live, record, replay"),
        (["--intacct-company=ACME", "--intacct-sender-id=PEX\x01MPP"], {}, "--intacct-sender-id"),
        (["--intacct-company=ACME", "--intacct-user=pex\x01"], {}, "--intacct-user"),
        (["--intacct-company=ACME", "--intacct-gl-account=PEX\x01GL"], {}, "--intacct-gl-account"),
        (["--intacct-company=ACME", "--intacct-ticket=PEX\x011"], {}, "--intacct-ticket"),
        (["--intacct-company=ACME", "--intacct-signoff=Dana\x01 <d@pex.example>"], {}, "Name <email>"),
        (["--intacct-company=ACME", "--intacct-endpoint=https://[::1/x"], {}, "not a valid URL"),
        (["--intacct-company=ACME", "--intacct-endpoint=https://exa mple.intacct.com/"], {}, "not a valid host"),
        (["--intacct-company=ACME", "--intacct-endpoint=https://intacct.example.com/"], {}, "not an Intacct host"),
        (["--intacct-company=ACME"], {"INTACCT_ENDPOINT_URL": "https://evil.example/x"}, "not an Intacct host"),
        (["--intacct-company=ACME", "--intacct-json=/proc/results.json"], {}, "--intacct-json: cannot write"),
        (
            ["--intacct-company=ACME", "--intacct-mode=record", "--intacct-cassettes=/proc/cassettes"],
            {},
            "--intacct-cassettes: cannot write",
        ),
        (["--intacct-company=ACME", "--intacct-cassettes="], {}, "--intacct-cassettes is empty"),
        (["--intacct-company=ACME"], {"PEX_INTACCT_TIMEOUTS": "abc"}, "PEX_INTACCT_TIMEOUTS must be three"),
        (["--intacct-company=ACME", "--intacct-cassettes=test_file.txt"], {}, "is not a directory"),
        (["--intacct-company=ACME"], {"INTACCT_USER_PASSWORD": "pass\x01word"}, "INTACCT_USER_PASSWORD contains"),
        (["--intacct-company=ACME"], {"INTACCT_SENDER_PASSWORD": "bad\nline"}, "INTACCT_SENDER_PASSWORD contains"),
    ],
)
def test_bad_input_is_a_one_line_usage_error_before_any_traffic(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    simulator: Callable[..., Any],
    arguments: list[str],
    environment: dict[str, str | None],
    message: str,
) -> None:
    server = simulator("ready")
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", USER_PASSWORD)
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    has_endpoint = "INTACCT_ENDPOINT_URL" in environment or any(
        argument.startswith("--intacct-endpoint") for argument in arguments
    )
    extra = [] if has_endpoint else [f"--intacct-endpoint={server.url}"]
    pytester.makefile(".txt", test_file="not a directory")
    result = pytester.runpytest(*arguments, *extra, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, result.stderr.str()
    assert errors[0].startswith("ERROR: ")
    assert message in errors[0]
    assert "pass\x01word" not in errors[0] and "bad\nline" not in errors[0]
    assert server.log.count == 0
    assert not (pytester.path / "missing-dir").exists()


def test_options_beat_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("ready")
    monkeypatch.setenv("INTACCT_USER_ID", "someone_else")
    run = run_checks(server, "--intacct-user=pex_connector")
    assert run.document["user"] == "pex_connector"
    assert server.log.records[0].user_id == "pex_connector"


def test_environment_fallbacks_are_used(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, simulator: Callable[..., Any]
) -> None:
    server = simulator("ready")
    monkeypatch.setenv("INTACCT_COMPANY_ID", "ACME")
    monkeypatch.setenv("INTACCT_ENDPOINT_URL", server.url)
    monkeypatch.setenv("INTACCT_SENDER_ID", "PEX MPP")
    monkeypatch.setenv("INTACCT_USER_ID", "pex_connector")
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", USER_PASSWORD)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*pex-intacct: company ACME, user pex_connector, sender ID 'PEX MPP', mode live*"])
    assert server.log.count == 1


@pytest.mark.parametrize("target", ["--pyargs pytest_pex_intacct.checks", "checks-path"])
def test_the_bundled_checks_without_a_company_are_one_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.delenv("INTACCT_COMPANY_ID", raising=False)
    import pytest_pex_intacct

    checks = str(Path(pytest_pex_intacct.__file__).parent / "checks")
    arguments = target.split() if target != "checks-path" else [checks]
    result = pytester.runpytest_subprocess(*arguments, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: the bundled Intacct checks need a company: pass --intacct-company=ID*"])
    assert "AttributeError" not in result.stdout.str() + result.stderr.str()


def test_a_replay_from_the_checkout_never_loads_the_http_stack() -> None:
    """The suite's root conftest prepares the client for pytester only when no company run is asked."""
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith("INTACCT_")}
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pytest", "--intacct-company=demo-ready", "--intacct-mode=replay",
         "-p", "no:cacheprovider", "-q"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in process.stderr.splitlines() if "|" in line}
    assert "requests" not in imported and "urllib3" not in imported
