"""verify and the key files against hostile input: reports come from customer tickets.

Each attack runs the command in a subprocess with a timeout, so that a regression (minutes of parsing,
a read that never ends) fails the test instead of stalling the suite. No timing is asserted: the
payloads are sized so that the quadratic reading they were made against takes minutes, far beyond the
timeout, while a linear one answers at once.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_pex_intacct.__main__ import main
from pytest_pex_intacct.report import page_parser
from pytest_pex_intacct.report.html_tokens import TooMuchMarkup
from pytest_pex_intacct.report.keys import SIGNING_KEY_FILE_ENV, load_signer, signer_from_environment
from pytest_pex_intacct.report.page_parser import parse_page
from pytest_pex_intacct.report.verify_command import REPORT_SIZE_LIMIT, REPORT_SIZE_WORDS

# Generous: each of these answers in well under a second; html.parser took minutes on the payloads.
TIMEOUT = 60
SECTION = '<section id="pex-intacct">'
RESULTS = '<script type="application/json" id="pex-intacct-results">'


def run_verify(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest_pex_intacct", "verify", *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("payload", "code", "says"),
    [
        # html.parser rescans to the end of the input at each unterminated tag or comment: ~30 s for
        # 200 KB of "<a", hours for the others.
        pytest.param("<a" * 200_000, 2, "holds no pex-intacct results", id="unterminated tags"),
        pytest.param("<a x" * 100_000, 2, "holds no pex-intacct results", id="unterminated tags with attributes"),
        pytest.param("<!--" * 100_000, 2, "holds no pex-intacct results", id="unterminated comments"),
        # html.parser raised AssertionError (a traceback, exit 1).
        pytest.param("<p>hi</p><![x]><p>", 2, "holds no pex-intacct results", id="unknown marked section"),
        # verify's own reading walked every open element for each piece of text, or each end tag.
        pytest.param(SECTION + "<b>x" * 100_000, 1, "embedded results: missing", id="deep nesting"),
        pytest.param(SECTION + "<b>" * 50_000 + "</i>x" * 50_000, 1, "embedded results: missing", id="stray end tags"),
        # json.loads raised RecursionError (a traceback).
        pytest.param(SECTION + RESULTS + "[" * 100_000 + "</script>", 1, "nested too deeply", id="deep embedded json"),
    ],
)
def test_verify_reads_hostile_markup_in_linear_time(tmp_path: Path, payload: str, code: int, says: str) -> None:
    report = tmp_path / "report.html"
    report.write_text(payload, encoding="utf-8")
    result = run_verify(report)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert says in result.stdout + result.stderr


def test_verify_refuses_a_results_document_nested_too_deeply(tmp_path: Path) -> None:
    document = tmp_path / "results.json"
    document.write_text('{"a":' * 100_000, encoding="utf-8")
    result = run_verify(document)
    assert result.returncode == 2
    assert one_line(result) == f"verify: {document}: not JSON, so not a pex-intacct results document"


def test_verify_refuses_a_file_over_the_size_cap(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as stream:
        stream.truncate(REPORT_SIZE_LIMIT + 1)  # sparse: nothing is written
    result = run_verify(huge)
    assert result.returncode == 2
    message = one_line(result)
    assert message == f"verify: {huge} is larger than 20 MB, more than any pex-intacct report or results document"
    assert REPORT_SIZE_WORDS in message
    with huge.open("r+b") as stream:
        stream.truncate(REPORT_SIZE_LIMIT)  # at the cap it is read (and is no report)
    assert "holds no pex-intacct results" in one_line(run_verify(huge))


def test_a_page_with_more_markup_than_any_report_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The markup budget bounds the work whatever each piece costs (tags, texts, attributes alike)."""
    monkeypatch.setattr(page_parser, "MAX_MARKUP", 1_000)
    for payload in ("<b>x" * 1_200, "<a " + "x " * 1_200 + ">", SECTION + "<b>" * 2_000):
        with pytest.raises(TooMuchMarkup, match="more than 1,000 tags, texts and attributes"):
            parse_page(payload)
        report = tmp_path / "report.html"
        report.write_text(payload, encoding="utf-8")
        assert main(["verify", str(report)]) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"verify: {report}: it holds more than 1,000 tags, texts and attributes, far more than any "
            "pex-intacct report, so not a report file"
        ]
    assert parse_page("<b>x" * 900).texts == {}  # within the budget


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_verify_refuses_a_fifo_as_report_or_public_key(tmp_path: Path) -> None:
    """open() on a FIFO waits for a writer: verify must not wait (the timeout turns a hang into a failure)."""
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    result = run_verify(fifo)
    assert (result.returncode, one_line(result)) == (2, f"verify: {fifo} is a named pipe (FIFO), not a report file")

    report = tmp_path / "notes.html"
    report.write_text("<html></html>", encoding="utf-8")
    result = run_verify(report, "--public-key", fifo)
    assert result.returncode == 2
    assert one_line(result).startswith(f"verify: {fifo} is a named pipe (FIFO), not a public key file; pass the")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this platform")
