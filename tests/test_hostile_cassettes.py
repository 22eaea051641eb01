"""Cassettes against hostile content: a recording is copied between machines and attached to tickets, and
nothing in it is trusted.

The attacks run the plugin in a subprocess with a timeout (and, where the system allows it, a cap on
its memory), so that a regression (a run held for ever, gigabytes swallowed) fails the test instead of
stalling the suite or the machine. No time is asserted: refused, each of these ends at start-up.
The many shapes of one attack are checked in-process, through the settings a run resolves.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import DEMO_CASSETTES
from pytest_pex_intacct.config.option import SettingsError
from pytest_pex_intacct.config.settings import resolve_settings
from pytest_pex_intacct.recording.cassette import CassetteProblem, CassetteRecordings, load_cassette
from pytest_pex_intacct.recording.cassette_file import MAX_CASSETTE_BYTES, read_cassette_bytes
from pytest_pex_intacct.recording.cassette_yaml import MAX_DEPTH, MAX_EVENTS
from pytest_pex_intacct.simulator import Scenario, faults, raw_scenario

# Generous: refused, each run ends in about a second; unrefused, the bombs ran for ever.
TIMEOUT = 60
# Far above what a run needs (about 300 MB of address space), far below what the alias bombs took.
MEMORY_CAP = 2 * 1024**3
SENDER_SECRET = "Snd-S3cr3t-7f41c0de"
USER_SECRET = "Usr-S3cr3t-9a2b77aa"
RECORD_AGAIN = "record it again with: pytest --intacct-company=ACME --intacct-mode=record"


def acme_recording() -> str:
    """The demo recording of the ready company, as a recording of company ACME (a customer's, not a demo)."""
    return (DEMO_CASSETTES / "demo-ready.yaml").read_text(encoding="utf-8").replace("demo-ready", "ACME")


def cassettes_with(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "cassettes"
    directory.mkdir(exist_ok=True)
    (directory / "ACME.yaml").write_text(text, encoding="utf-8")
    return directory


def edited(edit: Callable[[dict[str, Any]], object]) -> str:
    data = yaml.safe_load(acme_recording())
    edit(data)
    return yaml.safe_dump(data)


def with_recorded(key: str, value: object) -> str:
    def put(data: dict[str, Any]) -> None:
        data["metadata"]["recorded"][key] = value

    return edited(put)


def _cap_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    except (ImportError, ValueError, OSError):
        pass


def run_plugin(cassettes: Path, *args: str, passwords: bool = False) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("INTACCT_", "PYTEST_ADDOPTS"))
    }
    if passwords:
        environment |= {"INTACCT_SENDER_PASSWORD": SENDER_SECRET, "INTACCT_USER_PASSWORD": USER_SECRET}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--intacct-company=ACME"]
    command += [f"--intacct-cassettes={cassettes}", *args]
    return subprocess.run(
        command,
        cwd=cassettes.parent,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
        check=False,
        preexec_fn=_cap_memory if os.name == "posix" else None,
    )


def replay(cassettes: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_plugin(cassettes, "--intacct-mode=replay", *args)


def obeyable(text: str) -> list[str]:
    """The characters of ``text`` a terminal would obey or reorder by (line ends aside)."""
    return [
        character
        for character in set(text)
        if character not in "\n\r" and unicodedata.category(character) in ("Cc", "Cf")
    ]


def usage_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a run refused before any check ran, with nothing a terminal would obey."""
    assert "Traceback" not in result.stderr and "INTERNALERROR" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert not obeyable(result.stdout + result.stderr)
    return lines[0]


def refusal(cassettes: Path) -> str:
    """The usage error that resolving a replay's settings gives (in-process: what the run prints)."""
    raw = {"company_id": "ACME", "mode": "replay", "cassette_dir": str(cassettes)}
    with pytest.raises(SettingsError) as caught:
        resolve_settings(raw, {}, cassettes.parent, cassettes.parent, recordings=CassetteRecordings())
    message = str(caught.value)
    assert "\n" not in message and not obeyable(message)
    assert message.startswith(f"replay: {cassettes / 'ACME.yaml'} is not a usable recording: ")
    assert RECORD_AGAIN in message
    return message


def test_the_harness_recording_replays(tmp_path: Path) -> None:
    """The recording the attacks start from is a good one: whatever they change is what is refused."""
    result = replay(cassettes_with(tmp_path, acme_recording()))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "pex-intacct verdict for ACME: ACCEPTED" in result.stdout


# -- 1. YAML aliases --------------------------------------------------------------------------------

LAUGHS = "\n".join(
    [
        "    b0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(f"    b{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 10)),
    ]
)


