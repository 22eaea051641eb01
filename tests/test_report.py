"""The signed-off HTML report (SPEC §6): content, escaping, sign-off, digest, verify, xdist, a real browser."""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_pex_intacct.__main__ import main
from pytest_pex_intacct.report import HtmlReport
from pytest_pex_intacct.requirements import CATALOGUE
from pytest_pex_intacct.signing import (
    FILE_DIGEST_PLACEHOLDER,
    SIGNING_KEY_ENV,
    canonical_json,
    compute_digest,
    embedded_json,
    file_digest_element,
    seal_text,
    unseal_text,
)
from pytest_pex_intacct.simulator import Scenario, raw_scenario
from pytest_pex_intacct.verify import FILE_EDITED, WRONG_HMAC

ALL_IDS = [requirement.id for requirement in CATALOGUE]
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
SIGNER = "Dana Smith <dana@pex.example>"
SIGNED = (
    f"--intacct-signoff={SIGNER}",
    "--intacct-ticket=PEX-1234 <ticket & co>",
    "--intacct-attest=STEP1-ATTACHMENT-NUMBERING",
)
SCRIPT = "<script>alert(1)</script>"
SENDER_SECRET = "Snd-Report-S3cret-51c0"
USER_SECRET = "Usr-Report-S3cret-a7e2"
CHROMIUM = Path("/usr/bin/chromium")
FILE_DIGEST = re.compile(r'<code id="pex-intacct-file-digest">([0-9a-f]{64})</code>')


@pytest.fixture(autouse=True)
def no_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in the developer's environment would turn every digest into an HMAC."""
    monkeypatch.delenv(SIGNING_KEY_ENV, raising=False)


# -- reading a report the way a reviewer (or a script) would -----------------------------------------


@dataclass(frozen=True)
class Report:
    path: Path
    text: str

    @property
    def blob(self) -> dict[str, Any]:
        match = re.search(r'data-jsonblob="([^"]*)"', self.text)
        assert match, "no data-jsonblob in the report"
        return json.loads(html.unescape(match.group(1)))  # type: ignore[no-any-return]

    @property
    def rows(self) -> dict[str, dict[str, str]]:
        """Requirement ID → column → cell text (unescaped), plus pytest-html's result."""
        rows: dict[str, dict[str, str]] = {}
        for entries in self.blob["tests"].values():
            for entry in entries:
                cells = {
                    match.group(1): html.unescape(match.group(2))
                    for cell in entry["resultsTableRow"]
                    if (match := re.fullmatch(r'<td class="col-(\w+)">(.*)</td>', cell, re.S))
                }
                rows[cells["requirement"]] = {**cells, "pytest": entry["result"]}
        return rows

    def field(self, name: str) -> str:
        match = re.search(rf'id="pex-intacct-{name}">(.*?)</', self.text, re.S)
        assert match, f"no {name} in the summary"
        return html.unescape(match.group(1))

    @property
    def title(self) -> str:
        match = re.search(r'<h1 id="title">(.*?)</h1>', self.text, re.S)
        assert match
        return html.unescape(match.group(1))

    @property
    def embedded(self) -> dict[str, Any]:
        match = re.search(r'<script type="application/json" id="pex-intacct-results">(.*?)</script>', self.text, re.S)
        assert match
        return json.loads(match.group(1))  # type: ignore[no-any-return]

    @property
    def file_digest(self) -> str:
        values = FILE_DIGEST.findall(self.text)
        assert len(values) == 1, values
        return str(values[0])

    def with_blob(self, change: Callable[[dict[str, Any]], None]) -> str:
        blob = self.blob
        change(blob)
        # Jinja's attribute escaping, as pytest-html writes it.
        escaped = html.escape(json.dumps(blob), quote=True)
        return re.sub(r'data-jsonblob="[^"]*"', lambda _: f'data-jsonblob="{escaped}"', self.text)


def html_run(run_checks: Any, pytester: pytest.Pytester, server: Any, *args: str, **options: Any) -> tuple[Any, Report]:
    path = pytester.path / "report" / "report.html"
    run = run_checks(server, f"--html={path}", "--self-contained-html", *args, **options)
    assert path.is_file(), run.result.stdout.str()
    return run, Report(path, path.read_text(encoding="utf-8"))


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    capsys.readouterr()  # drop what in-process pytester runs printed
    code = main(["verify", str(path)])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def scenario_with(**gl: Any) -> Scenario:
    data = copy.deepcopy(raw_scenario("ready"))
    data["gl_accounts"][0].update(gl)
    return Scenario.from_dict(data)


