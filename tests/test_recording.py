"""Record and offline replay: scrubbed cassettes, matching by meaning, no sockets in replay."""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ALL_IDS, DEMO_CASSETTES, make_settings
from pytest_pex_intacct.config.option import DEFAULT_GL_ACCOUNT, DEFAULT_SENDER_ID, DEFAULT_USER
from pytest_pex_intacct.intacct.endpoint import DEFAULT_ENDPOINT
from pytest_pex_intacct.recording.cassette import rerecord_command
from pytest_pex_intacct.recording.record import intacct_meaning, scrub_request
from pytest_pex_intacct.recording.replay import NetworkBlocked, network_blocked, recorded_with
from pytest_pex_intacct.simulator import Scenario, faults, raw_scenario

SENDER_SECRET = "Snd-S3cr3t-7f41c0de"
USER_SECRET = "Usr-S3cr3t-9a2b77aa"
EVERYTHING = ("--intacct-udd", "--intacct-write-probe")


def secret_scenario(name: str = "ready", company: str = "ACME") -> Scenario:
    data = copy.deepcopy(raw_scenario(name))
    data["company_id"] = company
    return Scenario.from_dict(data).with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET)


def record(
    run_checks: Any,
    server: Any,
    cassettes: Path,
    *args: str,
    company: str = "ACME",
    sender_password: str = SENDER_SECRET,
    user_password: str = USER_SECRET,
) -> Any:
    return run_checks(
        server,
        "--intacct-mode=record",
        f"--intacct-cassettes={cassettes}",
        *args,
        company=company,
        sender_password=sender_password,
        user_password=user_password,
        subprocess=True,
    )


def replay(run_checks: Any, cassettes: Path, *args: str, company: str = "ACME", endpoint: str | None = None) -> Any:
    return run_checks(
        None,
        "--intacct-mode=replay",
        f"--intacct-cassettes={cassettes}",
        *args,
        company=company,
        sender_password=None,
        user_password=None,
        subprocess=True,
        endpoint=endpoint,
    )


def recorded_options(cassettes: Path) -> dict[str, Any]:
    return yaml.safe_load((cassettes / "ACME.yaml").read_text(encoding="utf-8"))["metadata"]["recorded"]  # type: ignore[no-any-return]