def test_an_alias_bomb_in_the_metadata_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """About 600 bytes that held a run for ever in 8 GB: nine levels of nine aliases, adopted as the user."""
    text = acme_recording()
    text = text[: text.index("metadata:\n")] + f"metadata:\n  recorded:\n{LAUGHS}\n    user: *a9\nversion: 1\n"
    assert len(text.split("metadata:")[1]) < 1000
    line = usage_line(replay(cassettes_with(tmp_path, text)))
    assert "is not a usable recording: the cassette holds YAML aliases (line" in line
    assert "which a recording never has" in line and RECORD_AGAIN in line


def test_an_alias_bomb_in_a_response_header_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """The same bomb as a recorded answer's Content-Type: it ended in MemoryError (exit 3)."""
    text = acme_recording()
    text = "anchors:\n" + LAUGHS.replace("    ", "  ") + "\n" + text
    start = text.index("      Content-Type:\n", text.index("response:"))
    end = text.index("\n", start + len("      Content-Type:\n"))
    text = text[:start] + "      Content-Type: *a9" + text[end:]
    line = usage_line(replay(cassettes_with(tmp_path, text)))
    assert "the cassette holds YAML aliases (line 2), which a recording never has" in line


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param("metadata:\n  recorded: &r {user: pex_connector}\n", id="an anchor alone"),
        pytest.param("metadata:\n  recorded: {user: &u pex_connector, sender_id: *u}\n", id="a harmless alias"),
        pytest.param("base: &b {udd: true}\nmetadata:\n  recorded: {<<: *b}\n", id="a merge key"),
        pytest.param("metadata: &m\n  recorded: {user: *m}\n", id="an alias of itself"),
    ],
)
def test_every_alias_is_refused(tmp_path: Path, metadata: str) -> None:
    text = acme_recording()
    text = text[: text.index("metadata:\n")] + metadata + "version: 1\n"
    assert "the cassette holds YAML aliases (line" in refusal(cassettes_with(tmp_path, text))


def test_a_cassette_of_more_nodes_than_any_recording_is_refused(tmp_path: Path) -> None:
    text = acme_recording().replace("version: 1\n", "padding: [" + "x, " * MAX_EVENTS + "]\nversion: 1\n")
    assert f"the cassette holds over {MAX_EVENTS:,} YAML nodes" in refusal(cassettes_with(tmp_path, text))


def test_a_cassette_nested_deeper_than_any_recording_is_refused(tmp_path: Path) -> None:
    text = acme_recording().replace("version: 1\n", "padding: " + "{a: " * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1))
    assert f"the cassette nests over {MAX_DEPTH} levels (line" in refusal(cassettes_with(tmp_path, text))


# -- 2. What the file is ------------------------------------------------------------------------------


def test_a_cassette_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    with (cassettes / "ACME.yaml").open("wb") as stream:
        # Sparse: it claims the size without taking the disk.
        stream.truncate(MAX_CASSETTE_BYTES + 1)
    line = usage_line(replay(cassettes))
    assert "is not a usable recording: it is larger than 50 MB, which no recording is" in line


def test_the_size_a_file_claims_is_not_trusted() -> None:
    """Files under /proc claim a size of 0: at most one byte past the cap is read, whatever the claim."""
    claims_nothing = Path("/proc/self/maps")
    if not claims_nothing.is_file() or claims_nothing.stat().st_size != 0:
        pytest.skip("no file here claims a size it does not have")
    with pytest.raises(CassetteProblem, match="it is larger than 0 MB"):
        read_cassette_bytes(claims_nothing, limit=10)


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_cassette_that_is_no_regular_file_is_one_usage_line(tmp_path: Path, kind: str) -> None:
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    path = cassettes / "ACME.yaml"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(path)
    elif kind == "device":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    line = usage_line(replay(cassettes))
    what = {"fifo": "a named pipe (FIFO)", "device": "a character device", "directory": "a directory"}[kind]
    assert f"{path} is not a usable recording: it is {what}, not a regular file; {RECORD_AGAIN}" in line


# -- 3. The recorded options, held to what their options accept ---------------------------------------------