def set_cell(blob: dict[str, Any], requirement_id: str, column: str, text: str) -> None:
    for entries in blob["tests"].values():
        for entry in entries:
            if f'<td class="col-requirement">{requirement_id}</td>' in entry["resultsTableRow"]:
                cells = entry["resultsTableRow"]
                index = next(i for i, cell in enumerate(cells) if cell.startswith(f'<td class="col-{column}">'))
                cells[index] = f'<td class="col-{column}">{html.escape(text)}</td>'
                return
    raise AssertionError(f"no row for {requirement_id}")


def edit_log(blob: dict[str, Any], requirement_id: str, old: str, new: str) -> None:
    """Reword the failure text in a row's log block (pytest-html's traceback area, not a cell)."""
    for node, entries in blob["tests"].items():
        if requirement_id in node and old in entries[0]["log"]:
            entries[0]["log"] = entries[0]["log"].replace(old, new)
            return
    raise AssertionError(f"no log with {old!r} for {requirement_id}")


# -- content ---------------------------------------------------------------------------------------------


def test_signed_report_shows_title_columns_rows_summary_and_environment(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    run, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    assert run.result.ret == 1
    assert report.title == "PEX Sage Intacct acceptance report: ACME"
    assert "DRAFT" not in report.text

    header = re.search(r'<thead id="results-table-head">(.*?)</thead>', report.text, re.S)
    assert header
    labels = re.findall(r"<th[^>]*>(.*?)</th>", header.group(1))
    assert labels == [
        "Result", "Test", "Requirement", "Outcome", "Guide step", "Where to fix", "Observed", "Remediation",
        "Duration", "Links",
    ]  # fmt: skip

    rows = report.rows
    assert sorted(rows) == sorted(ALL_IDS)
    failed = rows["STEP3-ADMIN-FULL"]
    assert failed["outcome"] == "failed"
    assert failed["pytest"] == "Failed"
    assert failed["step"] == "Step 3.6"
    assert failed["where"] == "Web Services users > Edit > Admin Privileges"
    assert "Limited" in failed["observed"]
    assert failed["remediation"] == run.requirement("STEP3-ADMIN-FULL")["remediation"] != ""
    assert rows["STEP1-ATTACHMENT-NUMBERING"]["outcome"] == f"manual (attested by {SIGNER})"
    assert rows["STEP3-EMAIL"]["outcome"] == "passed"
    assert rows["UDD-READ"]["pytest"] == "Skipped"

    assert report.field("verdict") == "NOT ACCEPTED"
    assert report.field("counts") == "9 passed, 1 failed, 0 blocked, 0 error, 1 not-applicable, 1 manual, 0 not-run"
    assert report.field("signoff") == SIGNER
    assert report.field("ticket") == "PEX-1234 <ticket & co>"
    assert "&lt;ticket &amp; co&gt;" in report.text
    assert f"STEP1-ATTACHMENT-NUMBERING attested by {SIGNER}" in html.unescape(report.text)
    assert report.field("digest").startswith("SHA-256")

    environment = {key: html.unescape(str(value)) for key, value in report.blob["environment"].items()}
    document = run.document
    assert environment["Intacct company"] == "ACME"
    assert environment["Intacct user"] == "pex_connector"
    assert environment["Sender ID"] == "PEX MPP"
    assert environment["Mode"] == "live"
    assert "Cassette" not in environment
    assert environment["pex-intacct version"] == document["plugin_version"]
    assert environment["Run started (UTC)"] == document["started_at"]
    assert environment["Run finished (UTC)"] == document["finished_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["finished_at"])

    assert verify(report.path, capsys)[0] == 0


def test_without_signoff_the_report_is_a_draft(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    run, report = html_run(run_checks, pytester, simulator("ready"))
    assert run.verdict == "incomplete"
    assert "DRAFT" in report.title
    assert report.field("draft").startswith("DRAFT: not signed off")
    assert report.field("signoff") == "nobody (DRAFT)"
    assert report.field("verdict") == "INCOMPLETE"
    assert "STEP1-ATTACHMENT-NUMBERING needs a person's attestation" in html.unescape(report.text)
    assert report.rows["STEP1-ATTACHMENT-NUMBERING"]["pytest"] == "Skipped"


def test_replayed_report_names_the_cassette_and_its_hash(
    run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {"company": "demo-ready", "sender_password": None, "user_password": None}
    replay = ("--intacct-mode=replay", f"--intacct-cassettes={CASSETTES}", "--intacct-udd", "--intacct-write-probe")
    run, report = html_run(run_checks, pytester, None, *replay, **options)
    assert run.verdict == "accepted", run.result.stdout.str()
    cassette = CASSETTES / "demo-ready.yaml"
    environment = {key: html.unescape(str(value)) for key, value in report.blob["environment"].items()}
    assert environment["Mode"] == "replay"
    assert environment["Cassette"] == str(cassette)
    assert environment["Cassette SHA-256"] == hashlib.sha256(cassette.read_bytes()).hexdigest()
    assert report.field("mode") == f"replay (cassette {cassette})"
    assert report.field("verdict") == "ACCEPTED"
    assert verify(report.path, capsys)[0] == 0


# -- escaping and secrets ---------------------------------------------------------------------------------


def test_script_in_gl_title_is_text_everywhere(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    server = simulator(scenario_with(title=SCRIPT))
    run, report = html_run(run_checks, pytester, server, f"--intacct-gl-account={SCRIPT}", *SIGNED)
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "passed"
    assert SCRIPT in report.rows["STEP4-NORMAL-BALANCE"]["observed"]
    assert SCRIPT in run.requirement("STEP4-NORMAL-BALANCE")["observed"]
    assert "<script>alert" not in report.text
    assert "alert(1)</script>" not in report.text


def test_row_hook_escapes_the_test_id_and_always_adds_as_many_cells_as_the_header() -> None:
    hooks = HtmlReport.__new__(HtmlReport)
    header = ["<th>Result</th>", "<th>Test</th>", "<th>Duration</th>", "<th>Links</th>"]
    hooks.pytest_html_results_table_header(header)
    for properties in ([], [("requirement", "STEP3-EMAIL"), ("outcome", "passed"), ("observed", "<b>x</b>")]):
        report = type("Report", (), {"nodeid": "t.py::test[<b>bold</b>]", "when": "call"})()
        report.user_properties = properties
        cells = ['<td class="col-result">Passed</td>', '<td class="col-testId">t.py::test[<b>bold</b>]</td>', "", ""]
        hooks.pytest_html_results_table_row(report, cells)
        assert len(cells) == len(header)
        assert cells[1] == '<td class="col-testId">t.py::test[&lt;b&gt;bold&lt;/b&gt;]</td>'
        assert "<b>" not in "".join(cells)


def test_passwords_never_reach_the_report(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    scenario = Scenario.from_dict(raw_scenario("ready")).with_passwords(
        sender_password=SENDER_SECRET, user_password=USER_SECRET
    )
    server = simulator(scenario)
    secrets = {"sender_password": SENDER_SECRET, "user_password": USER_SECRET}
    run, report = html_run(run_checks, pytester, server, "--intacct-udd", "-l", **secrets)
    assert run.outcomes["UDD-READ"] == "passed"
    # Every request authenticates with a <login> block: no session id exists to leak.
    assert not any(b"<sessionid>" in record.raw for record in server.log.records)
    for secret in (SENDER_SECRET, USER_SECRET):
        assert secret not in report.text

    # A failed sign-in (wrong user password) is the run most likely to echo a credential.
    _, failed = html_run(run_checks, pytester, simulator(scenario), "-l", sender_password=SENDER_SECRET)
    assert SENDER_SECRET not in failed.text


# -- digest and verify ---------------------------------------------------------------------------------


def test_json_and_report_carry_the_same_digest_over_the_document(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    run, report = html_run(run_checks, pytester, simulator("ready"), *SIGNED)
    document = run.document
    assert document["digest"]["algorithm"] == "sha256"
    assert report.embedded == document
    unsigned = {key: value for key, value in document.items() if key != "digest"}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical == canonical_json(document)
    assert document["digest"]["value"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert document["digest"]["value"] in report.field("digest")
    assert {key for key in document if key != "digest"} >= {"schema", "company", "verdict", "mode", "requirements"}

    # The whole-file seal, checked the way the summary tells a reader to: zeros back in, sha256 the bytes.
    data = report.path.read_bytes()
    unsealed = data.replace(report.file_digest.encode(), FILE_DIGEST_PLACEHOLDER.encode())
    assert report.file_digest != FILE_DIGEST_PLACEHOLDER
    assert hashlib.sha256(unsealed).hexdigest() == report.file_digest


def test_embedded_json_cannot_close_its_script_element() -> None:
    document = {"observed": "</script><script>alert(1)</script><!-- & >", "digest": None}
    text = embedded_json(document)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == document


def test_verify_names_every_edit(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    code, out, _ = verify(report.path, capsys)
    assert (code, out[0].startswith("verified:")) == (0, True)

    def dropped_row(blob: dict[str, Any]) -> None:
        for node in list(blob["tests"]):
            if "STEP3-ADMIN-FULL" in node:
                del blob["tests"][node]

    def passed_result(blob: dict[str, Any]) -> None:
        for node, entries in blob["tests"].items():
            if "STEP3-ADMIN-FULL" in node:
                entries[0]["result"] = "Passed"

    text = report.text
    edits = {
        "observed": (report.with_blob(lambda b: set_cell(b, "STEP3-ADMIN-FULL", "observed", "Full")), "observed"),
        "remediation": (report.with_blob(lambda b: set_cell(b, "STEP3-ADMIN-FULL", "remediation", "")), "remed"),
        "outcome": (report.with_blob(lambda b: set_cell(b, "STEP3-ADMIN-FULL", "outcome", "passed")), "outcome"),
        "dropped row": (report.with_blob(dropped_row), "missing from the results table"),
        "green result": (report.with_blob(passed_result), "the result shows 'Passed'"),
        "verdict": (text.replace(">NOT ACCEPTED<", ">ACCEPTED<"), "summary verdict"),
        "sign-off": (text.replace(">Dana Smith &lt;", ">Eve Smith &lt;"), "summary signoff"),
        "ticket": (text.replace("PEX-1234 &lt;", "PEX-9999 &lt;"), "summary ticket"),
        "title": (text.replace("acceptance report: ACME</h1>", "acceptance report: ACME2</h1>"), "title"),
        "label": (text.replace("<dt>Signed off by</dt>", "<dt>Approved by</dt>"), "summary text"),
        "colour": (text.replace("color:#c62828", "color:#1a7f37"), "summary: its markup"),
        "environment": (report.with_blob(lambda b: b["environment"].update({"Intacct user": "x"})), "environment"),
        "embedded": (text.replace('"verdict":"not-accepted"', '"verdict":"accepted"'), "digest"),
        "removed": (re.sub(r'<script type="application/json".*?</script>', "", text, flags=re.S), "embedded results"),
    }
    for name, (edited, named) in edits.items():
        assert edited != text, name
        report.path.write_text(edited, encoding="utf-8")
        code, out, err = verify(report.path, capsys)
        assert code == 1, name
        assert out and all("\n" not in line for line in out)
        assert any(named in line for line in out), (name, out)
        assert "NOT verified" in err


def test_whole_file_seal_catches_edits_outside_the_results(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edits the results-level checks cannot see: a reader would be misled, verify must still say no."""
    _, report = html_run(run_checks, pytester, simulator("limited-admin"))  # a DRAFT with a failed row
    assert verify(report.path, capsys)[0] == 0
    text = report.text
    hide = "<style>#pex-intacct-draft,.failed,tbody.results-table-row:has(.failed){display:none}</style>"
    rewrite = (
        "<script>addEventListener('load',()=>document.querySelectorAll('td.col-outcome')"
        ".forEach(td=>{td.textContent='passed'}))</script>"
    )
    edits = {
        "style hiding the draft and failed rows": text.replace("</head>", f"{hide}</head>", 1),
        "injected verdict": text.replace(
            '<section id="pex-intacct"', '<p>VERDICT: ACCEPTED, signed off by Dana</p><section id="pex-intacct"', 1
        ),
        "script rewriting cells": text.replace("</body>", f"{rewrite}</body>", 1),
        "log observed": report.with_blob(lambda b: edit_log(b, "STEP3-ADMIN-FULL", "Limited", "Full")),
        "log remediation": report.with_blob(lambda b: edit_log(b, "STEP3-ADMIN-FULL", "Set Admin", "Leave Admin")),
        "line endings": text.replace("\n", "\r\n"),
        "trailing byte": text + "\n",
        "seal value": text.replace(report.file_digest, "f" * 64),
    }
    for name, edited in edits.items():
        assert edited != text, name
        report.path.write_bytes(edited.encode("utf-8"))
        code, out, err = verify(report.path, capsys)
        assert code == 1, (name, out)
        assert FILE_EDITED in out, (name, out)
        assert "NOT verified" in err

    removed = FILE_DIGEST.sub("", text)
    report.path.write_bytes(removed.encode("utf-8"))
    code, out, _ = verify(report.path, capsys)
    assert code == 1 and any(line.startswith("whole-file digest: missing") for line in out), out

    report.path.write_bytes(text.encode("utf-8"))  # the original bytes verify again
    assert verify(report.path, capsys)[0] == 0


def test_seal_fills_exactly_one_slot_and_unseal_restores_it() -> None:
    page = f"<html><body><p>{file_digest_element()}</p></body></html>"
    sealed = seal_text(page, None)
    value = hashlib.sha256(page.encode()).hexdigest()
    assert sealed == page.replace(FILE_DIGEST_PLACEHOLDER, value)
    assert unseal_text(sealed) == (page, (value,))
    assert seal_text("<html>no results, no slot</html>", None) == "<html>no results, no slot</html>"
    with pytest.raises(ValueError, match="2 file digest slots"):
        seal_text(page + page, None)


def test_report_is_sealed_before_pytest_html_announces_it(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    """The file a user can open (pytest-html names it in the terminal summary) is already sealed."""
    pytester.makeconftest(
        """
        import shutil, pytest
        from pathlib import Path

        @pytest.hookimpl(tryfirst=True)
        def pytest_terminal_summary(config):
            path = Path(config.getoption("htmlpath"))
            shutil.copyfile(path, path.with_name("seen-at-terminal-summary.html"))
        """
    )
    _, report = html_run(run_checks, pytester, simulator("ready"), *SIGNED)
    seen = report.path.with_name("seen-at-terminal-summary.html").read_bytes()
    assert report.file_digest != FILE_DIGEST_PLACEHOLDER
    assert seen == report.path.read_bytes()


def test_hmac_signed_report_needs_the_key(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SIGNING_KEY_ENV, "k3y-for-tests")
    run, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    document = run.document
    assert document["digest"]["algorithm"] == "hmac-sha256"
    assert document["digest"] == compute_digest(document, b"k3y-for-tests") == report.embedded["digest"]
    assert "HMAC-SHA256" in report.field("digest")
    assert verify(report.path, capsys)[0] == 0

    assert hmac.new(b"k3y-for-tests", unseal_text(report.text)[0].encode(), "sha256").hexdigest() == report.file_digest

    monkeypatch.setenv(SIGNING_KEY_ENV, "another-key")
    code, out, _ = verify(report.path, capsys)
    assert (code, out) == (1, [WRONG_HMAC])
    assert "either the report was edited or PEX_INTACCT_SIGNING_KEY is not the key it was signed with" in out[0]

    # With the right key the document HMAC matches, so a changed byte elsewhere is an edit, not a key mix-up.
    monkeypatch.setenv(SIGNING_KEY_ENV, "k3y-for-tests")
    report.path.write_text(
        report.text.replace("</head>", "<style>.failed{display:none}</style></head>"), encoding="utf-8"
    )
    code, out, _ = verify(report.path, capsys)
    assert (code, out) == (1, [FILE_EDITED])
    report.path.write_text(report.text, encoding="utf-8")

    monkeypatch.delenv(SIGNING_KEY_ENV)
    code, out, err = verify(report.path, capsys)
    assert (code, out) == (2, [])
    assert SIGNING_KEY_ENV in err and len(err.splitlines()) == 1

    # A forger without the key re-hashes an edited document with plain SHA-256: the key holder rejects it.
    forged = dict(report.embedded, verdict="accepted")
    forged["digest"] = compute_digest(forged, None)
    text = re.sub(
        r'(id="pex-intacct-results">).*?(</script>)',
        lambda match: match.group(1) + embedded_json(forged) + match.group(2),
        report.text,
        flags=re.S,
    )
    report.path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(SIGNING_KEY_ENV, "k3y-for-tests")
    code, out, _ = verify(report.path, capsys)
    assert code == 1
    assert any("unkeyed SHA-256" in line for line in out)


def test_verify_usage_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_report = tmp_path / "notes.html"
    not_a_report.write_text("<html><body>hello</body></html>", encoding="utf-8")
    for arguments in ([], ["verify"], ["check", "x.html"], ["verify", "a.html", "b.html"]):
        assert main(arguments) == 2
        assert len(capsys.readouterr().err.splitlines()) == 1
    for path in (tmp_path / "missing.html", not_a_report):
        assert verify(path, capsys)[0] == 2


def test_verify_runs_as_a_module(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    _, report = html_run(run_checks, pytester, simulator("ready"), *SIGNED)
    command = [sys.executable, "-m", "pytest_pex_intacct", "verify", str(report.path)]
    untouched = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert untouched.returncode == 0, untouched.stderr
    report.path.write_text(report.text.replace(">ACCEPTED<", ">NOT ACCEPTED<"), encoding="utf-8")
    edited = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert edited.returncode == 1
    assert edited.stdout.splitlines() == [
        FILE_EDITED,
        "summary verdict: the page shows 'NOT ACCEPTED' but the embedded results say 'ACCEPTED'",
    ]


# -- xdist, JUnit, pytest-html absent ---------------------------------------------------------------------


def test_xdist_report_and_junit(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = pytester.path / "junit.xml"
    run, report = html_run(
        run_checks, pytester, simulator("limited-admin"), "-n", "2", f"--junitxml={junit}", *SIGNED, subprocess=True
    )
    assert run.result.ret == 1
    run.result.stdout.fnmatch_lines(["*2 workers*"])
    assert sorted(report.rows) == sorted(ALL_IDS)
    assert report.rows["STEP3-ADMIN-FULL"]["outcome"] == "failed"
    assert report.embedded == run.document
    assert report.file_digest != FILE_DIGEST_PLACEHOLDER  # sealed once, by the controller
    assert verify(report.path, capsys)[0] == 0
    text = junit.read_text(encoding="utf-8")
    for requirement_id in ALL_IDS:
        assert f'name="requirement" value="{requirement_id}"' in text
    assert 'name="outcome" value="failed"' in text
    assert text.count('name="outcome"') >= len(ALL_IDS)


def test_runs_without_pytest_html(simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester) -> None:
    run = run_checks(simulator("ready"), "-p", "no:html", *SIGNED)
    assert run.result.ret == 0, run.result.stdout.str()
    assert run.verdict == "accepted"
    assert run.document["digest"]["algorithm"] == "sha256"
    assert not list(pytester.path.rglob("*.html"))

    # pytest-html loaded but no --html: the report hooks (and the seal) are not even registered.
    run = run_checks(simulator("ready"), "--trace-config", *SIGNED)
    assert run.result.ret == 0, run.result.stdout.str()
    registered = run.result.stdout.str()
    assert "pex-intacct-run " in registered and "pex-intacct-html " not in registered
    assert not list(pytester.path.rglob("*.html"))


# -- a real browser renders the rows (they are built by JavaScript) --------------------------------------


def test_rendered_in_a_real_browser(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    chromium = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if chromium is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run installs it)")
    server = simulator(scenario_with(title=SCRIPT, normal_balance="credit"))
    run, report = html_run(run_checks, pytester, server, f"--intacct-gl-account={SCRIPT}", *SIGNED)
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "failed"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        report.path.as_uri(),
    ]
    rendered = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    dom = rendered.stdout
    assert 'id="pex-intacct-verdict">NOT ACCEPTED<' in dom
    body = dom.split('<table id="results-table">', 1)[-1]
    for requirement_id in ALL_IDS:
        assert f'<td class="col-requirement">{requirement_id}</td>' in body, requirement_id
    observed = html.escape(run.requirement("STEP4-NORMAL-BALANCE")["observed"], quote=False)
    assert f'<td class="col-observed">{observed}</td>' in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in dom
    scripts = re.findall(r"<script\b", dom)
    assert len(scripts) == 2, scripts  # pytest-html's app and the embedded results, nothing injected
