"""The signed-off HTML report: what the customer reads, escaping, sign-off, digest and
signature, verify, xdist, and a real browser (rendered text and print)."""

from __future__ import annotations

import errno
import hashlib
import hmac
import html
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ALL_IDS, DEMO_CASSETTES, scenario_variant
from pytest_pex_intacct.__main__ import main
from pytest_pex_intacct.report import wording as report_wording
from pytest_pex_intacct.report.digests import SIGNING_KEY_ENV, canonical_json, compute_digest, embedded_json
from pytest_pex_intacct.report.integrity import (
    FILE_EDITED,
    FILE_SIGNATURE_MISMATCH,
    SIGNATURE_MISMATCH,
    SIGNATURE_MISSING,
    WRONG_HMAC,
)
from pytest_pex_intacct.report.keys import SIGNING_KEY_FILE_ENV, load_signer
from pytest_pex_intacct.report.machine_paths import without_machine_paths
from pytest_pex_intacct.report.page import render_summary
from pytest_pex_intacct.report.page_parser import parse_page
from pytest_pex_intacct.report.seal import (
    FILE_DIGEST_PLACEHOLDER,
    FILE_SIGNATURE_PLACEHOLDER,
    file_digest_element,
    file_signature_element,
    seal_text,
    unseal_text,
)
from pytest_pex_intacct.report.verify import NO_RESULTS
from pytest_pex_intacct.run.html_report import HtmlReport, environment_for_report
from pytest_pex_intacct.simulator import Scenario, raw_scenario

SIGNER = "Dana Smith <dana@pex.example>"
SIGNED = (
    f"--intacct-signoff={SIGNER}",
    "--intacct-ticket=PEX-1234 <ticket & co>",
    "--intacct-attest=STEP1-ATTACHMENT-NUMBERING",
)
SCRIPT = "<script>alert(1)</script>"
SENDER_SECRET = "Snd-Report-S3cret-51c0"
USER_SECRET = "Usr-Report-S3cret-a7e2"
FILE_DIGEST = re.compile(r'<code id="pex-intacct-file-digest">([0-9a-f]{64})</code>')
ROW = re.compile(r'<tr id="pex-intacct-row-([^"]+)" class="(\w+)">(.*?)</tr>', re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)
# A Python repr in text: a tuple or list of strings, a dict, an object's default repr, a traceback.
REPR = re.compile(r"""\('|\['|\{'|<\w[\w.]* object at 0x|<class '|Traceback \(most recent call last\)""")
# An absolute path of the machine (not a URL, not "Applications > Company"): /x/y, ~/x, C:\\x.
MACHINE_PATH = re.compile(r"(?<![\w/.:~-])/(?:[\w.@+-]+/)+[\w.@+-]*|~/|[A-Za-z]:\\")


@pytest.fixture(autouse=True)
def no_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in the developer's environment would turn every digest into an HMAC or add a signature."""
    monkeypatch.delenv(SIGNING_KEY_ENV, raising=False)
    monkeypatch.delenv(SIGNING_KEY_FILE_ENV, raising=False)


# -- reading a report the way a reviewer (or a script) would -----------------------------------------


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@dataclass(frozen=True)
class Row:
    tone: str
    outcome: str
    requirement: str
    observed: str
    fix: str


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
    def rows(self) -> dict[str, Row]:
        rows = {}
        for requirement_id, tone, markup in ROW.findall(self.text):
            cells = [_text(cell) for cell in CELL.findall(markup)]
            assert len(cells) == 4, cells
            rows[html.unescape(requirement_id)] = Row(tone, *cells)
        return rows

    def field(self, name: str) -> str:
        texts = parse_page(self.text).texts.get(f"pex-intacct-{name}")
        assert texts, f"no {name} on the page"
        return texts[0]

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


def html_run(run_checks: Any, pytester: pytest.Pytester, server: Any, *args: str, **options: Any) -> tuple[Any, Report]:
    path = pytester.path / "report" / "report.html"
    run = run_checks(server, f"--html={path}", "--self-contained-html", *args, **options)
    assert path.is_file(), run.result.stdout.str()
    return run, Report(path, path.read_text(encoding="utf-8"))


def verify(path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, list[str], str]:
    capsys.readouterr()  # drop what in-process pytester runs printed
    code = main(["verify", str(path), *options])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def edit_row(text: str, requirement_id: str, old: str, new: str) -> str:
    """The page with one row's markup edited (as a forger with a text editor would)."""
    match = next(match for match in ROW.finditer(text) if match.group(1) == requirement_id)
    row = match.group(0)
    assert old in row, (old, row)
    return text.replace(row, row.replace(old, new, 1), 1)


# -- content ---------------------------------------------------------------------------------------------