def test_a_recorded_user_that_is_a_number_is_one_usage_line(tmp_path: Path) -> None:
    """It gave 12 "internal error" lines (a TypeError in every check); the command line would refuse it."""
    line = usage_line(replay(cassettes_with(tmp_path, with_recorded("user", 12345))))
    assert "is not a usable recording: its metadata recorded.user is not a valid --intacct-user (12345); " in line
    assert RECORD_AGAIN in line


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("user", "pex connector", "recorded.user is not a valid --intacct-user ('pex connector')"),
        ("user", "x" * 81, "recorded.user is not a valid --intacct-user ('" + "x" * 60 + "'…)"),
        ("sender_id", "", "recorded.sender_id is not a valid --intacct-sender-id ('')"),
        ("sender_id", "PEX\nMPP", "recorded.sender_id is not a valid --intacct-sender-id ('PEX\\nMPP')"),
        ("sender_id", ["PEX MPP"], "recorded.sender_id is not a valid --intacct-sender-id (a list)"),
        ("gl_account", [1, 2], "recorded.gl_account is not a valid --intacct-gl-account (a list)"),
        ("gl_account", {"a": 1}, "recorded.gl_account is not a valid --intacct-gl-account (a mapping)"),
        ("gl_account", None, "recorded.gl_account is not a valid --intacct-gl-account (None)"),
        ("udd", "yes", "recorded.udd is not true or false, as --intacct-udd records ('yes')"),
        ("write_probe", 1, "recorded.write_probe is not true or false, as --intacct-write-probe records (1)"),
        ("company", 7, "recorded.company is not a company ID (7)"),
        ("company", "../../etc/passwd", "recorded.company is not a company ID ('../../etc/passwd')"),
        ("endpoint", ["x"], "recorded.endpoint is not an endpoint URL (a list)"),
        ("endpoint", "ftp://api.intacct.com/x", "recorded.endpoint is not an endpoint URL ('ftp://api.intacct.com/x')"),
        ("recorded_at", 5, "recorded.recorded_at is not a time with its offset from UTC (5)"),
        ("recorded_at", "yesterday", "recorded.recorded_at is not a time with its offset from UTC ('yesterday')"),
        (
            "recorded_at",
            "2026-01-01T00:00",
            "recorded.recorded_at is not a time with its offset from UTC ('2026-01-01T00:00')",
        ),
        (
            "recorded_at",
            "0001-01-01T00:00+05:00",
            "recorded.recorded_at is not a time with its offset from UTC ('0001-01-01T00:00+05:00')",
        ),
        ("plugin_version", 12345, "recorded.plugin_version is not a version number (12345)"),
        ("plugin_version", "0.3.0; rm -rf", "recorded.plugin_version is not a version number ('0.3.0; rm -rf')"),
    ],
)
def test_every_recorded_value_is_validated_like_its_option(tmp_path: Path, key: str, value: object, says: str) -> None:
    assert f"its metadata {says}; " in refusal(cassettes_with(tmp_path, with_recorded(key, value)))


USER = "user: pex_connector"
NOT_A_USER = "recorded.user is not a valid --intacct-user"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        pytest.param(USER, "user: " + "1" * 5000, "a value cannot be read: Exceeds the limit", id="5000 digits"),
        pytest.param(USER, "user: !!binary cGV4", f"{NOT_A_USER} (binary data)", id="binary"),
        pytest.param(USER, "user: 2026-01-01", f"{NOT_A_USER} (2026-01-01)", id="a date"),
        pytest.param("  recorded:\n", "  recorded: [1]\n  was:\n", "recorded is not a mapping (a list)", id="list"),
        pytest.param("metadata:\n", "metadata: 7\nwas:\n", "its metadata is not a mapping (7)", id="metadata"),
        pytest.param("code: 200", "code: 2" + "0" * 4000, "recorded interaction 1 is malformed", id="status"),
        pytest.param("method: POST", "method: [POST]", "recorded interaction 1 is malformed", id="method"),
        pytest.param("    status:", "    headers: {}\n    was:", "recorded interaction 1 is malformed", id="no status"),
    ],
)
def test_values_yaml_builds_but_no_recording_holds_are_refused(tmp_path: Path, old: str, new: str, says: str) -> None:
    """A 5,000-digit number ended in a traceback (exit 3), binary data in one at the results' JSON."""
    text = acme_recording()
    assert old in text
    assert says in refusal(cassettes_with(tmp_path, text.replace(old, new, 1)))


def test_a_recording_without_metadata_still_replays_and_unknown_keys_are_not_shown(tmp_path: Path) -> None:
    """Made by hand or by an early version: its requests are then matched one by one."""
    cassettes = cassettes_with(tmp_path, with_recorded("surprise", "\x1b[2J" * 10))
    assert load_cassette(cassettes / "ACME.yaml").recorded.keys() >= {"user", "udd", "recorded_at"}
    assert "surprise" not in load_cassette(cassettes / "ACME.yaml").recorded
    (cassettes / "ACME.yaml").write_text(edited(lambda data: data.pop("metadata")), encoding="utf-8")
    assert load_cassette(cassettes / "ACME.yaml").recorded == {}


