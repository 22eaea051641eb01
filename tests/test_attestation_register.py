"""The attestation register (``--intacct-attestations=FILE``): the parser with a clock handed in, and
single and fleet runs against the simulator. Dates are fixed: an entry expiring in 2999 is unexpired
on any day these tests run, one that expired in 2001 is expired on any day."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import SENDER_PASSWORD, USER_PASSWORD
from pytest_pex_intacct.__main__ import main
from pytest_pex_intacct.config.attestation import Attestation, attestation_of
from pytest_pex_intacct.config.option import SettingsError
from pytest_pex_intacct.fleet.attestations import RegisterEntry, for_company, read_register

STEP1 = "STEP1-ATTACHMENT-NUMBERING"
DANA = "Dana Smith <dana@pex.example>"


def entry_text(
    company: str = "ACME",
    requirement: str = STEP1,
    by: str = DANA,
    on: str = "2026-11-02",
    expires: str = "2999-12-31",
    reason: str = "Checked Company > Setup > Attachments: automatic numbering is on",
    **extra: str,
) -> str:
    lines = [
        "[[attestation]]",
        f"company = {json.dumps(company)}",
        f"requirement = {json.dumps(requirement)}",
        f"by = {json.dumps(by)}",
        f"on = {on}",
        f"expires = {expires}",
        f"reason = {json.dumps(reason)}",
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, *entries: str, name: str = "attestations.toml") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


# -- the parser -----------------------------------------------------------------------------------------


def test_an_entry_is_read_into_a_frozen_value(tmp_path: Path) -> None:
    (entry,) = read_register(write(tmp_path, entry_text()))
    assert entry == RegisterEntry(
        "ACME", STEP1, DANA, date(2026, 11, 2), "Checked Company > Setup > Attachments: automatic numbering is on",
        date(2999, 12, 31),
    )  # fmt: skip


def test_expiry_is_decided_by_the_date_handed_in(tmp_path: Path) -> None:
    entries = read_register(write(tmp_path, entry_text(on="2026-11-02", expires="2026-12-01")))
    (before,) = for_company(entries, "acme", date(2026, 12, 1))
    (after,) = for_company(entries, "ACME", date(2026, 12, 2))
    assert not before.expired and after.expired
    assert for_company(entries, "BETA", date(2026, 12, 1)) == ()


def test_an_unexpired_attestation_wins_over_an_expired_one() -> None:
    expired = Attestation(STEP1, DANA, date(2026, 1, 1), "old", date(2026, 6, 1), expired=True)
    valid = Attestation(STEP1, DANA, date(2025, 1, 1), "new", date(2999, 1, 1))
    assert attestation_of((expired, valid), STEP1) == valid
    assert attestation_of((expired,), "STEP3-ROLE") is None


def test_a_string_date_is_a_date_too(tmp_path: Path) -> None:
    (entry,) = read_register(write(tmp_path, entry_text(on='"2026-11-02"')))
    assert entry.on == date(2026, 11, 2)


def test_an_empty_register_attests_nothing(tmp_path: Path) -> None:
    assert read_register(write(tmp_path, "")) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry_text(requirment='"x"'), "#1: unknown key 'requirment'"),
        (entry_text(requirement="STEP9-NOPE"), "#1: 'requirement' 'STEP9-NOPE' is not a requirement ID"),
        (entry_text(requirement="STEP2-SENDER-ID"), "STEP2-SENDER-ID is checked against Intacct"),
        (entry_text(on='"yesterday"'), "#1: 'on' is not a date"),
        (entry_text(expires="2026-11-31T00:00:00"), "not valid TOML"),
        (entry_text(expires="2026-12-01T10:00:00Z"), "#1: 'expires' is not a date"),
        (entry_text(expires="2026-01-01"), "#1: 'expires' (2026-01-01) is before 'on' (2026-11-02)"),
        (entry_text(by="Dana"), '#1: \'by\' \'Dana\' is not of the form "Name <email>"'),
        (entry_text(company="AC ME"), "#1: 'company' 'AC ME' is not an Intacct company ID"),
        (entry_text(reason=""), "#1: 'reason' must say what the person checked"),
        (entry_text().replace('company = "ACME"', "company = 7"), "#1: 'company' must be a string, not a TOML int"),
        ("[[attestation]]\ncompany = 'ACME'\n", "#1: 'requirement' is missing"),
        ("[[waiver]]\ncompany = 'ACME'\n", "unknown top-level key 'waiver'"),
        ("attestation = 3\n", "must be a list of [[attestation]] tables"),
        ("[[attestation]\n", "not valid TOML"),
    ],
    ids=[
        "unknown-key", "unknown-requirement", "not-attestable", "not-a-date", "bad-toml-date", "datetime",
        "expires-before-on", "by", "company", "reason", "wrong-type", "missing-key", "top-level", "not-a-list", "toml",
    ],
)  # fmt: skip
def test_a_malformed_register_is_one_line_naming_the_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    # A good entry first: the message names the bad one by its number.
    path = write(tmp_path, entry_text(), text) if "#1" in message else write(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        read_register(path, given="attestations.toml")
    said = str(raised.value)
    assert "\n" not in said
    assert said.startswith("--intacct-attestations 'attestations.toml'"), said
    assert message.replace("#1", "#2") in said, said


def test_the_register_is_read_bounded(tmp_path: Path) -> None:
    path = write(tmp_path, "# " + "x" * (1 << 20))
    with pytest.raises(SettingsError, match="larger than 1 MB"):
        read_register(path)


# -- runs against the simulator --------------------------------------------------------------------------


def test_a_register_entry_attests_step1_without_a_signoff(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    write(pytester.path, entry_text(company="acme"), entry_text(company="BETA", expires="2001-01-01", on="2000-01-01"))
    run = run_checks(simulator("ready"), "--intacct-attestations=attestations.toml")
    assert run.result.ret == 0, run.result.stdout.str()
    assert run.verdict == "accepted"
    step1 = run.requirement(STEP1)
    assert step1["outcome"] == "manual"
    assert step1["attested_by"] == DANA
    assert (step1["attested_on"], step1["expires"]) == ("2026-11-02", "2999-12-31")
    assert step1["reason"] == "Checked Company > Setup > Attachments: automatic numbering is on"
    assert run.document["signoff"] is None
    # Only the register's entries carry the additive fields.
    assert "attested_on" not in run.requirement("STEP2-SENDER-ID")
    run.result.stdout.fnmatch_lines([f"MANUAL*{STEP1} (attested by {DANA})", "*verdict for ACME: ACCEPTED*"])
    capsys.readouterr()
    assert main(["verify", str(run.json_path)]) == 0


def test_an_expired_entry_leaves_it_manual_and_says_when_it_expired(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    write(pytester.path, entry_text(on="2000-01-01", expires="2001-01-01"))
    run = run_checks(simulator("ready"), "--intacct-attestations=attestations.toml")
    assert run.result.ret == 1
    assert run.verdict == "incomplete"
    step1 = run.requirement(STEP1)
    assert (step1["outcome"], step1["attested_by"], step1["expires"]) == ("manual", None, "2001-01-01")
    assert "attested_on" not in step1
    assert step1["observed"].startswith(f"attestation by {DANA} expired on 2001-01-01; ")
    run.result.stdout.fnmatch_lines(
        [
            f"MANUAL*{STEP1} (attestation expired on 2001-01-01)",
            f"{STEP1}: its attestation in attestations.toml expired on 2001-01-01; *renew the entry",
        ]
    )


def test_the_report_shows_who_when_why_and_until_when_and_verifies(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    write(pytester.path, entry_text())
    run = run_checks(simulator("ready"), "--intacct-attestations=attestations.toml", "--html=report.html")
    assert run.result.ret == 0
    page = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert f"{STEP1} attested by {DANA} on 2026-11-02".replace("<", "&lt;").replace(">", "&gt;") in page
    assert "(expires 2999-12-31)" in page
    capsys.readouterr()
    assert main(["verify", str(pytester.path / "report.html")]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry_text(pasword='"x"'), "[[attestation]] #1: unknown key 'pasword'"),
        (entry_text(requirement="STEP3-ADMIN-FULL"), "STEP3-ADMIN-FULL is checked against Intacct"),
        (entry_text(on="2026-13-01"), "not valid TOML"),
        (entry_text(expires='"soon"'), "#1: 'expires' is not a date"),
    ],
    ids=["unknown-key", "not-attestable", "bad-date", "not-a-date"],
)
def test_a_bad_register_is_a_usage_error_before_any_traffic(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, text: str, message: str
) -> None:
    write(pytester.path, text)
    server = simulator("ready")
    run = run_checks(server, "--intacct-attestations=attestations.toml")
    assert run.result.ret == 4
    errors = [line for line in run.result.errlines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith("ERROR: --intacct-attestations 'attestations.toml'") and message in errors[0], errors
    assert server.log.count == 0


def test_a_missing_register_is_a_usage_error(run_checks: Any) -> None:
    run = run_checks(None, "--intacct-attestations=nowhere.toml", "--intacct-mode=replay")
    assert run.result.ret == 4
    run.result.stderr.fnmatch_lines(["ERROR: --intacct-attestations 'nowhere.toml': no such file*"])


def test_a_fleet_of_attested_companies_is_accepted(
    simulator: Callable[..., Any], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    companies = ("ACME", "BETA")
    server = simulator({company: "ready" for company in companies})
    for name in ("INTACCT_COMPANY_ID", "INTACCT_USER_ID", "INTACCT_ENDPOINT_URL", "INTACCT_SENDER_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", USER_PASSWORD)
    fleet = "".join(f'[[company]]\nid = "{company}"\n' for company in companies)
    (pytester.path / "fleet.toml").write_text(fleet, encoding="utf-8")
    write(
        pytester.path,
        entry_text(company="ACME"),
        entry_text(company="BETA", by="Lee Wong <lee@pex.example>", reason="seen on a call", on="2026-10-01"),
        entry_text(company="GLOBEX"),  # another fleet's company: not an error
    )
    result = pytester.runpytest(
        "--intacct-fleet=fleet.toml",
        f"--intacct-endpoint={server.url}",
        "--intacct-attestations=attestations.toml",
        "--intacct-json=results/",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*fleet verdict: ACCEPTED (2 companies*"])
    expected = {
        "ACME": (DANA, "2026-11-02", "Checked Company > Setup > Attachments: automatic numbering is on"),
        "BETA": ("Lee Wong <lee@pex.example>", "2026-10-01", "seen on a call"),
    }
    for company, (by, on, reason) in expected.items():
        document = json.loads((pytester.path / "results" / f"{company}.json").read_text(encoding="utf-8"))
        assert document["verdict"] == "accepted"
        step1 = next(entry for entry in document["requirements"] if entry["id"] == STEP1)
        assert (step1["attested_by"], step1["attested_on"], step1["reason"], step1["expires"]) == (
            by,
            on,
            reason,
            "2999-12-31",
        )