def test_signed_report_reads_verdict_signoff_rows_then_appendix(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    run, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    assert run.result.ret == 1
    assert report.title == "ACME: NOT ACCEPTED · PEX Sage Intacct acceptance report"
    assert "DRAFT" not in report.text
    text = report.text
    order = ['id="pex-intacct-verdict"', "<h2>Sign-off</h2>", 'id="pex-intacct-row-STEP1', "<h2>Appendix"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions), positions

    assert report.field("company") == "ACME"
    assert report.field("verdict") == "NOT ACCEPTED"
    assert report.field("verdict-meaning").startswith("At least one requirement failed: fix each failed row")
    counts = report.field("counts")
    assert counts.startswith(f"{len(ALL_IDS)} requirements: "), counts
    assert ", 1 failed" in counts and "1 not applicable" in counts

    rows = report.rows
    assert list(rows) == ALL_IDS
    failed = rows["STEP3-ADMIN-FULL"]
    assert (failed.tone, failed.outcome) == ("bad", "Failed")
    assert failed.requirement == "Admin Privileges is Full STEP3-ADMIN-FULL · Step 3.6"
    assert failed.observed.startswith("Intacct shows it is not set as the guide requires.")
    assert "Limited" in failed.observed
    assert (
        failed.fix
        == f"Web Services users > Edit > Admin Privileges {run.requirement('STEP3-ADMIN-FULL')['remediation']}"
    )
    assert rows["STEP1-ATTACHMENT-NUMBERING"].outcome == "Confirmed by a person"
    assert SIGNER in rows["STEP1-ATTACHMENT-NUMBERING"].observed
    assert (rows["STEP3-EMAIL"].tone, rows["STEP3-EMAIL"].outcome) == ("good", "Passed")
    assert rows["UDD-READ"].outcome == "Not applicable"
    # The catalogue's `PEX MPP` is shown as code, not with backticks.
    assert "<code>PEX MPP</code>" in text and "`" not in rows["STEP2-SENDER-ID"].requirement

    assert report.field("signoff") == SIGNER
    assert report.field("ticket") == "PEX-1234 <ticket & co>"
    assert "&lt;ticket &amp; co&gt;" in text
    assert report.field("attestations").startswith(f"STEP1-ATTACHMENT-NUMBERING attested by {SIGNER}")
    assert report.field("digest").startswith("SHA-256")
    document = run.document
    assert report.field("mode") == "live: read from the company's Intacct just now"
    assert report.field("version") == f"pytest-pex-intacct {document['plugin_version']}"
    assert report.field("run") == f"{document['started_at']} to {document['finished_at']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["finished_at"])
    assert report.field("checked") == document["finished_at"] and document["recorded_at"] is None
    assert "Replayed (UTC)" not in report.text
    environment = dict(document["environment"])
    assert environment["Python"] == ".".join(map(str, sys.version_info[:3]))
    assert "pytest" in environment["Packages"]
    assert report.field("environment").startswith("Python")

    # pytest's own rows (node ids, durations, "Skipped", tracebacks) are not in the file at all.
    assert report.blob["tests"] == {}
    assert "test_step3_user.py" not in text  # (pytest's words, e.g. in its hidden filters: the browser test)
    assert verify(report.path, capsys)[0] == 0


def test_without_signoff_the_report_is_a_draft(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    run, report = html_run(run_checks, pytester, simulator("ready"))
    assert run.verdict == "incomplete"
    assert report.title.endswith("(DRAFT)")
    assert report.field("draft").startswith("DRAFT: not signed off")
    assert '· <strong class="pex-draft-kicker">draft, not signed off</strong></p>' in report.text
    assert report.text.index('id="pex-intacct-draft"') < report.text.index('id="pex-intacct-row-STEP1')
    assert report.field("signoff") == "nobody (DRAFT)"
    assert report.field("verdict") == "INCOMPLETE"
    assert "STEP1-ATTACHMENT-NUMBERING needs a person's attestation" in report.field("attestations")
    assert report.rows["STEP1-ATTACHMENT-NUMBERING"].outcome == "Needs a person"


def test_replayed_report_names_the_cassette_by_file_name_and_hash(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    cassettes = pytester.path / "deep" / "recordings"
    recorded = run_checks(simulator("ready"), "--intacct-mode=record", f"--intacct-cassettes={cassettes}", *SIGNED)
    cassette = cassettes / "ACME.yaml"
    assert cassette.is_file(), recorded.result.stdout.str()
    run, report = html_run(
        run_checks,
        pytester,
        None,
        "--intacct-mode=replay",
        f"--intacct-cassettes={cassettes}",
        *SIGNED,
        sender_password=None,
        user_password=None,
    )
    assert run.outcomes == recorded.outcomes
    assert report.field("mode") == "replay: reproduced from a recording of an earlier run"
    assert report.field("cassette") == "ACME.yaml" == run.document["cassette"]
    assert report.field("cassette-sha256") == hashlib.sha256(cassette.read_bytes()).hexdigest()
    assert str(pytester.path) not in report.text and str(pytester.path) not in run.json_path.read_text()
    # The evidence dates from the recording: the sign-off says when Intacct was read, and when it was replayed.
    recorded_at = yaml.safe_load(cassette.read_text(encoding="utf-8"))["metadata"]["recorded"]["recorded_at"]
    assert run.document["recorded_at"] == recorded_at.replace("+00:00", "Z")
    assert report.field("recorded-at") == run.document["recorded_at"]
    assert report.field("checked") == run.document["finished_at"]
    assert "<dt>Intacct read (UTC)</dt>" in report.text and "<dt>Replayed (UTC)</dt>" in report.text
    assert verify(report.path, capsys)[0] == 0
    backdated = report.text.replace(f">{run.document['recorded_at']}<", ">2020-01-01T00:00:00Z<")
    assert backdated != report.text
    report.path.write_text(backdated, encoding="utf-8")
    code, out, _ = verify(report.path, capsys)
    assert code == 1 and any("summary recorded-at" in line for line in out), out


def test_one_cause_of_many_errors_is_told_once_on_the_page(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    run, report = html_run(run_checks, pytester, simulator("ready"), *SIGNED, sender_password="not-the-password")
    errors = [entry["id"] for entry in run.document["requirements"] if entry["outcome"] == "error"]
    assert len(errors) > 2, run.outcomes
    cause = run.requirement(errors[0])["observed"]
    rows = report.rows
    assert cause in rows[errors[0]].observed
    for requirement_id in errors[1:]:
        # The JSON keeps each row's full text; the page points back to the first.
        assert run.requirement(requirement_id)["observed"] == cause
        assert rows[requirement_id].observed.endswith(f"The same as {errors[0]}, above."), rows[requirement_id]
    assert sum(cause in row.observed for row in rows.values()) == 1
    assert verify(report.path, capsys)[0] == 0


def test_deselected_requirements_are_rows_that_say_not_run(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = html_run(run_checks, pytester, simulator("ready"), "-k", "STEP3-EMAIL", *SIGNED)
    rows = report.rows
    assert list(rows) == ALL_IDS
    assert rows["STEP3-EMAIL"].outcome == "Passed"
    assert {rows[requirement_id].outcome for requirement_id in ALL_IDS if requirement_id != "STEP3-EMAIL"} == {
        "Not run"
    }
    assert report.field("verdict") == "INCOMPLETE"
    assert verify(report.path, capsys)[0] == 0


def test_machine_paths_are_shortened_to_file_names() -> None:
    assert without_machine_paths("replay of /home/dana/work/cassettes/ACME.yaml: no match") == (
        "replay of ACME.yaml: no match"
    )
    assert without_machine_paths("--intacct-cassettes=/tmp/x/cassettes/ (see ~/notes/a.txt)") == (
        "--intacct-cassettes=cassettes (see a.txt)"
    )
    assert without_machine_paths(r"C:\Users\dana\ACME.yaml") == "ACME.yaml"
    untouched = "Company > Admin tab > Subscriptions; https://api.intacct.com/ia/xml/xmlgw.phtml; List/View; 3/4"
    assert without_machine_paths(untouched) == untouched


def test_environment_pytest_html_collects_loses_paths_and_the_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "dsmith")
    environment = environment_for_report(
        {
            "Python": "3.11.7",
            "Plugins": {"html": "4.2.0"},
            "WORKSPACE": "/srv/ci/dsmith/build",
            "Builder": "dsmith on ci-dsmithy",
        }
    )
    assert environment == [
        ["Python", "3.11.7"],
        ["Plugins", "html 4.2.0"],
        ["WORKSPACE", "build"],
        ["Builder", "[user] on ci-dsmithy"],
    ]


def test_every_outcome_has_words_and_none_is_pytest_vocabulary() -> None:
    outcomes = ["passed", "failed", "blocked", "error", "not-applicable", "manual", "not-run", "from-the-future"]
    document = {
        "company": "ACME",
        "verdict": "incomplete",
        "requirements": [
            {"id": f"STEP3-X{index}", "title": "t", "outcome": outcome, "observed": "o"}
            for index, outcome in enumerate(outcomes)
        ],
    }
    rows = Report(Path("x"), render_summary(document)).rows
    words = [rows[f"STEP3-X{index}"].outcome for index in range(len(outcomes))]
    assert words == [
        "Passed", "Failed", "Blocked", "Could not be verified", "Not applicable", "Needs a person", "Not run",
        "From the future",
    ]  # fmt: skip
    assert not {"Skipped", "XFailed", "XPassed", "Rerun", "Error"} & set(words)


# -- escaping and secrets ---------------------------------------------------------------------------------


def test_script_in_gl_title_is_text_everywhere(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    server = simulator(scenario_variant(gl_title=SCRIPT))
    run, report = html_run(run_checks, pytester, server, f"--intacct-gl-account={SCRIPT}", *SIGNED)
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "passed"
    assert SCRIPT in report.rows["STEP4-NORMAL-BALANCE"].observed
    assert SCRIPT in run.requirement("STEP4-NORMAL-BALANCE")["observed"]
    assert "<script>alert" not in report.text
    assert "alert(1)</script>" not in report.text


def test_row_hook_drops_requirement_rows_and_escapes_any_other_test_id() -> None:
    hooks = HtmlReport.__new__(HtmlReport)
    requirement = type("Report", (), {"nodeid": "t.py::test[STEP3-EMAIL]", "when": "call"})()
    requirement.user_properties = [("requirement", "STEP3-EMAIL"), ("outcome", "passed")]
    cells = ['<td class="col-result">Passed</td>', '<td class="col-testId">t.py::test</td>', "", ""]
    hooks.pytest_html_results_table_row(requirement, cells)
    assert cells == []

    other = type("Report", (), {"nodeid": "t.py::test[<b>bold</b>]", "when": "setup", "user_properties": []})()
    cells = ['<td class="col-result">Error</td>', '<td class="col-testId">t.py::test[<b>bold</b>]</td>', "", ""]
    hooks.pytest_html_results_table_row(other, cells)
    assert cells[1] == '<td class="col-testId">t.py::test[&lt;b&gt;bold&lt;/b&gt;]::setup</td>'
    assert len(cells) == 4


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
    assert "signature" not in document
    assert report.embedded == document
    unsigned = {key: value for key, value in document.items() if key != "digest"}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical == canonical_json(document)
    assert document["digest"]["value"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert document["digest"]["value"] in report.field("digest")
    assert {key for key in document if key != "digest"} >= {"schema", "company", "verdict", "mode", "requirements"}

    # The whole-file seal, checked the way the appendix tells a reader to: zeros back in, sha256 the bytes.
    data = report.path.read_bytes()
    unsealed = data.replace(report.file_digest.encode(), FILE_DIGEST_PLACEHOLDER.encode())
    assert report.file_digest != FILE_DIGEST_PLACEHOLDER
    assert hashlib.sha256(unsealed).hexdigest() == report.file_digest


def test_embedded_json_cannot_close_its_script_element() -> None:
    document = {"observed": "</script><script>alert(1)</script><!-- & >", "digest": None}
    text = embedded_json(document)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == document


def disguised_as_fleet_page(text: str) -> str:
    matrix = '<table id="pex-intacct-matrix"></table>'
    without_results = re.sub(r'<script type="application/json".*?</script>', matrix, text, flags=re.S)
    return without_results.replace('id="pex-intacct"', 'id="other"')


def test_verify_names_every_edit(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    code, out, _ = verify(report.path, capsys)
    assert (code, out[0].startswith("verified:")) == (0, True)

    text = report.text
    row = next(match.group(0) for match in ROW.finditer(text) if match.group(1) == "STEP3-ADMIN-FULL")
    edits = {
        "observed": (edit_row(text, "STEP3-ADMIN-FULL", "Limited", "Full"), "row STEP3-ADMIN-FULL"),
        "remediation": (edit_row(text, "STEP3-ADMIN-FULL", "Set Admin", "Leave Admin"), "row STEP3-ADMIN-FULL"),
        "outcome": (edit_row(text, "STEP3-ADMIN-FULL", ">Failed<", ">Passed<"), "row STEP3-ADMIN-FULL"),
        "row colour": (edit_row(text, "STEP3-ADMIN-FULL", 'class="bad"', 'class="good"'), "summary: its markup"),
        "dropped row": (text.replace(row, ""), "row STEP3-ADMIN-FULL: missing from the page"),
        "verdict": (text.replace(">NOT ACCEPTED<", ">ACCEPTED<"), "summary verdict"),
        "sign-off": (text.replace(">Dana Smith &lt;", ">Eve Smith &lt;"), "summary signoff"),
        "ticket": (text.replace("PEX-1234 &lt;", "PEX-9999 &lt;"), "summary ticket"),
        "title": (text.replace("ACME: NOT ACCEPTED ·", "ACME: ACCEPTED ·"), "title"),
        "label": (text.replace("<dt>Signed off by</dt>", "<dt>Approved by</dt>"), "summary text"),
        "colour": (text.replace("color:#c62828", "color:#1a7f37"), "summary: its markup"),
        "environment": (text.replace("<td>Python</td>", "<td>Python (edited)</td>"), "summary environment"),
        "embedded": (text.replace('"verdict":"not-accepted"', '"verdict":"accepted"'), "digest"),
        "removed": (re.sub(r'<script type="application/json".*?</script>', "", text, flags=re.S), "embedded results"),
        # Dressed up as a fleet page, or stripped of its section: still a sealed report, so edited (exit 1).
        "disguised as a fleet page": (disguised_as_fleet_page(text), "embedded results"),
    }
    for name, (edited, named) in edits.items():
        assert edited != text, name
        report.path.write_text(edited, encoding="utf-8")
        code, out, err = verify(report.path, capsys)
        assert code == 1, name
        assert out and all("\n" not in line for line in out)
        assert any(named in line for line in out), (name, out)
        assert not any("<script" in line or "pex-intacct-results" in line for line in out), (name, out)
        assert "NOT verified" in err


def test_whole_file_seal_catches_edits_outside_the_results(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edits the results-level checks cannot see: a reader would be misled, verify must still say no."""
    _, report = html_run(run_checks, pytester, simulator("limited-admin"))  # a DRAFT with a failed row
    assert verify(report.path, capsys)[0] == 0
    text = report.text
    hide = "<style>#pex-intacct-draft,tr.bad{display:none}</style>"
    rewrite = (
        "<script>addEventListener('load',()=>document.querySelectorAll('.pex-badge')"
        ".forEach(badge=>{badge.textContent='Passed'}))</script>"
    )
    edits = {
        "style hiding the draft and failed rows": text.replace("</head>", f"{hide}</head>", 1),
        "injected verdict": text.replace(
            '<section id="pex-intacct"', '<p>VERDICT: ACCEPTED, signed off by Dana</p><section id="pex-intacct"', 1
        ),
        "script rewriting cells": text.replace("</body>", f"{rewrite}</body>", 1),
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


def test_a_page_another_version_worded_verifies_by_its_whole_file_digest(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    written_by = report.embedded["plugin_version"]
    monkeypatch.setitem(report_wording.PLAIN_WORDS, "failed", "Reworded by a later version.")
    code, out, _ = verify(report.path, capsys)  # same version: a page that renders differently is an edit
    assert code == 1 and any(line.startswith("row STEP3-ADMIN-FULL") for line in out), out

    monkeypatch.setattr("pytest_pex_intacct.report.verify.__version__", "9.9.9")
    code, out, _ = verify(report.path, capsys)
    assert code == 0, out
    assert f"rendered by pytest-pex-intacct {written_by} and is not compared line by line by 9.9.9" in out[0]

    report.path.write_text(report.text.replace("ADMIN=&#x27;Limited", "ADMIN=&#x27;Full", 1), encoding="utf-8")
    code, out, _ = verify(report.path, capsys)
    assert code == 1 and FILE_EDITED in out, out


def test_seal_fills_exactly_one_slot_and_unseal_restores_it(tmp_path: Path) -> None:
    page = f"<html><body><p>{file_digest_element()}</p></body></html>"
    sealed = seal_text(page, None)
    value = hashlib.sha256(page.encode()).hexdigest()
    assert sealed == page.replace(FILE_DIGEST_PLACEHOLDER, value)
    unsealed = unseal_text(sealed)
    assert (unsealed.text, unsealed.digests, unsealed.signatures) == (page, (value,), ())
    assert seal_text("<html>no results, no slot</html>", None) == "<html>no results, no slot</html>"
    with pytest.raises(ValueError, match="2 file digest slots"):
        seal_text(page + page, None)

    # With a signer both slots are filled, each over the text with both placeholders in place.
    key = tmp_path / "pex"
    assert main(["keygen", str(key)]) == 0
    signer = load_signer(key)
    signed_page = f"<html><body><p>{file_digest_element()}{file_signature_element()}</p></body></html>"
    sealed = seal_text(signed_page, None, signer)
    unsealed = unseal_text(sealed)
    assert unsealed.text == signed_page
    assert unsealed.digests == (hashlib.sha256(signed_page.encode()).hexdigest(),)
    assert len(unsealed.signatures) == 1 and unsealed.signatures[0] != FILE_SIGNATURE_PLACEHOLDER
    with pytest.raises(ValueError, match="0 file signature slots"):
        seal_text(page, None, signer)


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

    assert (
        hmac.new(b"k3y-for-tests", unseal_text(report.text).text.encode(), "sha256").hexdigest() == report.file_digest
    )

    monkeypatch.setenv(SIGNING_KEY_ENV, "another-key")
    code, out, _ = verify(report.path, capsys)
    assert (code, out) == (1, [WRONG_HMAC])
    assert "either the report was edited or PEX_INTACCT_SIGNING_KEY is not the key it was signed with" in out[0]

    # With the right key the document HMAC matches, so a changed byte elsewhere is an edit, not a key mix-up.
    monkeypatch.setenv(SIGNING_KEY_ENV, "k3y-for-tests")
    report.path.write_text(
        report.text.replace("</head>", "<style>tr.bad{display:none}</style></head>"), encoding="utf-8"
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


def test_keygen_writes_a_private_key_for_its_owner_only_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "pex"
    assert main(["keygen", str(key)]) == 0
    out = capsys.readouterr().out
    private, public = key.read_text(encoding="ascii"), (tmp_path / "pex.pub").read_text(encoding="ascii")
    assert private.startswith("-----BEGIN PRIVATE KEY-----") and public.startswith("-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    signer = load_signer(key)
    assert signer.fingerprint in out and "pex.pub" in out
    secret_line = private.splitlines()[1]
    assert secret_line not in out and secret_line not in repr(signer)

    for existing in (key, tmp_path / "other.pub"):
        (tmp_path / "other.pub").write_text("keep me", encoding="ascii")
        target = existing if existing == key else tmp_path / "other"
        assert main(["keygen", str(target)]) == 2
        err = capsys.readouterr().err
        assert "already exists" in err and len(err.splitlines()) == 1
    assert key.read_text(encoding="ascii") == private
    assert (tmp_path / "other.pub").read_text(encoding="ascii") == "keep me"
    assert not (tmp_path / "other").exists()


def test_ed25519_signed_report_verifies_with_the_public_key_alone(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    key, other = tmp_path / "pex", tmp_path / "other"
    assert main(["keygen", str(key)]) == 0 and main(["keygen", str(other)]) == 0
    capsys.readouterr()
    monkeypatch.setenv(SIGNING_KEY_FILE_ENV, str(key))
    run, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    document = run.document
    fingerprint = load_signer(key).fingerprint
    assert document["signature"]["algorithm"] == "ed25519"
    assert document["signature"]["key_fingerprint"] == fingerprint == report.field("key")
    assert report.embedded == document
    assert document["signature"]["value"] in report.field("signature")
    assert f"the key's fingerprint must be {fingerprint}" in html.unescape(report.text)
    private = key.read_text(encoding="ascii").splitlines()[1]
    assert (
        private not in report.text
        and private not in run.json_path.read_text()
        and private not in str(run.result.outlines)
    )

    public = f"--public-key={key}.pub"
    code, out, _ = verify(report.path, capsys, public)
    assert code == 0 and "Ed25519 signatures by key" in out[0], out
    code, out, _ = verify(report.path, capsys)  # without the key: the digests still hold, the signature is named
    assert code == 0 and "not checked (pass --public-key" in out[0]

    code, out, _ = verify(report.path, capsys, "--public-key", f"{other}.pub")
    assert code == 1 and any("not with the public key given" in line for line in out), out

    # The results document (--intacct-json) carries the same signature and checks the same way.
    code, out, _ = verify(run.json_path, capsys, public)
    assert code == 0 and "Ed25519 signature by key" in out[0] and "is valid" in out[0], out
    code, out, _ = verify(run.json_path, capsys, "--public-key", f"{other}.pub")
    assert code == 1 and any("not with the public key given" in line for line in out), out
    rehashed = dict(document, verdict="accepted")
    rehashed["digest"] = compute_digest(rehashed, None)
    forged_json = tmp_path / "forged.json"
    forged_json.write_text(json.dumps(rehashed), encoding="utf-8")
    assert verify(forged_json, capsys)[0] == 0  # an unkeyed digest alone cannot stop a forger who re-hashes
    code, out, _ = verify(forged_json, capsys, public)
    assert code == 1 and out == ["signature: does not match the results (they were edited after signing)"], out

    text = report.text
    # An edit re-hashed by a forger: the SHA-256 digests match again, the signature does not.
    forged = dict(report.embedded, verdict="accepted")
    forged["digest"] = compute_digest(forged, None)
    edited = re.sub(
        r'(id="pex-intacct-results">).*?(</script>)',
        lambda match: match.group(1) + embedded_json(forged) + match.group(2),
        text,
        flags=re.S,
    )
    report.path.write_text(edited, encoding="utf-8")
    code, out, _ = verify(report.path, capsys, public)
    assert code == 1 and SIGNATURE_MISMATCH in out, out

    # A style injected and the file digest recomputed by the forger: only the file signature catches it.
    unsealed = unseal_text(text)
    injected = unsealed.text.replace("</head>", "<style>tr.bad{display:none}</style></head>", 1)
    resealed = injected.replace(
        file_digest_element(), file_digest_element(hashlib.sha256(injected.encode()).hexdigest())
    )
    resealed = resealed.replace(file_signature_element(), file_signature_element(unsealed.signatures[0]))
    report.path.write_text(resealed, encoding="utf-8")
    code, out, _ = verify(report.path, capsys, public)
    assert (code, out) == (1, [FILE_SIGNATURE_MISMATCH])

    stripped = dict(report.embedded)
    del stripped["signature"]
    report.path.write_text(
        re.sub(
            r'(id="pex-intacct-results">).*?(</script>)',
            lambda match: match.group(1) + embedded_json(stripped) + match.group(2),
            text,
            flags=re.S,
        ),
        encoding="utf-8",
    )
    code, out, _ = verify(report.path, capsys, public)
    assert code == 1 and SIGNATURE_MISSING in out, out

    (tmp_path / "bad.pub").write_text("not a key", encoding="ascii")
    for bad in ("bad.pub", "missing.pub"):
        code, out, err = verify(report.path, capsys, "--public-key", str(tmp_path / bad))
        assert (code, out, len(err.splitlines())) == (2, [], 1)


def test_a_report_signed_both_ways_verifies_with_the_public_key_alone(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    key = tmp_path / "pex"
    assert main(["keygen", str(key)]) == 0
    monkeypatch.setenv(SIGNING_KEY_FILE_ENV, str(key))
    monkeypatch.setenv(SIGNING_KEY_ENV, "pex-audit-k3y")
    run, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    assert (run.document["digest"]["algorithm"], run.document["signature"]["algorithm"]) == ("hmac-sha256", "ed25519")
    monkeypatch.delenv(SIGNING_KEY_ENV)  # the customer has PEX's public key, not its audit key
    code, out, _ = verify(report.path, capsys, f"--public-key={key}.pub")
    assert code == 0, out
    assert "hmac-sha256 digests not checked (no PEX_INTACCT_SIGNING_KEY)" in out[0]
    assert "Ed25519 signatures by key" in out[0]
    assert verify(report.path, capsys)[0] == 2  # without either key nothing proves the file

    report.path.write_text(
        report.text.replace("</head>", "<style>tr.bad{display:none}</style></head>"), encoding="utf-8"
    )
    code, out, _ = verify(report.path, capsys, f"--public-key={key}.pub")
    assert (code, out) == (1, [FILE_SIGNATURE_MISMATCH])


@pytest.mark.parametrize("content", ["garbage", "rsa", "encrypted", "missing"])
def test_unusable_signing_key_file_is_a_usage_error_before_any_request(
    content: str,
    simulator: Callable[..., Any],
    run_checks: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = tmp_path / "key.pem"
    secret = "PEM-S3cret-Body-9f1e"
    if content == "garbage":
        key.write_text(f"-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n", encoding="ascii")
    elif content != "missing":
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(b"pw") if content == "encrypted" else serialization.NoEncryption()
        )
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key.write_bytes(
            rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        )
        secret = key.read_text(encoding="ascii").splitlines()[2]
    monkeypatch.setenv(SIGNING_KEY_FILE_ENV, str(key))
    server = simulator("ready")
    run = run_checks(server, *SIGNED)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in run.result.errlines if line.strip()]
    assert len(errors) == 1 and SIGNING_KEY_FILE_ENV in errors[0], run.result.errlines
    assert secret not in "\n".join(run.result.outlines + run.result.errlines)
    assert not server.log.records


def test_verify_usage_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_report = tmp_path / "notes.html"
    not_a_report.write_text("<html><body>hello</body></html>", encoding="utf-8")
    for arguments in (
        [],
        ["verify"],
        ["check", "x.html"],
        ["verify", "a.html", "b.html"],
        ["verify", "a.html", "--public-key"],
        ["keygen"],
    ):
        assert main(arguments) == 2
        assert len(capsys.readouterr().err.splitlines()) == 1
    for path in (tmp_path / "missing.html", not_a_report):
        assert verify(path, capsys)[0] == 2


def test_verify_says_in_plain_words_why_it_cannot_read_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # paths as the user types them
    Path("reports").mkdir()
    Path("binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    expected = {
        "reports": "verify: reports is a directory, not a report file",
        "nope.html": "verify: no such file: nope.html",
        "binary.html": "verify: binary.html is not UTF-8 text, so not a report file",
    }
    os_open = os.open

    # What mode 000 gives (but not to root, who may run this suite); verify opens files with os.open.
    def refused(path: Any, flags: int, *args: Any) -> int:
        if Path(path).name == "locked.html":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return os_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refused)
    Path("locked.html").write_text("<html></html>", encoding="utf-8")
    expected["locked.html"] = "verify: cannot read locked.html: Permission denied"
    for argument, message in expected.items():
        code, out, err = verify(Path(argument), capsys)
        assert (code, out, err.splitlines()) == (2, [], [message]), argument


def test_verify_says_a_page_without_pex_intacct_results_is_no_report_of_ours(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "edited" (exit 1), and no element id of ours: the user gave the wrong kind of file."""
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    plain = pytester.path / "plain.html"
    assert pytester.runpytest("-p", "no:cacheprovider", f"--html={plain}", "--self-contained-html").ret == 0
    notes = pytester.path / "notes.html"
    notes.write_text("<html><body>hello</body></html>", encoding="utf-8")
    for path in (plain, notes):
        code, out, err = verify(path, capsys)
        assert (code, out) == (2, []), path
        assert err.splitlines() == [f"verify: {path}: {NO_RESULTS}"]
    assert NO_RESULTS == "the file holds no pex-intacct results (is it a pex-intacct report?)"


def test_verify_runs_as_a_module_without_pytest(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    _, report = html_run(run_checks, pytester, simulator("limited-admin"), *SIGNED)
    command = [sys.executable, "-m", "pytest_pex_intacct", "verify", str(report.path)]
    untouched = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert untouched.returncode == 0, untouched.stderr
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pytest_pex_intacct.__main__ import main; code = main(['verify', sys.argv[1]]); "
            "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'pytest', '_pytest', 'pytest_html'}))",
            str(report.path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert loaded.stdout.splitlines()[-1] == "0 []", loaded.stdout + loaded.stderr
    report.path.write_text(report.text.replace(">NOT ACCEPTED<", ">ACCEPTED<"), encoding="utf-8")
    edited = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert edited.returncode == 1
    assert edited.stdout.splitlines() == [
        FILE_EDITED,
        "summary verdict: the page shows 'ACCEPTED' but the embedded results say 'NOT ACCEPTED'",
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
    assert report.rows["STEP3-ADMIN-FULL"].outcome == "Failed"
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


# -- a real browser: what the customer sees on screen and on paper --------------------------------------

REQUIRE_BROWSER_ENV = "PEX_INTACCT_REQUIRE_BROWSER"
# The guide's words for its sections, as the customer reads them.
GROUP_HEADINGS = (
    ("STEP1", "Step 1 · Attachments numbering"),
    ("STEP2", "Step 2 · Web Services and the sender ID"),
    ("STEP3", "Step 3 · The Web Services user"),
    ("STEP4", "Step 4 · The PEX GL account"),
    ("UDD", "Optional · User-defined dimensions"),
)
# What pytest or pytest-html would say; the customer's page says none of it.
PYTEST_WORDS = re.compile(r"\b(Skipped|XFailed|XPassed|Rerun|skipped|xfailed|rerun)\b|\d+ ms\b|tests? took|\(Un\)check")
# Appended to a *copy* of the report: writes what the browser renders as text (innerText leaves out
# everything display:none) into the DOM, where --dump-dom can read it.
RENDERED_TEXT_PROBE = """<script>
addEventListener('load', () => setTimeout(() => {
  const text = document.createElement('pre');
  text.id = 'rendered-text';
  text.textContent = document.body.innerText;
  const sizes = document.createElement('pre');
  sizes.id = 'font-sizes';
  const rows = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (!element.getClientRects().length) continue;
    const own = [...element.childNodes].filter((node) => node.nodeType === 3).map((node) => node.textContent);
    if (own.join('').trim()) rows.push(getComputedStyle(element).fontSize + '\\t' + own.join('').trim());
  }
  sizes.textContent = rows.join('\\n');
  document.documentElement.append(text, sizes);
}, 0));
</script>"""


CHROMIUM = Path("/usr/bin/chromium")


def _chromium() -> str:
    found = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if found is None:
        message = "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{message}, and {REQUIRE_BROWSER_ENV}=1 requires the browser tests")
        pytest.skip(f"{message}: the browser tests did not run")
    return found


def test_browser_tests_skip_without_chromium_unless_it_is_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(REQUIRE_BROWSER_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"chromium is not installed .*: the browser tests did not run"):
        _chromium()
    monkeypatch.setenv(REQUIRE_BROWSER_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=r"PEX_INTACCT_REQUIRE_BROWSER=1 requires the browser tests"):
        _chromium()


def _chromium_run(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@dataclass(frozen=True)
class Rendered:
    text: str  # what the browser shows as text (nothing hidden by CSS)
    dom: str  # the DOM after pytest-html's JavaScript ran
    largest: str  # the visible text set in the largest type

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def without_code(markup: str) -> str:
    """The file without pytest-html's JavaScript and the style sheets (its data, the results JSON, kept)."""
    markup = re.sub(r"<script>.*?</script>", "", markup, flags=re.S)
    return re.sub(r"<style\b.*?</style>", "", markup, flags=re.S)


def rendered(report: Report, tmp_path: Path) -> Rendered:
    """The page as headless Chromium renders it, read from a probed *copy* of the report."""
    probe = tmp_path / "probe.html"
    probe.write_text(report.text.replace("</body>", RENDERED_TEXT_PROBE + "</body>", 1), encoding="utf-8")
    dom = _chromium_run(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()).stdout
    text = re.search(r'<pre id="rendered-text">(.*?)</pre>', dom, re.S)
    sizes = re.search(r'<pre id="font-sizes">(.*?)</pre>', dom, re.S)
    assert text and sizes, dom[-2000:]
    elements = [line.split("\t", 1) for line in html.unescape(sizes.group(1)).splitlines() if "\t" in line]
    largest = max(float(size.removesuffix("px")) for size, _ in elements)
    in_largest = [own for size, own in elements if float(size.removesuffix("px")) == largest]
    return Rendered(html.unescape(text.group(1)), dom.split('<pre id="rendered-text">')[0], " ".join(in_largest))


def _demo_run(demo: str, run_checks: Any, pytester: pytest.Pytester) -> tuple[Any, Report]:
    """A bundled demo company's report, replayed from its recording as the README's demo command does."""
    return html_run(
        run_checks,
        pytester,
        None,
        "--intacct-mode=replay",
        f"--intacct-cassettes={DEMO_CASSETTES}",
        "--intacct-udd",
        "--intacct-write-probe",
        f"--intacct-signoff={SIGNER}",
        "--intacct-ticket=PEX-1234",
        company=demo,
        sender_password=None,
        user_password=None,
    )


@pytest.mark.parametrize("demo", ["demo-ready", "demo-misconfigured", "demo-user-misconfigured"])
def test_each_demo_company_reads_right_in_a_real_browser(
    demo: str,
    run_checks: Any,
    pytester: pytest.Pytester,
    tmp_path: Path,
) -> None:
    _chromium()
    run, report = _demo_run(demo, run_checks, pytester)
    page = rendered(report, tmp_path)
    text, lines = page.text, page.lines
    document = run.document
    verdict = {"accepted": "ACCEPTED", "not-accepted": "NOT ACCEPTED", "incomplete": "INCOMPLETE"}[document["verdict"]]

    # Verdict first, in the largest type; then the sign-off; then the requirements; the appendix last.
    assert lines[:2] == ["PEX SAGE INTACCT ACCEPTANCE REPORT", f"{demo} {verdict}"], lines[:3]
    assert page.largest == f"{demo} {verdict}"
    assert lines[2].startswith(VERDICT_NEXT[document["verdict"]])
    # The guide's sections this document's requirements fall in, in the page's order (a step added to the
    # catalogue brings its own).
    group_headings = [(section.prefix, section.heading) for section, _ in report_wording.grouped(document)]
    worded = dict(GROUP_HEADINGS)
    assert all(heading == worded.get(prefix, heading) for prefix, heading in group_headings), group_headings
    order = [lines.index("Sign-off"), *(lines.index(heading) for _, heading in group_headings)]
    order.append(next(index for index, line in enumerate(lines) if line.startswith("Appendix")))
    assert order == sorted(order) and order[0] > 2, order

    # Grouped by step: each requirement's row sits under its own step's heading, with its outcome in words.
    headings = dict((prefix, lines.index(heading)) for prefix, heading in group_headings)
    for entry in document["requirements"]:
        row_line = next(index for index, line in enumerate(lines) if line.startswith(entry["id"] + " ·"))
        start = headings[entry["id"].split("-")[0]]
        later = [index for index in headings.values() if index > start]
        assert start < row_line < (later[0] if later else order[-1]), entry["id"]
        assert outcome_word(entry) in text, entry
    assert not PYTEST_WORDS.search(text), PYTEST_WORDS.search(text)
    assert lines.index("Environment") > order[-1] and "Python" in text  # the environment, in the appendix only

    # Nothing of the machine, no Python repr, anywhere: not in what is shown, not in the file (its
    # data included; pytest-html's own program code and styles aside).
    for haystack in (text, without_code(report.text)):
        assert not MACHINE_PATH.search(haystack), MACHINE_PATH.search(haystack)
        assert not REPR.search(haystack), REPR.search(haystack)
        for machine in (str(pytester.path), str(Path.home()), str(Path.cwd())):
            assert machine not in haystack

    # Failed rows stand out.
    failed = [entry["id"] for entry in document["requirements"] if entry["outcome"] == "failed"]
    assert bool(failed) == (demo != "demo-ready")
    assert all(f'<tr id="pex-intacct-row-{requirement_id}" class="bad">' in page.dom for requirement_id in failed)
    if demo == "demo-misconfigured":
        assert "Blocked by STEP2-SENDER-ID" in text
    scripts = re.findall(r"<script\b", page.dom)
    assert len(scripts) == 3, scripts  # pytest-html's app, the embedded results and this test's probe


VERDICT_NEXT = {
    "accepted": "Every mandatory requirement of PEX's setup guide is met",
    "not-accepted": "At least one requirement failed: fix each failed row below",
    "incomplete": "Nothing failed, but not every requirement could be confirmed",
}


def outcome_word(entry: dict[str, Any]) -> str:
    if entry["outcome"] == "blocked":
        return f"Blocked by {entry['blocked_by']}"
    if entry["outcome"] == "manual":
        return "Confirmed by a person" if entry["attested_by"] else "Needs a person"
    return {
        "passed": "Passed",
        "failed": "Failed",
        "not-applicable": "Not applicable",
        "error": "Could not be verified",
        "not-run": "Not run",
    }[entry["outcome"]]


def test_script_in_a_field_stays_text_in_a_real_browser(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    _chromium()
    server = simulator(scenario_variant(gl_title=SCRIPT, gl_normal_balance="credit"))
    run, report = html_run(run_checks, pytester, server, f"--intacct-gl-account={SCRIPT}", *SIGNED)
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "failed"
    page = rendered(report, tmp_path)
    assert SCRIPT in page.text
    assert "<script>alert(1)" not in page.dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.dom


def test_a_report_without_failures_prints_on_at_most_two_readable_a4_pages(
    run_checks: Any, pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chromium()
    from pdfminer.high_level import extract_pages, extract_text
    from pdfminer.layout import LTChar, LTPage, LTTextContainer

    # Signed, so the appendix carries its longest integrity block.
    key = tmp_path / "pex"
    assert main(["keygen", str(key)]) == 0
    monkeypatch.setenv(SIGNING_KEY_FILE_ENV, str(key))
    run, report = _demo_run("demo-ready", run_checks, pytester)
    assert run.verdict == "accepted", run.result.stdout.str()
    assert "signature" in run.document
    assert "failed" not in run.outcomes.values()
    pdf = tmp_path / "report.pdf"
    _chromium_run(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.path.as_uri())
    pages = [page for page in extract_pages(pdf) if isinstance(page, LTPage)]
    assert 1 <= len(pages) <= 2, len(pages)
    for page in pages:  # A4 portrait, in points
        assert (round(page.width), round(page.height)) == (595, 842)

    # Every row is on paper: its ID and its outcome whole, every word of its title (compared without
    # line breaks, which the print layout puts where it likes; a PDF's text comes back column by
    # column, so a wrapped title is not one string there).
    compact = "".join(extract_text(pdf).split())
    for entry in run.document["requirements"]:
        assert entry["id"] in compact and "".join(outcome_word(entry).split()) in compact, entry
        # A title word may also break at its hyphen, with another column's text between the halves.
        pieces = entry["title"].replace("`", "").replace("-", " ").split()
        assert all(piece in compact for piece in pieces), entry["title"]
    assert "Appendix" in compact

    def sizes(item: Any) -> list[float]:
        if isinstance(item, LTChar):
            return [item.size] if item.get_text().strip() else []
        return [size for child in item for size in sizes(child)] if hasattr(item, "__iter__") else []

    smallest = min(
        size for page in pages for element in page if isinstance(element, LTTextContainer) for size in sizes(element)
    )
    assert smallest >= 7, f"text printed at {smallest:.1f} pt is too small to read"