# -- 4. Nothing a terminal would obey is printed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("user", "pex\x1b[2J\x1b[31mconnector", r"'pex\x1b[2J\x1b[31mconnector'"),
        ("sender_id", "PEX\u202eMPP", r"'PEX\u202eMPP'"),
        ("gl_account", "PEX GL\u2066 Account", r"'PEX GL\u2066 Account'"),
        ("company", "ACME\x1b[2J", r"'ACME\x1b[2J'"),
        ("endpoint", "http://127.0.0.1/ia/xml/xmlgw.phtml\u202e", r"'http://127.0.0.1/ia/xml/xmlgw.phtml\u202e'"),
        ("plugin_version", "0.3.0\x1b]0;pwned\x07", r"'0.3.0\x1b]0;pwned\x07'"),
        ("recorded_at", "2026-01-01T00:00:00+00:00\u2028", r"'2026-01-01T00:00:00+00:00\u2028'"),
    ],
)
def test_a_control_or_bidi_character_in_the_metadata_is_shown_escaped_never_raw(
    tmp_path: Path, key: str, value: str, shown: str
) -> None:
    """An escape sequence or a bidi override in a recorded value reached the header and messages raw."""
    line = usage_line(replay(cassettes_with(tmp_path, with_recorded(key, value))))
    assert f"its metadata recorded.{key} is not " in line and f"({shown})" in line


def test_a_control_or_bidi_character_in_a_recorded_request_is_refused_at_start_up(tmp_path: Path) -> None:
    """The recorded request is shown when a run asks something else: its text reached the terminal raw."""
    text = acme_recording().replace("<object>USERINFO</object>", "<object>USER\u202eINFO</object>", 1)
    line = usage_line(replay(cassettes_with(tmp_path, text)))
    assert r"recorded interaction 1 holds a control or bidirectional-text character ('\u202e') in its request" in line


def test_a_recorded_answer_may_hold_any_text(tmp_path: Path) -> None:
    """Answers are the company's data (names in any script, with their direction marks): not refused."""
    text = acme_recording().replace("<NAME>Administrator</NAME>", "<NAME>\u202bAdministrator\u202c\u200f</NAME>")
    assert "\u202b" in text
    assert load_cassette(cassettes_with(tmp_path, text) / "ACME.yaml").exchanges


# -- 5. A record run says truly whether it wrote the cassette -------------------------------------------------


def ready_acme() -> Scenario:
    data = copy.deepcopy(raw_scenario("ready"))
    data["company_id"] = "ACME"
    return Scenario.from_dict(data).with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET)


def record(server: Any, cassettes: Path) -> subprocess.CompletedProcess[str]:
    return run_plugin(
        cassettes,
        f"--intacct-endpoint={server.url}",
        "--intacct-mode=record",
        "--intacct-record-mode=rewrite",
        passwords=True,
    )


def test_a_record_run_that_wrote_nothing_never_says_it_wrote(
    simulator: Callable[..., Any], short_timeouts: Any, tmp_path: Path
) -> None:
    """The line judged by the file's age: a cassette put there just before the run passed for written."""
    server = simulator(ready_acme())
    server.inject(faults.HttpError(503), times=None)
    cassettes = cassettes_with(tmp_path, acme_recording())
    before = (cassettes / "ACME.yaml").read_bytes()
    result = record(server, cassettes)
    assert f"cassette not written ({cassettes / 'ACME.yaml'} was left as it was" in result.stdout, result.stdout
    assert "cassette written" not in result.stdout
    assert (cassettes / "ACME.yaml").read_bytes() == before


@pytest.mark.parametrize(
    "old",
    [
        pytest.param("interactions: [\n  - {broken\n", id="not YAML"),
        pytest.param("just: text\n", id="no interactions"),
        pytest.param(f"anchors:\n{LAUGHS}\nuser: *a9\n", id="an alias bomb"),
        pytest.param(None, id="over the size cap"),
    ],
)
def test_a_record_run_replaces_a_corrupt_or_hostile_cassette_without_reading_it(
    simulator: Callable[..., Any], tmp_path: Path, old: str | None
) -> None:
    """Recording over a corrupt cassette failed every check as an internal error (vcrpy read the old file)."""
    server = simulator(ready_acme())
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    if old is None:
        with (cassettes / "ACME.yaml").open("wb") as stream:
            stream.truncate(MAX_CASSETTE_BYTES + 1)
    else:
        (cassettes / "ACME.yaml").write_text(old, encoding="utf-8")
    result = record(server, cassettes)
    assert "internal error" not in result.stdout and "Traceback" not in result.stderr, result.stdout[-3000:]
    assert f"cassette written to {cassettes / 'ACME.yaml'} (it replaced the recording" in result.stdout
    assert load_cassette(cassettes / "ACME.yaml").recorded["user"] == "pex_connector"