def test_verify_refuses_a_device_as_report_or_public_key(tmp_path: Path) -> None:
    """/dev/zero never ends: read whole, it would fill the memory."""
    result = run_verify("/dev/zero")
    assert (result.returncode, one_line(result)) == (2, "verify: /dev/zero is a character device, not a report file")
    report = tmp_path / "notes.html"
    report.write_text("<html></html>", encoding="utf-8")
    result = run_verify(report, "--public-key=/dev/zero")
    assert result.returncode == 2
    assert one_line(result).startswith("verify: /dev/zero is a character device, not a public key file; pass the")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_or_device_as_signing_key_file_is_refused_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "pex.pem"
    os.mkfifo(fifo)
    for key in (fifo, Path("/dev/zero")):
        loaded = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from pytest_pex_intacct.report.keys import load_signer, "
                "SigningKeyError\ntry:\n    load_signer(Path(sys.argv[1]))\nexcept SigningKeyError as error:\n"
                "    print(error)",
                str(key),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        kind = "a named pipe (FIFO)" if key == fifo else "a character device"
        assert loaded.stdout.splitlines() == [
            f"{SIGNING_KEY_FILE_ENV}={key}: {kind}, not a key file; point it at the private key that "
            "'python -m pytest_pex_intacct keygen PATH' wrote, or unset it"
        ], loaded.stdout + loaded.stderr


@pytest.mark.skipif(os.name == "nt", reason="Windows keeps file permissions in ACLs, not mode bits")
def test_a_private_key_open_to_group_or_others_signs_with_a_one_line_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "pex"
    assert main(["keygen", str(key)]) == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    capsys.readouterr()
    signer = load_signer(key)
    assert capsys.readouterr().err == ""  # keygen's mode: silent

    for mode in (0o640, 0o604, 0o644):
        key.chmod(mode)
        again = signer_from_environment({SIGNING_KEY_FILE_ENV: str(key)}, tmp_path)
        assert again is not None and again.fingerprint == signer.fingerprint  # still signs
        warning = capsys.readouterr().err.splitlines()
        assert warning == [
            f"warning: {SIGNING_KEY_FILE_ENV}={key}: the private key is open to group or others (mode {mode:04o}); "
            f"it signs, but anyone who can read it can sign as PEX: chmod 600 {key}"
        ]
        assert "PRIVATE KEY" not in warning[0]


def test_the_tokenizer_reads_pages_as_a_browser_would(tmp_path: Path) -> None:
    """What verify compares is read as before (html.parser), for what a report holds."""
    page = parse_page(
        '<!DOCTYPE html><title id="head-title">A &amp; B</title>'
        '<p id="pex-intacct-x" class=a>one <b>two</b><!-- </p> --><br/><span/>'
        "<script>if (a < b) document.write('</p>')</script><style>p{}</style>three</p>"
        '<td id="pex-intacct-y" data-x="id=pex-intacct-z">&lt;four&gt;</td>'
        f'{RESULTS}{{"a":"\\u003c/script\\u003e"}}</script>'
        "<p id='pex-intacct-cut'>five"
    )
    assert page.texts == {
        "head-title": ("A & B",),
        "pex-intacct-x": ("one twothree",),
        "pex-intacct-y": ("<four>",),
        "pex-intacct-cut": ("five",),
    }
    assert page.embedded == ('{"a":"\\u003c/script\\u003e"}',)
    # Where a report never goes: a tag left open to the end is dropped, as the HTML standard has it.
    assert parse_page('<p id="pex-intacct-x">a<b x="unterminated>b</p>').texts == {"pex-intacct-x": ("a",)}