def edit_recording(cassette: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    edit(data)
    cassette.write_text(yaml.safe_dump(data), encoding="utf-8")


def forget_the_options(recording: dict[str, Any]) -> None:
    """As a recording made by hand or by an older version: its requests are then matched one by one."""
    del recording["metadata"]


def test_recording_holds_no_secret_and_replays_offline(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    recorded = record(run_checks, server, tmp_path, *EVERYTHING)
    assert recorded.result.ret == 0, recorded.result.stdout.str()
    cassette = tmp_path / "ACME.yaml"
    text = cassette.read_text(encoding="utf-8")
    for secret in (SENDER_SECRET, USER_SECRET):
        assert secret not in text
    assert "<password>REDACTED</password>" in text
    assert "<sessionid>" not in text or "<sessionid>REDACTED</sessionid>" in text
    assert recorded.document["mode"] == "record"
    server.close()

    replayed = replay(run_checks, tmp_path, *EVERYTHING)
    assert replayed.result.ret == 0
    assert replayed.document["mode"] == "replay"
    assert replayed.document["requirements"] == recorded.document["requirements"]
    assert replayed.verdict == recorded.verdict == "accepted"
    assert cassette.read_text(encoding="utf-8") == text, "a replay must never rewrite the cassette"


def test_a_recording_made_on_a_random_port_replays_with_the_default_endpoint(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path)
    assert str(server.port) in (tmp_path / "ACME.yaml").read_text()
    replayed = replay(run_checks, tmp_path)
    assert replayed.outcomes["STEP3-ADMIN-FULL"] == "passed"
    header = replayed.result.stdout.str()
    assert "mode replay, no network" in header and "endpoint" not in header.split("pex-intacct: replaying")[0]
    assert "ACME.yaml, recorded on 20" in header


def left_as_it_was(cassette: Path) -> str:
    # The results name files by name: they go onto the customer's ticket, the machine's paths do not.
    return f"; nothing usable was recorded, so {cassette.name} was left as it was"


def test_a_record_run_that_gets_no_usable_answer_leaves_a_good_cassette_as_it_was(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    recorded = record(run_checks, server, tmp_path)
    cassette = tmp_path / "ACME.yaml"
    good = cassette.read_bytes()
    server.inject(faults.HttpError(503), times=None)
    failed = record(run_checks, server, tmp_path, "--intacct-record-mode=rewrite")
    assert failed.verdict == "incomplete"
    errors = [entry for entry in failed.document["requirements"] if entry["outcome"] == "error"]
    assert {entry["id"] for entry in errors} >= {"STEP2-SENDER-ID", "STEP3-USER-SIGN-IN", "STEP3-EMAIL"}
    for entry in errors:
        assert "HTTP 503" in entry["observed"]
        assert entry["observed"].endswith(left_as_it_was(cassette)), entry["observed"]
    assert cassette.read_bytes() == good
    assert replay(run_checks, tmp_path).document["requirements"] == recorded.document["requirements"]


def test_a_record_run_refused_for_pex_sender_credentials_is_not_written(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    refused = record(run_checks, server, tmp_path, sender_password="Wrong-Sender-Passw0rd")
    cassette = tmp_path / "ACME.yaml"
    observed = refused.requirement("STEP2-SENDER-ID")["observed"]
    assert refused.outcomes["STEP2-SENDER-ID"] == "error"
    assert "Incorrect Intacct XML Partner ID or password" in observed
    assert observed.endswith(left_as_it_was(cassette))
    assert server.log.count == 1
    assert not cassette.exists()


def test_a_record_run_whose_user_sign_in_failed_is_written(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    failed = record(run_checks, server, tmp_path, user_password="Wrong-User-Passw0rd")
    assert failed.outcomes["STEP3-USER-SIGN-IN"] == "failed"
    assert "nothing usable was recorded" not in failed.result.stdout.str()
    assert (tmp_path / "ACME.yaml").is_file()
    server.close()
    replayed = replay(run_checks, tmp_path)
    assert replayed.document["requirements"] == failed.document["requirements"]


@pytest.mark.usefixtures("short_timeouts")
def test_a_record_run_against_a_loopback_simulator_ignores_the_proxy_of_the_environment(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as proxy:
        try:
            proxy.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 is not a loopback address here")
        proxy.listen(8)
        proxy.settimeout(0.3)
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        # The record run is a subprocess: it inherits this environment, short timeouts included, so
        # that a regression (the proxy accepts and never answers) fails in seconds rather than minutes.
        monkeypatch.setenv("http_proxy", "http://{}:{}".format(*proxy.getsockname()))
        server = simulator(secret_scenario())
        recorded = record(run_checks, server, tmp_path)
        assert recorded.outcomes["STEP3-EMAIL"] == "passed"
        assert (tmp_path / "ACME.yaml").is_file()
        with pytest.raises(TimeoutError):
            proxy.accept()[0].close()


def test_the_rerecord_command_names_a_sender_id_and_endpoint_other_than_the_defaults() -> None:
    default = rerecord_command(make_settings())
    assert "--intacct-sender-id" not in default and "--intacct-endpoint" not in default
    other = rerecord_command(
        make_settings(sender_id="OTHER SENDER", endpoint="http://127.0.0.1:8123/ia/xml/xmlgw.phtml")
    )
    assert "'--intacct-sender-id=OTHER SENDER'" in other
    assert "--intacct-endpoint=http://127.0.0.1:8123/ia/xml/xmlgw.phtml" in other


def test_how_a_cassette_was_recorded_names_a_sender_id_other_than_the_default() -> None:
    recorded = {"user": DEFAULT_USER, "gl_account": DEFAULT_GL_ACCOUNT}
    plain = recorded_with({**recorded, "sender_id": DEFAULT_SENDER_ID, "endpoint": DEFAULT_ENDPOINT})
    assert "--intacct-sender-id" not in plain and "--intacct-endpoint" not in plain
    assert recorded_with(recorded) == plain, "a cassette without them was recorded with the defaults"
    other = recorded_with({**recorded, "sender_id": "OTHER", "endpoint": "http://localhost:9/ia/xml/xmlgw.phtml"})
    assert "--intacct-sender-id=OTHER" in other
    # Replays match whatever host a recording was made against: naming it would only mislead.
    assert "--intacct-endpoint" not in other


def test_a_recording_names_its_endpoint_and_sender_id(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path)
    recorded = recorded_options(tmp_path)
    assert recorded["endpoint"] == server.url
    assert recorded["sender_id"] == DEFAULT_SENDER_ID


def usage_error(run: Any) -> str:
    """The one stderr line of a run refused before any check ran."""
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, run.result.stdout.str()
    lines = [line for line in run.result.stderr.lines if line.strip()]
    assert len(lines) == 1, run.result.stderr.str()
    assert "collected" not in run.result.stdout.str()
    return str(lines[0])


def test_missing_cassette_is_one_usage_line_naming_the_file_and_the_command(run_checks: Any, tmp_path: Path) -> None:
    line = usage_error(replay(run_checks, tmp_path))
    assert f"looked for {tmp_path / 'ACME.yaml'}" in line
    assert "--intacct-mode=record" in line and "INTACCT_SENDER_PASSWORD" in line
    assert not (tmp_path / "ACME.yaml").exists()


@pytest.mark.parametrize(
    "content",
    [
        "",
        "interactions: [\n  - {broken",
        "just: text\n",
        "\x00\x01binary",
        "interactions: [1]\n",
        "interactions:\n- request: {}\n",
        "version: 1\ninteractions:\n- foo: 1\n",
    ],
)
def test_corrupt_cassette_is_one_usage_line(run_checks: Any, tmp_path: Path, content: str) -> None:
    (tmp_path / "ACME.yaml").write_text(content, encoding="utf-8")
    line = usage_error(replay(run_checks, tmp_path))
    assert f"{tmp_path / 'ACME.yaml'} is not a usable recording" in line
    assert "record it again with: pytest --intacct-company=ACME --intacct-mode=record" in line
    assert "internal error" not in line and "Traceback" not in line
    assert (tmp_path / "ACME.yaml").read_text(encoding="utf-8") == content


def test_a_damaged_recorded_answer_blames_the_cassette_not_intacct(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path)
    cassette = tmp_path / "ACME.yaml"

    def halve_the_first_answer(recording: dict[str, Any]) -> None:
        body = recording["interactions"][0]["response"]["body"]
        body["string"] = body["string"][: len(body["string"]) // 2]

    edit_recording(cassette, halve_the_first_answer)
    run = replay(run_checks, tmp_path)
    observed = run.requirement("STEP3-EMAIL")["observed"]
    assert run.outcomes["STEP3-EMAIL"] == "error"
    assert observed.startswith(f"replay of {cassette.name}: a recorded answer cannot be used")
    assert "--intacct-mode=record" in observed


def test_an_option_contradicting_the_recording_is_one_usage_line(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path)
    original = (tmp_path / "ACME.yaml").read_text()
    line = usage_error(replay(run_checks, tmp_path, "--intacct-gl-account=1234"))
    assert f"--intacct-gl-account '1234' contradicts the recording {tmp_path / 'ACME.yaml'}" in line
    assert "made with '--intacct-gl-account=PEX GL Account'" in line
    assert "leave --intacct-gl-account out to replay it as recorded: pytest --intacct-company=ACME" in line
    assert "record again: pytest --intacct-company=ACME --intacct-mode=record --intacct-gl-account=1234" in line
    line = usage_error(replay(run_checks, tmp_path, "--intacct-udd"))
    assert line.startswith("ERROR: --intacct-udd contradicts the recording")
    assert (tmp_path / "ACME.yaml").read_text() == original


def test_names_typed_in_another_case_agree_with_the_recording(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    """Intacct finds the user and the GL account whatever the case: those do not contradict a recording."""
    server = simulator(secret_scenario())
    recorded = record(run_checks, server, tmp_path)
    run = replay(run_checks, tmp_path, "--intacct-gl-account=pex gl account", "--intacct-user=PEX_CONNECTOR")
    assert run.outcomes == recorded.outcomes
    assert run.document["user"] == "pex_connector"


def test_a_request_the_recording_lacks_is_reported_once(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path)
    edit_recording(tmp_path / "ACME.yaml", forget_the_options)
    run = replay(run_checks, tmp_path, "--intacct-gl-account=1234")
    assert run.verdict == "incomplete"
    observed = run.requirement("STEP4-NORMAL-BALANCE")["observed"]
    assert "does not match" in observed and "--intacct-gl-account=1234" in observed
    # pytest's short summary repeats each message in full when it runs on CI (env CI set): count the details only.
    output = run.result.stdout.str().partition("short test summary info")[0]
    assert output.count("does not match this run's requests") == 1, output
    errors = [requirement_id for requirement_id, outcome in run.outcomes.items() if outcome == "error"]
    assert len(errors) > 1
    assert output.count(f"the same error as {errors[0]}, shown above") == len(errors) - 1


def test_a_cassette_of_another_company_does_not_replay(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario(company="OTHERCO"))
    record(run_checks, server, tmp_path, company="OTHERCO")
    (tmp_path / "OTHERCO.yaml").rename(tmp_path / "ACME.yaml")
    run = replay(run_checks, tmp_path)
    assert run.verdict == "incomplete"
    assert "company is 'ACME' in this run but 'OTHERCO' in the recording" in run.requirement("STEP3-EMAIL")["observed"]


def test_replay_never_reaches_a_live_endpoint(simulator: Callable[..., Any], run_checks: Any, tmp_path: Path) -> None:
    recording_server = simulator(secret_scenario())
    record(run_checks, recording_server, tmp_path)
    live = simulator(secret_scenario())
    replayed = replay(run_checks, tmp_path, endpoint=live.url)
    assert replayed.outcomes["STEP3-EMAIL"] == "passed"
    # An option contradicting the recording is refused before any request; without the recording's
    # options (as made by hand) the same run is matched request by request, and still stays offline.
    refused = replay(run_checks, tmp_path, "--intacct-gl-account=1234", endpoint=live.url)
    assert refused.result.ret == pytest.ExitCode.USAGE_ERROR
    edit_recording(tmp_path / "ACME.yaml", forget_the_options)
    mismatch = replay(run_checks, tmp_path, "--intacct-gl-account=1234", endpoint=live.url)
    assert mismatch.verdict == "incomplete"
    assert live.log.count == 0


def test_the_socket_guard_fails_every_connection_attempt(simulator: Callable[..., Any]) -> None:
    server = simulator("ready")
    with network_blocked(), pytest.raises(NetworkBlocked, match="replay mode blocked"):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)
    with network_blocked(), pytest.raises(NetworkBlocked), socket.socket() as raw:
        raw.connect(("127.0.0.1", server.port))
    with network_blocked(), pytest.raises(NetworkBlocked):
        socket.getaddrinfo("api.intacct.com", 443)
    with socket.create_connection(("127.0.0.1", server.port), timeout=1):
        pass  # restored afterwards
    assert server.log.count == 0


class _Request:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.headers = {"Authorization": "Basic xyz", "Content-Type": "application/xml"}


def _request_body(password: str, controlid: str, gl: str = "PEX GL Account") -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><request><control><senderid>PEX MPP</senderid>"
        f"<password>{password}</password><controlid>{controlid}</controlid></control><operation>"
        "<authentication><login><userid>pex_connector</userid><companyid>ACME</companyid>"
        f"<password>{password}</password></login></authentication><content><function controlid='{controlid}'>"
        f"<readByQuery><object>GLACCOUNT</object><query>TITLE = '{gl}'</query></readByQuery>"
        "</function></content></operation></request>"
    ).encode()


def test_scrubbing_is_idempotent_and_keeps_the_request() -> None:
    request = scrub_request(_Request(_request_body("hunter2-secret", "a")))
    once = request.body
    assert b"hunter2-secret" not in once and once.count(b"REDACTED") == 2
    assert "Authorization" not in request.headers
    assert scrub_request(request).body == once


def test_matching_ignores_volatile_parts_but_not_meaning() -> None:
    intacct_meaning(_Request(_request_body("one", "a")), _Request(_request_body("REDACTED", "b")))
    with pytest.raises(AssertionError, match="arguments"):
        intacct_meaning(_Request(_request_body("one", "a")), _Request(_request_body("one", "a", gl="6700")))


PASS = "passed"
DEMO_OUTCOMES = {
    "demo-ready": ("accepted", dict.fromkeys(ALL_IDS, PASS)),
    # The sender ID is refused, so everything after it is blocked.
    "demo-misconfigured": ("not-accepted", {**dict.fromkeys(ALL_IDS, "blocked"), "STEP2-SENDER-ID": "failed"}),
    "demo-user-misconfigured": (
        "not-accepted",
        {
            **dict.fromkeys(ALL_IDS, PASS),
            **dict.fromkeys(
                ("STEP3-EMAIL", "STEP3-ADMIN-FULL", "STEP3-ROLE", "STEP4-NORMAL-BALANCE", "UDD-READ"), "failed"
            ),
        },
    ),
}


@pytest.mark.parametrize("company", sorted(DEMO_OUTCOMES))
def test_bundled_demo_companies_replay(run_checks: Any, company: str) -> None:
    verdict, outcomes = DEMO_OUTCOMES[company]
    run = replay(run_checks, DEMO_CASSETTES, company=company)
    assert run.verdict == verdict
    assert run.outcomes == outcomes
    assert run.result.ret == (0 if verdict == "accepted" else 1)


def test_a_secret_that_slipped_past_scrubbing_stops_the_write(tmp_path: Path) -> None:
    from vcr.request import Request as VcrRequest

    from pytest_pex_intacct.recording.record import AtomicPersister

    secret = "a long pass phrase with spaces " * 4  # YAML folds such a string across lines
    persister = type("Persister", (AtomicPersister,), {"secrets": (secret,), "leak_found": None})
    request = VcrRequest("POST", "https://api.intacct.com/ia/xml/xmlgw.phtml", f"<x>{secret}</x>".encode(), {})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": b"<response/>"}}
    path = tmp_path / "ACME.yaml"
    persister.save_cassette(path, {"requests": [request], "responses": [response]}, serializer=yaml_serializer())
    assert persister.leak_found
    assert not path.exists()


def yaml_serializer() -> Any:
    from vcr.serializers import yamlserializer

    return yamlserializer


def test_a_recording_made_again_with_other_options_replays_with_those(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator(secret_scenario())
    record(run_checks, server, tmp_path, *EVERYTHING)
    again = record(run_checks, server, tmp_path, "--intacct-record-mode=rewrite")
    recorded = recorded_options(tmp_path)
    assert recorded["udd"] is False and recorded["write_probe"] is False
    replayed = replay(run_checks, tmp_path)
    assert replayed.document["requirements"] == again.document["requirements"]
