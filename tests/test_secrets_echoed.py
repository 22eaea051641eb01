"""A gateway that echoes the passwords it received: none reaches any artefact, in any escaping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pytest_pex_intacct.intacct.secrets import REDACTED, RequestBody, escaped_forms, holds_secret
from pytest_pex_intacct.simulator import connection_faults, fault_wire, load_scenario

# Characters XML, HTML and JSON escape, so an echo travels escaped.
SENDER_SECRET = "Snd&<Echo>\"9f2c'"
USER_SECRET = "Usr&Echo<7d1e>\"x'"
SECRETS = (SENDER_SECRET, USER_SECRET)


@dataclass(frozen=True)
class EchoingGateway(fault_wire.Fault):
    """The genuine answer, with the passwords it was sent echoed in an error text and in the user's e-mail."""

    def deliver(self, wire: fault_wire.Wire, real: fault_wire.RealResponse) -> None:
        response = real()
        root = etree.fromstring(response.body)
        for record in root.iter("USERINFO"):
            etree.SubElement(record, "ECHOEMAIL").text = f"{USER_SECRET}@echo.example"
        for result in root.iter("result"):
            if result.findtext("controlid") == "gl-account":
                for child in list(result):
                    if child.tag not in ("function", "controlid"):
                        result.remove(child)
                etree.SubElement(result, "status").text = "failure"
                error = etree.SubElement(etree.SubElement(result, "errormessage"), "error")
                etree.SubElement(error, "errorno").text = "BL01001973"
                etree.SubElement(error, "description2").text = f"bad login {USER_SECRET} for sender {SENDER_SECRET}"
        # lxml escapes & < > in text: the echo reaches the client as &amp; &lt; &gt;.
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        assert b"&amp;" in body
        fault_wire.send_response(wire, replace(response, body=body))


def echoing_simulator(simulator: Callable[..., Any]) -> Any:
    server = simulator(load_scenario("ready").with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET))
    server.inject(EchoingGateway(), times=None)
    return server


def assert_no_secret(name: str, text: str) -> None:
    assert not holds_secret(text, SECRETS), f"a password reaches {name}"
    for secret in SECRETS:
        for form in escaped_forms(secret):
            assert form not in text, f"a password reaches {name} as {form!r}"


@pytest.mark.parametrize("mode", ["live", "record"])
def test_echoed_passwords_reach_no_artefact_and_are_replaced(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path, mode: str
) -> None:
    server = echoing_simulator(simulator)
    junit, report, cassettes = tmp_path / "junit.xml", tmp_path / "report.html", tmp_path / "cassettes"
    run = run_checks(
        server, "-rA", "-v", "-l", f"--junitxml={junit}", f"--html={report}", "--self-contained-html",
        f"--intacct-mode={mode}", f"--intacct-cassettes={cassettes}",
        sender_password=SENDER_SECRET, user_password=USER_SECRET, subprocess=mode == "record",
    )  # fmt: skip
    outputs = {
        "stdout": run.result.stdout.str(),
        "stderr": run.result.stderr.str(),
        "json": run.json_path.read_text(encoding="utf-8"),
        "junit": junit.read_text(encoding="utf-8"),
        "html": report.read_text(encoding="utf-8"),
    }
    if mode == "record":
        cassette = cassettes / "ACME.yaml"
        assert cassette.is_file(), "the echo is redacted, so the recording can be written"
        outputs["cassette"] = cassette.read_text(encoding="utf-8")
    for name, text in outputs.items():
        assert_no_secret(name, text)
    # The value is replaced, not the run refused: the echo is still seen, without the password.
    gl = run.requirement("STEP4-NORMAL-BALANCE")
    assert gl["outcome"] == "error" and f"bad login {REDACTED} for sender {REDACTED}" in gl["observed"]
    assert "[redacted]@echo.example" in run.requirement("STEP3-EMAIL")["observed"]


def test_a_request_body_shows_its_size_never_its_passwords() -> None:
    body = RequestBody(f"<password>{SENDER_SECRET}</password>".encode())
    assert SENDER_SECRET not in repr(body) and "passwords not shown" in repr(body)
    assert bytes(body).decode() == f"<password>{SENDER_SECRET}</password>"


def test_an_interrupt_with_full_trace_and_locals_shows_no_password(
    simulator: Callable[..., Any], tmp_path: Path
) -> None:
    server = simulator(load_scenario("ready").with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET))
    server.inject(connection_faults.Delay(seconds=30), times=None)
    environment = {
        **os.environ,
        "INTACCT_SENDER_PASSWORD": SENDER_SECRET,
        "INTACCT_USER_PASSWORD": USER_SECRET,
        "PEX_INTACCT_TIMEOUTS": "1,60,60",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--intacct-company=ACME", f"--intacct-endpoint={server.url}",
         "--full-trace", "-l", "-p", "no:cacheprovider"],
        cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # The gateway is answering (and holds the answer back): the run waits inside the request.
        for _ in range(300):
            if server.max_in_flight:
                break
            time.sleep(0.1)
        assert server.max_in_flight, "the request never reached the gateway"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert "KeyboardInterrupt" in output
    assert "body = <Intacct request body:" in output, "the traceback shows the frames that hold the request"
    # A shortened repr would show only the password's first characters: no password element at all.
    assert "<password>" not in output
    assert_no_secret("the interrupted run's traceback", output)
