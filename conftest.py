"""Fixtures and helpers shared by the plugin's own suite (tests/): paths, requirement IDs derived from the
catalogue, pytester runs of the checks, Sage's schema, simulators."""

from __future__ import annotations

import importlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_pex_intacct.intacct.timeouts import TIMEOUTS_ENVIRONMENT_VARIABLE, Timeouts
from pytest_pex_intacct.requirements import ATTACHMENT_NUMBERING, CATALOGUE, UDD_READ

# pytester comes from `addopts = "-p pytester"` in pyproject.toml: a `pytest_plugins` here would be
# refused whenever this file is reached as a non-root conftest (checks run from another rootdir).

REPO = Path(__file__).resolve().parent
TEST_DATA = REPO / "tests" / "data"
# Sage's v3.0 request schema and real-format responses, vendored with their origin and licence.
SCHEMA_PATH = TEST_DATA / "sage" / "api.lxml.xsd"
SAMPLES = TEST_DATA / "samples"
# The bundled demo companies' recordings, as committed.
DEMO_CASSETTES = REPO / "cassettes"

# Derived, never counted by hand: a requirement added to the catalogue must not break tests of the others.
ALL_IDS = [requirement.id for requirement in CATALOGUE]
# What a plain run (no --intacct-udd) needs Intacct's answer for: all but the manual STEP1 and the optional UDD-READ.
NETWORK_IDS = [requirement_id for requirement_id in ALL_IDS if requirement_id not in (ATTACHMENT_NUMBERING, UDD_READ)]
SIGN_IN_IDS = ("STEP2-WEB-SERVICES", "STEP2-SENDER-ID", "STEP3-USER-SIGN-IN")
# Of those, the ones decided from what Intacct answers once the sign-in succeeded (the user, roles, GL account).
AFTER_SIGN_IN_IDS = [requirement_id for requirement_id in NETWORK_IDS if requirement_id not in SIGN_IN_IDS]
ATTEST = ("--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-signoff=Dana Smith <dana@pex.example>")

# The product's default timeouts (connect 10 s, read 60 s, total 180 s) would make every run that
# meets a fault take minutes; runs through the plugin get these through PEX_INTACCT_TIMEOUTS.
SHORT_TIMEOUTS = Timeouts(connect_seconds=1, read_seconds=1, total_seconds=3)

if TYPE_CHECKING:
    from pytest_pex_intacct.config.settings import Settings

# Never resolvable (an "invalid" label, RFC 6761) yet inside *.intacct.com, so the endpoint rules accept it.
UNRESOLVABLE_HOST = "nonexistent.invalid.intacct.com"

SENDER_PASSWORD = "sim-sender-password"
USER_PASSWORD = "sim-user-password"


def scenario_variant(base: str = "ready", **changes: Any) -> Any:
    """A shipped scenario with top-level keys replaced, or fields of its first user / GL account
    with ``user_<field>`` / ``gl_<field>``."""
    import copy

    # Imported here: a company run from the checkout reaches this file and must not load the simulator.
    from pytest_pex_intacct.simulator import Scenario, raw_scenario

    data = copy.deepcopy(raw_scenario(base))
    for key, value in changes.items():
        if key.startswith("user_"):
            data["users"][0][key.removeprefix("user_")] = value
        elif key.startswith("gl_"):
            data["gl_accounts"][0][key.removeprefix("gl_")] = value
        else:
            data[key] = value
    return Scenario.from_dict(data)


