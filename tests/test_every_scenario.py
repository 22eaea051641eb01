"""Every shipped scenario keeps the promises that hold whatever a company's setup, from one set of runs.

Per scenario, four runs through the plugin, each against its own simulator: a live run without the
write probe, a live run with it, a record run with it and a replay of that recording. Every promise
is checked on each run it concerns:

- no write reaches the gateway without ``--intacct-write-probe``;
- the probe deletes whatever it created;
- no password or signing key appears in any output (terminal, JSON, JUnit, HTML report, cassette);
- a recording replays to the same results, and the replay leaves the cassette as it was.

One test per scenario, so that pytest-xdist never splits a scenario's runs across workers; a failure
names every promise that broke, on which run.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from conftest import CheckRun
from pytest_pex_intacct.simulator import SimulatorServer, load_scenario, scenario_names

pytestmark = pytest.mark.usefixtures("short_timeouts")

SENDER_SECRET = "Snd-Pw-R3l-5c0e&<9f>"
HMAC_SECRET = "Hmac-Rel-S3cret-4b7d"
USER_SECRET = "Usr-Pw-R3l-a81'\"d4"
EVERYTHING = ("--intacct-udd", "--intacct-write-probe")
STEP1 = "STEP1-ATTACHMENT-NUMBERING"
PROBE_WRITES = {"create_supdocfolder", "create_supdoc", "delete_supdoc", "delete_supdocfolder"}


def secret_forms(secret: str) -> set[str]:
    """The password as typed and as it would appear escaped in XML, HTML or JSON."""
    return {
        secret,
        escape(secret),
        escape(secret, {'"': "&quot;", "'": "&#x27;"}),
        secret.replace('"', '\\"'),
        secret.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    }


def with_decoded_assets(html_text: str) -> str:
    """The report plus every base64 ``data:`` URI it inlines, decoded (pytest-html embeds extras so)."""
    decoded = [html_text]
    for match in re.finditer(r"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)", html_text):
        decoded.append(base64.b64decode(match.group(1)).decode("utf-8", "replace"))
    return "\n".join(decoded)


@dataclass(frozen=True)
class Outputs:
    """One run through the plugin: its results, the gateway it talked to, and everything it wrote."""

    name: str
    run: CheckRun
    server: SimulatorServer | None
    folders_before: tuple[str, ...]
    texts: dict[str, str]


class Runs:
    """Runs the bundled checks for one scenario, every run with its JUnit file and HTML report."""

    def __init__(self, scenario: str, simulator: Callable[..., Any], run_checks: Any, directory: Path) -> None:
        self.scenario = load_scenario(scenario).with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET)
        self.simulator = simulator
        self.run_checks = run_checks
        self.directory = directory
        self.cassettes = directory / "cassettes"

    def run(self, name: str, *args: str, mode: str = "live") -> Outputs:
        folder = self.directory / name.replace(" ", "-")
        folder.mkdir()
        junit, report = folder / "junit.xml", folder / "report.html"
        server = None if mode == "replay" else self.simulator(self.scenario)
        folders_before = tuple(server.folder_names) if server is not None else ()
        run = self.run_checks(
            server,
            *args,
            "-rA",
            "-v",
            f"--junitxml={junit}",
            f"--html={report}",
            "--self-contained-html",
            f"--intacct-mode={mode}",
            f"--intacct-cassettes={self.cassettes}",
            # A replay needs no password: none is given, so none can reach its outputs but from the cassette.
            sender_password=None if mode == "replay" else SENDER_SECRET,
            user_password=None if mode == "replay" else USER_SECRET,
            subprocess=mode == "record",  # vcrpy patches the HTTP stack process-wide
        )
        assert run.result.ret in (0, 1), f"{name}: {run.result.stdout.str()}"
        texts = {
            "stdout": run.result.stdout.str(),
            "stderr": run.result.stderr.str(),
            "json": run.json_path.read_text(encoding="utf-8"),
            "junit": junit.read_text(encoding="utf-8"),
            "html": with_decoded_assets(report.read_text(encoding="utf-8")),
        }
        if mode != "live":
            texts["cassette"] = (self.cassettes / "ACME.yaml").read_text(encoding="utf-8")
        return Outputs(name, run, server, folders_before, texts)


# --- the promises: each raises AssertionError when broken ---------------------------------------------


def no_write_without_the_probe(outputs: Outputs) -> None:
    server = outputs.server
    assert server is not None
    assert server.log.count >= 1
    for record in server.log.records:
        assert record.writes == (), record
    assert server.attachments == () and tuple(server.folder_names) == outputs.folders_before


def probe_deletes_what_it_created(outputs: Outputs) -> None:
    server = outputs.server
    assert server is not None
    writes = [name for record in server.log.records for name in record.writes]
    assert set(writes) <= PROBE_WRITES
    assert writes.count("create_supdoc") <= 1, "a write is never retried"
    assert server.attachments == (), "the probe attachment was left behind"
    assert set(server.folder_names) == set(outputs.folders_before), "the probe folder was left behind"
    assert "CLEAN-UP FAILED" not in outputs.run.requirement(STEP1)["observed"]


def no_secret_in_any_output(outputs: Outputs, signing_key: Path) -> None:
    # The report's keys are secrets too: the HMAC key and the Ed25519 private key both sign each run.
    key_lines = [line for line in signing_key.read_text(encoding="ascii").splitlines() if "-----" not in line]
    if "cassette" in outputs.texts:
        assert "<password>REDACTED</password>" in outputs.texts["cassette"]
    if outputs.server is not None:
        # The product signs in with each request and never opens a session, so no session id exists to leak.
        assert outputs.server.gateway.session_count == 0
        assert all(
            record.auth_kind == "login" and "getAPISession" not in record.functions for record in outputs.server.log
        )
    assert "signature" in json.loads(outputs.texts["json"])
    for name, text in outputs.texts.items():
        for secret in secret_forms(SENDER_SECRET) | secret_forms(USER_SECRET):
            assert secret not in text, f"a password appears in {name}"
        for secret in (HMAC_SECRET, *key_lines):
            assert secret not in text, f"a signing key appears in {name}"


def the_replay_gives_the_same_results(recorded: Outputs, replayed: Outputs) -> None:
    assert replayed.run.document["mode"] == "replay" and recorded.run.document["mode"] == "record"
    assert replayed.run.document["requirements"] == recorded.run.document["requirements"]
    assert replayed.run.verdict == recorded.run.verdict
    assert replayed.run.result.ret == recorded.run.result.ret
    assert replayed.texts["cassette"] == recorded.texts["cassette"], "a replay must never rewrite the cassette"


def broken(promise: str, check: Callable[[], None]) -> str | None:
    """``promise: why`` when the check fails, None when it holds."""
    try:
        check()
    except AssertionError as error:
        return f"{promise}: {error}"
    return None


@pytest.mark.parametrize("scenario", scenario_names())
def test_every_scenario_keeps_the_promises_of_every_run(
    simulator: Callable[..., Any],
    run_checks: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
) -> None:
    from pytest_pex_intacct.report.keys import generate_key_pair

    signing_key = tmp_path / "signing.pem"
    generate_key_pair(signing_key)
    monkeypatch.setenv("PEX_INTACCT_SIGNING_KEY_FILE", str(signing_key))
    monkeypatch.setenv("PEX_INTACCT_SIGNING_KEY", HMAC_SECRET)
    runs = Runs(scenario, simulator, run_checks, tmp_path)
    reads = runs.run("live without the probe", "--intacct-udd")
    live = runs.run("live", *EVERYTHING)
    recorded = runs.run("record", *EVERYTHING, mode="record")
    replayed = runs.run("replay", *EVERYTHING, mode="replay")

    promises: list[tuple[str, Callable[[], None]]] = [
        ("no write reaches the gateway without the probe", partial(no_write_without_the_probe, reads)),
        *(
            (f"the probe deletes whatever it created ({run.name} run)", partial(probe_deletes_what_it_created, run))
            for run in (live, recorded)
        ),
        *(
            (f"no secret in any output ({run.name} run)", partial(no_secret_in_any_output, run, signing_key))
            for run in (reads, live, recorded, replayed)
        ),
        ("record then replay gives the same results", partial(the_replay_gives_the_same_results, recorded, replayed)),
    ]
    failures = [failure for promise, check in promises if (failure := broken(promise, check)) is not None]
    if failures:
        pytest.fail(f"scenario {scenario!r} broke {len(failures)} promise(s):\n" + "\n\n".join(failures), pytrace=False)