@pytest.fixture
def local_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names with an ``invalid`` label fail here at once, so no DNS query can leave the machine.

    A system resolver with no reachable server could otherwise block for its own timeout, which the
    transport cannot bound (urllib3's connect timeout starts after name resolution).
    """
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if "invalid" in name.rstrip(".").split("."):
            asked.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A loopback listener that never accepts, its backlog filled: further connects get no SYN-ACK."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.3)
            fillers.append(filler)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            pytest.skip(
                "this kernel accepts connects beyond the backlog; "
                "the adapter-stub test in tests/test_transport.py covers the mapping"
            )
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def sage_schema() -> Any:
    """Sage's v3.0 request schema, compiled once per process (it is 500 KB), as the simulator compiles it."""
    from pytest_pex_intacct.simulator import load_schema

    if not SCHEMA_PATH.is_file():
        pytest.fail(f"Sage's schema is missing at {SCHEMA_PATH}: restore tests/data/sage from the repository")
    return load_schema(SCHEMA_PATH)


@pytest.fixture(scope="session")
def intacct_schema() -> Any:
    return sage_schema()


def make_settings(**changes: Any) -> Settings:
    """Settings of a plain run for company ACME with the default names, replay mode, as changed."""
    from pytest_pex_intacct.config.option import DEFAULT_GL_ACCOUNT, DEFAULT_SENDER_ID, DEFAULT_USER
    from pytest_pex_intacct.config.settings import Settings
    from pytest_pex_intacct.intacct.endpoint import DEFAULT_ENDPOINT

    values: dict[str, Any] = {
        "company_id": "ACME",
        "user_id": DEFAULT_USER,
        "sender_id": DEFAULT_SENDER_ID,
        "endpoint": DEFAULT_ENDPOINT,
        "gl_account": DEFAULT_GL_ACCOUNT,
        "mode": "replay",
        "cassette_dir": Path("cassettes"),
    }
    return Settings(**{**values, **changes})


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> Timeouts:
    """Runs through the plugin (in process or in a subprocess) use SHORT_TIMEOUTS."""
    timeouts = SHORT_TIMEOUTS
    value = f"{timeouts.connect_seconds},{timeouts.read_seconds},{timeouts.total_seconds}"
    monkeypatch.setenv(TIMEOUTS_ENVIRONMENT_VARIABLE, value)
    return timeouts


@pytest.fixture
def simulator(intacct_schema: Any) -> Iterator[Callable[..., Any]]:
    """Start simulators (a scenario name, path or Scenario, or a fleet's {company: Scenario}) on loopback;
    all are closed afterwards."""
    from pytest_pex_intacct.simulator import SimulatorServer

    started: list[SimulatorServer] = []

    def start(scenario: Any = "ready", **options: Any) -> SimulatorServer:
        options.setdefault("schema", intacct_schema)
        server = SimulatorServer(scenario, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def requests_logged(server: Any, at_least: int) -> int:
    """The gateway's request count once in-flight exchanges end (a delayed one is logged when it
    finishes): the server is closed, then given up to 3 s to log ``at_least`` requests."""
    server.close()
    deadline = time.monotonic() + 3
    while server.log.count < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
    return int(server.log.count)


class CheckRun:
    """One `pytest --intacct-company=…` run driven through pytester, with its JSON results."""

    def __init__(self, result: pytest.RunResult, json_path: Path) -> None:
        self.result = result
        self.json_path = json_path

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.json_path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    @property
    def outcomes(self) -> dict[str, str]:
        return {entry["id"]: entry["outcome"] for entry in self.document["requirements"]}

    def requirement(self, requirement_id: str) -> dict[str, Any]:
        return next(entry for entry in self.document["requirements"] if entry["id"] == requirement_id)

    @property
    def verdict(self) -> str:
        return str(self.document["verdict"])


def pytest_configure(config: pytest.Config) -> None:
    """Import the client before any pytester test snapshots sys.modules.

    Each pytester test drops the modules imported after its snapshot; requests does not survive a
    second import in one process (its cookie classes change identity), so it must predate them.
    A company or fleet run from this checkout (``--intacct-company``, ``--intacct-fleet``) is left
    alone: a replay must not load the HTTP stack it never uses.
    """
    if (
        config.getoption("intacct_company", None)
        or config.getoption("intacct_fleet", None)
        or os.environ.get("INTACCT_COMPANY_ID")
    ):
        return
    # The client imports requests lazily (replays never need it), so its module is named explicitly.
    for module in ("recording.company_reading", "intacct.transport", "recording.replay"):
        importlib.import_module(f"pytest_pex_intacct.{module}")
    # The same for cryptography, which signing imports lazily: its Rust core outlives a second import
    # of its Python classes, and then refuses them ("must be a KeySerializationEncryption instance").
    for module in ("exceptions", "hazmat.primitives.serialization", "hazmat.primitives.asymmetric.ed25519"):
        importlib.import_module(f"cryptography.{module}")


@pytest.fixture
def run_checks(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CheckRun]:
    """Run the bundled checks against a simulator (or any endpoint) and read the JSON back.

    Each run writes its own JSON file: a test comparing two runs must not read the second run's twice.
    """
    runs: list[CheckRun] = []

    def run(
        server: Any = None,
        *args: str,
        company: str = "ACME",
        sender_password: str | None = SENDER_PASSWORD,
        user_password: str | None = USER_PASSWORD,
        subprocess: bool = False,
        endpoint: str | None = None,
    ) -> CheckRun:
        for name in ("INTACCT_COMPANY_ID", "INTACCT_USER_ID", "INTACCT_SENDER_ID", "INTACCT_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in (("INTACCT_SENDER_PASSWORD", sender_password), ("INTACCT_USER_PASSWORD", user_password)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        json_path = pytester.path / f"results-{len(runs) + 1}.json"
        arguments = [f"--intacct-company={company}", f"--intacct-json={json_path}", "-p", "no:cacheprovider", *args]
        target = endpoint or (server.url if server is not None else None)
        if target:
            arguments.insert(1, f"--intacct-endpoint={target}")
        runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
        runs.append(CheckRun(runner(*arguments), json_path))
        return runs[-1]

    return run
