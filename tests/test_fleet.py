"""Fleet runs (``--intacct-fleet``) end to end: pytester against one simulated gateway serving many companies."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ALL_IDS, ATTEST, NETWORK_IDS
from conftest import scenario_variant as company_scenario
from pytest_pex_intacct.config.option import Shard
from pytest_pex_intacct.config.options import BY_FIELD, FLEET_ONLY, OPTIONS
from pytest_pex_intacct.fleet.drift import Drift, by_cause, drift
from pytest_pex_intacct.fleet.fleet_settings import in_shard
from pytest_pex_intacct.simulator import Scenario, SimulatorServer, connection_faults, fault_wire, faults

SENDER_PASSWORD = "fleet-Sender-pw-5521"


def password_of(company: str) -> str:
    """Distinctive per company, so a leak names the company it came from."""
    return f"pw-{company.lower()}-Zq81x7"


def env_of(company: str) -> str:
    return f"{company.replace('-', '_')}_INTACCT_PASSWORD"


class FleetResult:
    def __init__(self, result: pytest.RunResult, json_dir: Path) -> None:
        self.result = result
        self.json_dir = json_dir

    @property
    def fleet(self) -> dict[str, Any]:
        return json.loads((self.json_dir / "_fleet.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def document(self, company: str) -> dict[str, Any]:
        return json.loads((self.json_dir / f"{company}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def requirement_observed(self, company: str, requirement_id: str) -> str:
        entries = self.document(company)["requirements"]
        return str(next(entry["observed"] for entry in entries if entry["id"] == requirement_id))

    def outcomes(self, company: str) -> dict[str, str]:
        return {entry["id"]: entry["outcome"] for entry in self.document(company)["requirements"]}

    def entry(self, company: str) -> dict[str, Any]:
        return next(entry for entry in self.fleet["companies"] if entry["company"] == company)

    @property
    def verdicts(self) -> dict[str, str]:
        return {entry["company"]: entry["verdict"] for entry in self.fleet["companies"]}


@pytest.fixture
def fleet_simulator(simulator: Callable[..., SimulatorServer]) -> Callable[..., SimulatorServer]:
    """The suite's simulator serving several companies, each with its own password."""

    def start(companies: dict[str, Scenario | str], **options: Any) -> SimulatorServer:
        scenarios = {}
        for company, source in companies.items():
            scenario = source if isinstance(source, Scenario) else company_scenario(source)
            scenarios[company] = scenario.with_passwords(
                sender_password=SENDER_PASSWORD, user_password=password_of(company)
            )
        return simulator(scenarios, **options)

    return start


@pytest.fixture
def run_fleet(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FleetResult]:
    """Write a fleet file for ``companies`` and run the bundled checks over it."""

    def run(
        server: SimulatorServer | None,
        companies: list[str],
        *args: str,
        entries: dict[str, dict[str, Any]] | None = None,
        json_dir: str = "results",
        passwords: bool = True,
        subprocess: bool = False,
    ) -> FleetResult:
        for name in ("INTACCT_COMPANY_ID", "INTACCT_USER_ID", "INTACCT_USER_PASSWORD", "INTACCT_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        # Short budgets: an unreachable company gives up in seconds (its own budget, nobody else's).
        monkeypatch.setenv("PEX_INTACCT_TIMEOUTS", "1,1,3")
        for company in companies:
            if passwords:
                monkeypatch.setenv(env_of(company), password_of(company))
            else:
                monkeypatch.delenv(env_of(company), raising=False)
        if passwords:
            monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
        else:
            monkeypatch.delenv("INTACCT_SENDER_PASSWORD", raising=False)
        lines = []
        for company in companies:
            lines += ["[[company]]", f'id = "{company}"', f'password_env = "{env_of(company)}"']
            for key, value in (entries or {}).get(company, {}).items():
                lines.append(f"{key} = {json.dumps(value)}")
            lines.append("")
        (pytester.path / "fleet.toml").write_text("\n".join(lines), encoding="utf-8")
        arguments = ["--intacct-fleet=fleet.toml", f"--intacct-json={json_dir}", "-p", "no:cacheprovider", *args]
        if server is not None:
            arguments.insert(1, f"--intacct-endpoint={server.url}")
        runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
        return FleetResult(runner(*arguments), pytester.path / json_dir)

    return run


def requests_per_company(server: SimulatorServer) -> dict[str | None, int]:
    tally: dict[str | None, int] = {}
    for record in server.log.records:
        tally[record.company_id] = tally.get(record.company_id, 0) + 1
    return tally


# -- each company its own outcome ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outage", "seen"),
    [
        (faults.HttpError(503), "503"),
        # Answers only after every one of GAMMA's time budgets has run out.
        (connection_faults.Delay(seconds=30), ""),
        (connection_faults.DropConnection(), ""),
    ],
    ids=["http-503", "timeout", "connection-dropped"],
)
def test_healthy_misconfigured_and_unreachable_companies_each_get_their_own_verdict(
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
    outage: fault_wire.Fault,
    seen: str,
) -> None:
    server = fleet_simulator({"ACME": "ready", "BETA": "user-misconfigured", "GAMMA": "ready"})
    server.inject(outage, times=None, company="GAMMA")
    run = run_fleet(server, ["ACME", "BETA", "GAMMA"], *ATTEST)

    assert run.result.ret == 1
    assert run.verdicts == {"ACME": "accepted", "BETA": "not-accepted", "GAMMA": "incomplete"}
    assert run.fleet["verdict"] == "not-accepted"
    # The healthy company is exactly as it would be alone: untouched by its neighbours' outage and failures.
    assert set(run.outcomes("ACME").values()) == {"passed", "manual", "not-applicable"}
    assert run.outcomes("ACME")["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    assert run.document("ACME")["verdict"] == "accepted"
    beta = run.outcomes("BETA")
    assert beta["STEP3-ADMIN-FULL"] == beta["STEP3-ROLE"] == beta["STEP4-NORMAL-BALANCE"] == "failed"
    assert beta["STEP2-SENDER-ID"] == "passed"
    assert run.entry("BETA")["failed"] == [
        requirement_id for requirement_id, outcome in beta.items() if outcome == "failed"
    ]
    # The outage is an error, never a misconfiguration of GAMMA.
    gamma = run.outcomes("GAMMA")
    assert "failed" not in gamma.values()
    assert gamma["STEP2-WEB-SERVICES"] == gamma["STEP4-NORMAL-BALANCE"] == "error"
    assert seen in run.document("GAMMA")["requirements"][1]["observed"]
    # One request per healthy company; the unreachable one's retries are its own (a delayed request is
    # logged only once its answer starts, so GAMMA's are not counted here).
    tally = requests_per_company(server)
    assert tally["ACME"] == tally["BETA"] == 1
    for company in ("ACME", "BETA", "GAMMA"):
        assert run.entry(company)["digest"] == run.document(company)["digest"]
        assert run.entry(company)["counts"] == run.document(company)["counts"]
    stdout = run.result.stdout
    stdout.fnmatch_lines(
        [
            "NOT-ACCEPTED  BETA: failed STEP3-EMAIL*STEP3-ADMIN-FULL*STEP4-NORMAL-BALANCE*",
            f"INCOMPLETE    GAMMA: {len(NETWORK_IDS)} could not be verified (*{seen}*",
            "pex-intacct fleet verdict: NOT-ACCEPTED (3 companies: 1 accepted, 1 not-accepted, 1 incomplete)",
        ]
    )
    assert not any(line.startswith(("NOT-ACCEPTED  ACME", "INCOMPLETE    ACME")) for line in stdout.lines)
    # The outage is told once, in GAMMA's line above: no error section or summary line per check of it.
    assert not [line for line in stdout.lines if "GAMMA-" in line and ("ERROR" in line or line.startswith("_"))]
    stdout.fnmatch_lines([f"*{len(NETWORK_IDS)} unverified*"])


def test_node_ids_name_company_and_requirement_and_k_selects_a_company(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    server = fleet_simulator({"ACME": "ready", "BETA": "user-misconfigured"})
    run = run_fleet(server, ["ACME", "BETA"], *ATTEST, "-k", "ACME", "-v")
    run.result.stdout.fnmatch_lines(["*test_user_has_a_role[[]ACME-STEP3-ROLE[]] PASSED*"])
    assert "BETA-" not in run.result.stdout.str().replace("deselected", "")
    assert run.result.ret == 0
    assert run.verdicts == {"ACME": "accepted"}
    assert not (run.json_dir / "BETA.json").exists()
    # BETA was not read at all.
    assert requests_per_company(server) == {"ACME": 1}
    run.result.stdout.fnmatch_lines(["1 companies of the fleet were not selected*", "*fleet verdict: ACCEPTED*"])


def test_the_reads_leave_the_interpreter_as_they_found_it(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    # While reads are under way a waiting reader gets the interpreter sooner (fleet/reads.py); after the
    # run, the process's switch interval is what it was.
    before = sys.getswitchinterval()
    server = fleet_simulator({"ACME": "ready", "BETA": "ready"})
    run = run_fleet(server, ["ACME", "BETA"], *ATTEST)
    assert run.result.ret == 0
    assert sys.getswitchinterval() == before


def test_one_requirement_over_the_fleet_is_one_line_per_company(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    server = fleet_simulator({"ACME": "ready", "BETA": company_scenario(user_roles=[])})
    run = run_fleet(server, ["ACME", "BETA"], *ATTEST, "-k", "STEP3-ROLE")
    assert run.outcomes("ACME")["STEP3-ROLE"] == "passed"
    others = len(run.outcomes("ACME")) - 2  # STEP3-ROLE, and the optional UDD-READ that was not asked for
    run.result.stdout.fnmatch_lines(
        [
            "NOT-ACCEPTED  BETA: failed STEP3-ROLE",
            f"INCOMPLETE    ACME: {others} not run (not selected in this run)",
        ]
    )
    assert not [line for line in run.result.stdout.lines if "not-run" in line]


def test_every_company_accepted_exits_zero_with_one_request_each(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    companies = [f"CO-{number}" for number in range(6)]
    server = fleet_simulator(dict.fromkeys(companies, "ready"))
    run = run_fleet(server, companies, *ATTEST, "--intacct-concurrency=3")
    assert run.result.ret == 0
    assert set(run.verdicts.values()) == {"accepted"}
    assert requests_per_company(server) == dict.fromkeys(companies, 1)
    run.result.stdout.fnmatch_lines(["pex-intacct fleet verdict: ACCEPTED (6 companies: 6 accepted)"])


def test_at_most_concurrency_companies_are_read_at_once(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    companies = [f"CO-{number}" for number in range(7)]
    server = fleet_simulator(dict.fromkeys(companies, "ready"), latency=0.05)
    run = run_fleet(server, companies, *ATTEST, "--intacct-concurrency=2")
    assert run.result.ret == 0
    assert 1 <= server.max_in_flight <= 2
    assert requests_per_company(server) == dict.fromkeys(companies, 1)


def test_a_fleet_wide_udd_attestation_concerns_only_companies_that_check_udds(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    server = fleet_simulator({"ACME": "udd-empty", "BETA": "ready"})
    run = run_fleet(server, ["ACME", "BETA"], *ATTEST, "--intacct-attest=UDD-READ", entries={"ACME": {"udd": True}})
    assert run.result.ret == 0, run.result.stdout.str()
    assert run.document("ACME")["requirements"][-1]["attested_by"] == "Dana Smith <dana@pex.example>"
    assert run.outcomes("BETA")["UDD-READ"] == "not-applicable"
    assert run.verdicts == {"ACME": "accepted", "BETA": "accepted"}


def test_per_company_options_from_the_file(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    """udd, gl_account and write_probe per entry, each for its company only."""
    server = fleet_simulator({"ACME": "ready", "BETA": "ready", "GAMMA": "ready"})
    entries = {"ACME": {"udd": True}, "BETA": {"gl_account": "6700"}, "GAMMA": {"write_probe": True}}
    run = run_fleet(
        server, ["ACME", "BETA", "GAMMA"], "--intacct-signoff=Dana Smith <dana@pex.example>", entries=entries
    )
    assert run.result.ret == 1, run.result.stdout.str()
    assert run.outcomes("ACME")["UDD-READ"] == "passed"
    assert run.outcomes("BETA")["UDD-READ"] == "not-applicable"
    assert "6700" in run.requirement_observed("BETA", "STEP4-NORMAL-BALANCE")
    # Only GAMMA asked for the probe: its Step 1 is verified, the others' need a person.
    assert run.outcomes("GAMMA")["STEP1-ATTACHMENT-NUMBERING"] == "passed"
    assert run.outcomes("ACME")["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    assert run.verdicts == {"ACME": "incomplete", "BETA": "incomplete", "GAMMA": "accepted"}
    assert requests_per_company(server) == {"ACME": 2, "BETA": 1, "GAMMA": 3}
    assert [record.writes for record in server.log.records if record.writes] == [
        ("create_supdocfolder", "create_supdoc"),
        ("delete_supdoc", "delete_supdocfolder"),
    ]
    assert server.attachments == ()


def test_xdist_reads_each_company_once_on_one_worker(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    companies = ["ACME", "BETA", "GAMMA", "DELTA"]
    server = fleet_simulator(
        {"ACME": "ready", "BETA": "user-misconfigured", "GAMMA": "ready", "DELTA": "ready"}, latency=0.05
    )
    run = run_fleet(server, companies, *ATTEST, "-n", "2", "--intacct-concurrency=2", subprocess=True)
    run.result.stdout.fnmatch_lines(["*2 workers*"])
    assert run.result.ret == 1
    assert run.verdicts == {"ACME": "accepted", "BETA": "not-accepted", "DELTA": "accepted", "GAMMA": "accepted"}
    assert requests_per_company(server) == dict.fromkeys(companies, 1)
    # Each worker reads its share through its part of the pool: the fleet as a whole stays within the bound.
    assert server.max_in_flight <= 2
    # With companies left out, a worker's share is worked out from its final collection: still once each.
    server.log.clear()
    some = run_fleet(server, companies, *ATTEST, "-n", "2", "-k", "ACME or GAMMA or DELTA", subprocess=True)
    assert some.verdicts == {"ACME": "accepted", "DELTA": "accepted", "GAMMA": "accepted"}
    assert requests_per_company(server) == {"ACME": 1, "DELTA": 1, "GAMMA": 1}


# -- secrets, record and replay ------------------------------------------------------------------------


def test_record_then_replay_the_fleet_offline_and_no_secret_in_any_artefact(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult], pytester: pytest.Pytester
) -> None:
    companies = ["ACME", "BETA"]
    server = fleet_simulator({"ACME": "ready", "BETA": "user-misconfigured"})
    recorded = run_fleet(
        server,
        companies,
        *ATTEST,
        "--intacct-mode=record",
        "--intacct-cassettes=cassettes",
        "--html=report.html",
        "--self-contained-html",
        "--showlocals",
    )
    assert recorded.verdicts == {"ACME": "accepted", "BETA": "not-accepted"}
    recorded.result.stdout.fnmatch_lines(["cassettes written to *cassettes: ACME.yaml, BETA.yaml"])
    assert sorted(path.name for path in (pytester.path / "cassettes").iterdir()) == ["ACME.yaml", "BETA.yaml"]
    server.close()

    replayed = run_fleet(
        None,
        companies,
        *ATTEST,
        "--intacct-mode=replay",
        "--intacct-cassettes=cassettes",
        json_dir="replayed",
        passwords=False,
    )
    assert replayed.result.ret == 1
    assert replayed.verdicts == recorded.verdicts
    for company in companies:
        assert replayed.outcomes(company) == recorded.outcomes(company)
        assert replayed.document(company)["cassette"] == f"{company}.yaml"

    secrets = [SENDER_PASSWORD, *(password_of(company) for company in companies)]
    artefacts = [path for path in pytester.path.rglob("*") if path.is_file()]
    assert {"report.html", "_fleet.json", "ACME.yaml", "ACME.json"} <= {path.name for path in artefacts}
    for path in artefacts:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"{secret} in {path.name}"
    for output in (recorded.result, replayed.result):
        for secret in secrets:
            assert secret not in output.stdout.str() + output.stderr.str()


# -- sharding ------------------------------------------------------------------------------------------


def test_shards_cover_every_company_exactly_once(run_fleet: Callable[..., FleetResult]) -> None:
    companies = ["ZETA", "ACME", "MU", "BETA", "KAPPA", "ETA", "IOTA"]
    seen: list[str] = []
    for index in (1, 2, 3):
        run = run_fleet(None, companies, f"--intacct-shard={index}/3", "--collect-only", "-q")
        assert run.result.ret == 0
        shard_companies = {
            line.split("[", 1)[1].split("-STEP", 1)[0].split("-UDD", 1)[0]
            for line in run.result.stdout.lines
            if "::" in line and "[" in line
        }
        assert shard_companies
        seen.extend(sorted(shard_companies))
    assert sorted(seen) == sorted(companies)


def test_shards_are_deterministic_slices_by_company_id() -> None:
    companies = [f"C{number:02d}" for number in range(10)]
    shards = [in_shard(list(reversed(companies)), Shard(index, 4)) for index in range(1, 5)]
    assert sorted(company for shard in shards for company in shard) == companies
    assert shards[0] == ["C00", "C04", "C08"]
    assert in_shard(companies, None) == companies


# -- drift ---------------------------------------------------------------------------------------------


def test_drift_finds_a_flipped_normal_balance_and_a_removed_role(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    companies = ["ACME", "BETA", "GAMMA"]
    before = fleet_simulator(dict.fromkeys(companies, "ready"))
    baseline = run_fleet(before, companies, *ATTEST, json_dir="signed-off")
    assert set(baseline.verdicts.values()) == {"accepted"}
    after = fleet_simulator(
        {
            "ACME": company_scenario(gl_normal_balance="credit"),
            "BETA": company_scenario(user_roles=[]),
            "GAMMA": "ready",
        }
    )
    run = run_fleet(after, companies, *ATTEST, "--intacct-baseline=signed-off", json_dir="tonight")
    assert run.result.ret == 1
    assert run.entry("ACME")["drift"] == [
        {"id": "STEP4-NORMAL-BALANCE", "before": "passed", "after": "failed", "regression": True}
    ]
    assert run.entry("BETA")["drift"] == [
        {"id": "STEP3-ROLE", "before": "passed", "after": "failed", "regression": True}
    ]
    assert run.entry("GAMMA")["drift"] == []
    assert run.entry("GAMMA")["baseline"] is True
    taken = baseline.fleet["started_at"]
    assert run.fleet["baseline"] == {"source": "directory", "name": "signed-off", "taken_at": taken}
    assert run.entry("ACME")["drift_cause"] == {
        "id": "STEP4-NORMAL-BALANCE",
        "before": "passed",
        "after": "failed",
        "regression": True,
        "since": taken,
        "folded": [],
    }
    assert run.entry("GAMMA")["drift_cause"] is None
    run.result.stdout.fnmatch_lines(
        [
            "*pex-intacct fleet*",
            f"drift since baseline signed-off (taken {taken}): 2 of 3 companies with a baseline changed, "
            "2 for the worse",
            f"DRIFT ACME STEP4-NORMAL-BALANCE: passed -> failed (regression) since {taken[:10]}",
            f"DRIFT BETA STEP3-ROLE: passed -> failed (regression) since {taken[:10]}",
            "NOT-ACCEPTED  ACME: failed STEP4-NORMAL-BALANCE",
        ]
    )


def test_a_de_authorized_sender_is_one_drift_line_with_what_it_blocks_folded(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    companies = ["ACME", "BETA"]
    before = fleet_simulator(dict.fromkeys(companies, "ready"))
    run_fleet(before, companies, *ATTEST, json_dir="last-night")
    after = fleet_simulator({"ACME": "sender-inactive", "BETA": "ready"})
    run = run_fleet(after, companies, *ATTEST, "--intacct-baseline=last-night", json_dir="tonight")
    changes = run.entry("ACME")["drift"]
    assert len(changes) > 5
    cause = run.entry("ACME")["drift_cause"]
    assert (cause["id"], cause["before"], cause["after"]) == ("STEP2-SENDER-ID", "passed", "failed")
    assert len(cause["folded"]) == len(changes) - 1
    assert {change["after"] for change in cause["folded"]} == {"blocked"}
    assert {change["blocked_by"] for change in cause["folded"]} == {"STEP2-SENDER-ID"}
    drift_lines = [line for line in run.result.outlines if line.startswith("DRIFT ")]
    assert drift_lines == [
        f"DRIFT ACME STEP2-SENDER-ID: passed -> failed (regression) since {cause['since'][:10]}; "
        f"with it: {len(changes) - 1} now blocked by it"
    ]


def test_drift_lists_regressions_first_the_worst_first() -> None:
    def document(**outcomes: str) -> dict[str, object]:
        return {"requirements": [{"id": key.replace("_", "-"), "outcome": value} for key, value in outcomes.items()]}

    before = document(STEP2_SENDER_ID="passed", STEP3_EMAIL="failed", STEP3_ROLE="passed", STEP3_ADMIN_FULL="passed")
    after = document(STEP2_SENDER_ID="error", STEP3_EMAIL="passed", STEP3_ROLE="failed", STEP3_ADMIN_FULL="passed")
    assert drift(before, after) == [
        Drift("STEP3-ROLE", "passed", "failed"),
        Drift("STEP2-SENDER-ID", "passed", "error"),
        Drift("STEP3-EMAIL", "failed", "passed"),
    ]
    assert [change.regression for change in drift(before, after)] == [True, True, False]
    assert drift(before, before) == []
    # A manual requirement a person attested is met; the same outcome unattested (expired) is not.
    attested = {"requirements": [{"id": "STEP1-ATTACHMENT-NUMBERING", "outcome": "manual", "attested_by": "D <d@x>"}]}
    unattested = {"requirements": [{"id": "STEP1-ATTACHMENT-NUMBERING", "outcome": "manual", "attested_by": None}]}
    assert drift(attested, unattested) == [Drift("STEP1-ATTACHMENT-NUMBERING", "manual (attested)", "manual")]
    assert drift(attested, unattested)[0].regression and not drift(unattested, attested)[0].regression


def test_the_cause_of_a_drift_is_the_first_change_not_blocked_by_another() -> None:
    blocked = [Drift(rid, "passed", "blocked", "STEP2-WEB-SERVICES") for rid in ("STEP3-ROLE", "STEP3-EMAIL")]
    told = by_cause([*blocked, Drift("STEP2-WEB-SERVICES", "passed", "error")], since="2026-12-05T02:00:00Z")
    assert told is not None and told.cause.requirement_id == "STEP2-WEB-SERVICES"
    assert [change.requirement_id for change in told.folded] == ["STEP3-EMAIL", "STEP3-ROLE"]
    assert told.line() == (
        "STEP2-WEB-SERVICES: passed -> error (regression) since 2026-12-05; with it: 2 now blocked by it"
    )
    # A fix and a later breakage: the regression is the cause (what to act on), the improvement is named.
    two = by_cause([Drift("STEP4-NORMAL-BALANCE", "passed", "failed"), Drift("STEP3-EMAIL", "failed", "passed")])
    assert two is not None
    assert two.line() == "STEP4-NORMAL-BALANCE: passed -> failed (regression); with it: STEP3-EMAIL: failed -> passed"
    assert two.regression and two.cause.regression
    # Two improvements: the first in the guide's order is the cause.
    better = by_cause([Drift("STEP4-NORMAL-BALANCE", "failed", "passed"), Drift("STEP3-EMAIL", "failed", "passed")])
    assert better is not None and better.cause.requirement_id == "STEP3-EMAIL" and not better.regression
    # A regression is never counted among "more changed": the rest name regressions first.
    many = [Drift(rid, "failed", "passed") for rid in ("STEP3-EMAIL", "STEP3-USER-TYPE", "STEP3-ADMIN-FULL")]
    many += [Drift("STEP2-SENDER-ID", "failed", "passed"), Drift("STEP4-NORMAL-BALANCE", "passed", "failed")]
    many += [Drift("STEP3-ROLE", "passed", "error")]
    told_many = by_cause(many)
    assert told_many is not None and told_many.cause.requirement_id == "STEP3-ROLE"
    assert "STEP4-NORMAL-BALANCE: passed -> failed (regression)" in told_many.line()
    # Everything blocked (what blocks it did not change, e.g. not in the baseline): the first is named.
    only_blocked = by_cause(blocked)
    assert only_blocked is not None and only_blocked.cause.requirement_id == "STEP3-EMAIL"
    assert by_cause([]) is None


# -- a bad fleet file is one usage error before any traffic ---------------------------------------------


@pytest.mark.parametrize(
    ("fleet_file", "extra", "environment", "message"),
    [
        (None, [], {}, "*--intacct-fleet*fleet.toml*no such file*"),
        ('[[company]\nid = "ACME"', [], {}, "*fleet.toml*not valid TOML*"),
        ('[[company]]\nid = "ACME"\npasword_env = "X"', [], {}, "*#1 (ACME): unknown key 'pasword_env'*"),
        ('[[company]]\nid = "ACME"\n[[company]]\nid = "ACME"', [], {}, "*#2: company 'ACME' is listed twice"),
        (
            '[[company]]\nid = "ACME"\n[[company]]\nid = "BETA"\n[[company]]\nid = "acme"',
            [],
            {},
            "*#3: company 'acme' is listed twice (#1 lists it as 'ACME'; company IDs ignore case)",
        ),
        (
            '[[company]]\nid = "ACME"\npassword_env = "NOPE_PW"',
            [],
            {},
            "*ACME: password_env NOPE_PW is not set*",
        ),
        ('[[company]]\nid = "ACME"\npassword_env = "EMPTY_PW"', [], {"EMPTY_PW": ""}, "*password_env EMPTY_PW is not*"),
        ('[[company]]\nid = "ACME"\nudd = "yes"', [], {}, "*(ACME): 'udd' must be true or false, not a TOML str*"),
        ("[[company]]\nid = 7", [], {}, "*#1: 'id' (the Intacct company ID, a string) is missing or empty*"),
        (
            '[[company]]\nid = "AC ME"',
            [],
            {},
            "*AC ME: --intacct-company 'AC ME' is not an Intacct*",
        ),
        (
            '[[company]]\nid = "ACME"\npassword_env = "hunter2 pw"',
            [],
            {},
            "*must be the name of an environment var*",
        ),
        ('companies = ["ACME"]', [], {}, "*unknown top-level key 'companies'*"),
        ('[[company]]\nid = "ACME"', ["--intacct-company=ACME"], {}, "*--intacct-fleet and --intacct-company exclude*"),
        ('[[company]]\nid = "ACME"', ["--intacct-shard=4/3"], {}, "*--intacct-shard '4/3' is not K/N*"),
        ('[[company]]\nid = "ACME"', ["--intacct-concurrency=0"], {}, "*--intacct-concurrency '0' is not a number*"),
        ('[[company]]\nid = "ACME"', ["--intacct-baseline=nowhere"], {}, "*--intacct-baseline 'nowhere' is not a dir*"),
        ('[[company]]\nid = "ACME"', ["--intacct-mode=replay", "--intacct-cassettes=none"], {}, "*company ACME: *"),
    ],
)
def test_a_bad_fleet_is_one_usage_error_before_any_traffic(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fleet_simulator: Callable[..., SimulatorServer],
    fleet_file: str | None,
    extra: list[str],
    environment: dict[str, str],
    message: str,
) -> None:
    server = fleet_simulator({"ACME": "ready"})
    monkeypatch.delenv("INTACCT_COMPANY_ID", raising=False)
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", password_of("ACME"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if fleet_file is not None:
        (pytester.path / "fleet.toml").write_text(fleet_file, encoding="utf-8")
    result = pytester.runpytest("--intacct-fleet=fleet.toml", f"--intacct-endpoint={server.url}", *extra)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    # The fleet file is named as typed in every message, never as the path it resolves to.
    assert str(pytester.path / "fleet.toml") not in errors[0]
    if "fleet.toml" in errors[0]:
        assert "--intacct-fleet 'fleet.toml'" in errors[0]
    assert server.log.count == 0


def test_help_texts_stand_alone_without_repository_files() -> None:
    """``pytest --help`` is read where the plugin is installed: no docs/ or source files, no internals."""
    internal = re.compile(r"docs/|\.md\b|\.py\b|\bsee\b|Settings|\bsettings\b|\bSPEC\b|§|\.\./")
    for option in OPTIONS:
        assert not internal.search(option.help), (option.flag, option.help)
    fleet_help = BY_FIELD["fleet_path"].help
    for key in ("[[company]]", "id", "user", "gl_account", "udd", "write_probe", "password_env"):
        assert key in fleet_help, key
    for option in FLEET_ONLY:
        assert option.help.startswith("with --intacct-fleet:"), option.flag


def test_fleet_only_options_are_refused_in_a_single_company_run(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--intacct-company=ACME", "--intacct-mode=replay", "--intacct-shard=1/2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --intacct-shard applies only to a fleet run*"])


# -- the simulator serves many companies ---------------------------------------------------------------


def test_one_gateway_routes_each_sign_in_to_its_company(fleet_simulator: Callable[..., SimulatorServer]) -> None:
    from pytest_pex_intacct.config.settings import resolve_settings
    from pytest_pex_intacct.facts.gl_account import GL_ACCOUNT_FACT
    from pytest_pex_intacct.recording.company_reading import take_snapshot

    server = fleet_simulator({"ACME": "ready", "BETA": company_scenario(gl_normal_balance="credit")})

    def snapshot(company: str, password: str) -> Any:
        environ = {"INTACCT_SENDER_PASSWORD": SENDER_PASSWORD, "INTACCT_USER_PASSWORD": password}
        raw = {"company_id": company, "endpoint": server.url}
        return take_snapshot(resolve_settings(raw, environ, Path.cwd()))

    assert snapshot("ACME", password_of("ACME")).value(GL_ACCOUNT_FACT).account.normal_balance.value == "debit"
    assert snapshot("BETA", password_of("BETA")).value(GL_ACCOUNT_FACT).account.normal_balance.value == "credit"
    # Another company's password does not open a company; an unlisted company is refused as Intacct refuses it.
    assert not snapshot("BETA", password_of("ACME")).sign_in.user_signed_in
    assert not snapshot("OMEGA", password_of("ACME")).sign_in.user_signed_in
    assert [record.company_id for record in server.log.records] == ["ACME", "BETA", "BETA", "OMEGA"]


# -- the report ----------------------------------------------------------------------------------------


def test_the_page_opens_with_the_counts_then_what_changed_the_matrix_and_each_company_folded(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult], pytester: pytest.Pytester
) -> None:
    import html

    from lxml import html as lxml_html

    companies = ["ACME", "BETA", "GAMMA"]
    before = fleet_simulator(dict.fromkeys(companies, "ready"))
    run_fleet(before, companies, *ATTEST, json_dir="signed-off")
    server = fleet_simulator({"ACME": "ready", "BETA": "user-misconfigured", "GAMMA": "ready"})
    server.inject(faults.HttpError(503), times=None, company="GAMMA")
    run = run_fleet(
        server, companies, *ATTEST, "--intacct-baseline=signed-off", "--html=fleet.html", "--self-contained-html"
    )
    assert run.result.ret == 1
    text = (pytester.path / "fleet.html").read_text(encoding="utf-8")
    page = lxml_html.fromstring(text)
    # The words are the counts, in the window's title and in the header.
    assert (
        page.findtext(".//title")
        == "3 companies: 1 not accepted, 1 incomplete, 1 accepted · PEX Sage Intacct fleet report"
    )
    section = page.get_element_by_id("pex-intacct")
    assert section.find("header/h1").text == "3 companies: 1 not accepted, 1 incomplete, 1 accepted"
    assert section.find("header/p[@class='pex-next']").text_content().startswith("Fleet NOT ACCEPTED: ")
    kinds = [element.get("id") or element.get("class") for element in section.iterchildren("header", "section", "p")]
    assert kinds == [
        "pex-verdict pex-fleet-head bad",
        "pex-ticket-note",
        "pex-list pex-changes",
        "pex-intacct-matrix",
        "pex-list pex-companies",
    ]
    # What changed, by cause: each company's first change, regressions first.
    lines = [" ".join(line.text_content().split()) for line in page.get_element_by_id("pex-intacct-drift").iter("li")]
    assert lines[0].startswith("BETA STEP3-EMAIL passed → failed regression")
    assert any(line.startswith("GAMMA STEP2-WEB-SERVICES passed → error regression") for line in lines)
    # The matrix: failures first, a cell per outcome.
    rows = page.get_element_by_id("pex-intacct-matrix").xpath(".//tbody/tr")
    assert [row.xpath("string(th)") for row in rows] == ["BETA", "GAMMA", "ACME"]
    assert [row.xpath("string(td[1])") for row in rows] == ["not accepted", "incomplete", "accepted"]
    header = [cell.text for cell in page.get_element_by_id("pex-intacct-matrix").xpath(".//thead/tr/th")]
    assert header[2:] == ALL_IDS
    marks = {"passed": "✓", "failed": "✗", "error": "E", "not-applicable": "n/a", "manual": "A"}
    tones = {"passed": "g", "failed": "b", "error": "w", "not-applicable": "q", "manual": "g"}
    for row, company in zip(rows, ["BETA", "GAMMA", "ACME"], strict=True):
        outcomes = run.outcomes(company)
        cells = row.xpath("td")[1:]
        assert [cell.text for cell in cells] == [marks[outcomes[one]] for one in ALL_IDS]
        assert [cell.get("class") for cell in cells] == [tones[outcomes[one]] for one in ALL_IDS]
        # Each company's name links to its folded section, whose summary gives its verdict.
        folded = page.get_element_by_id(row.xpath("th/a/@href")[0].removeprefix("#"))
        assert folded.tag == "details"
        assert folded.find("summary/b").text == company
        acted_on = [one for one in ALL_IDS if outcomes[one] in ("failed", "error", "blocked")]
        assert folded.xpath(".//tbody/tr//div[@class='pex-id']/text()") == acted_on
    # BETA alone is not accepted, so its section is open; the others are folded.
    opened = [page.get_element_by_id(f"pex-intacct-company-{name}").get("open") is not None for name in companies]
    assert opened == [False, True, False]
    # No customer banner: that is each company's own report's job.
    assert "DRAFT" not in text and "run the check again" not in text
    # pytest-html's own results carry none of the fleet's checks: the page's sections do.
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1)))  # type: ignore[union-attr]
    assert blob["tests"] == {}


def test_verify_says_a_fleet_report_is_not_sealed_and_how_to_check_each_company(
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
    pytester: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pytest_pex_intacct.__main__ import main

    server = fleet_simulator({"ACME": "ready", "BETA": "ready"})
    run = run_fleet(
        server, ["ACME", "BETA"], *ATTEST, "--html=fleet.html", "--self-contained-html", "--intacct-json=out/"
    )
    assert run.result.ret == 0
    capsys.readouterr()  # drop what the in-process run printed
    # A wrong kind of file (exit 2), not an edited report (exit 1); no element id of the page's insides.
    assert main(["verify", str(pytester.path / "fleet.html")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"verify: {pytester.path / 'fleet.html'}: a fleet report, which is not sealed as a whole, so verify cannot "
        "check it; check each company instead: verify DIR/<company>.json (its results document, written with "
        "--intacct-json=DIR/) or its own report (pytest --intacct-company=ID --html=REPORT.html, then verify "
        "REPORT.html)"
    ]
    # Which is what the message says: each company's document verifies on its own, and an edit shows.
    document = pytester.path / "out" / "ACME.json"
    assert main(["verify", str(document)]) == 0
    verified = capsys.readouterr().out
    assert verified.startswith(f"verified: {document}: company ACME, verdict accepted") and "digest matches" in verified
    document.write_text(document.read_text(encoding="utf-8").replace('"accepted"', '"not-accepted"'), encoding="utf-8")
    assert main(["verify", str(document)]) == 1
    assert "digest: the results do not match their sha256 digest" in capsys.readouterr().out
    assert main(["verify", str(pytester.path / "out" / "_fleet.json")]) == 2
    assert "a fleet summary (_fleet.json), which is not signed itself" in capsys.readouterr().err


def test_the_simulator_command_serves_a_fleet_and_its_banner_runs_as_printed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import shlex
    import subprocess
    import sys

    for name in ("INTACCT_COMPANY_ID", "INTACCT_USER_PASSWORD", "INTACCT_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    command = [sys.executable, "-m", "pytest_pex_intacct.simulator", "--company", "ACME=ready"]
    process = subprocess.Popen([*command, "--company", "BETA-2=user-misconfigured"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or lines[-1] != "Stop it with Ctrl-C.":
            lines.append(process.stdout.readline().rstrip("\n"))
        assert lines[0].startswith("Intacct simulator for 2 companies (ACME, BETA-2) listening on http://127.0.0.1:")
        for name, value in re.findall(r"^  export (\w+)=(\S+)$", "\n".join(lines), re.MULTILINE):
            monkeypatch.setenv(name, shlex.split(value)[0])
        start = lines.index("then write these lines to fleet.toml:") + 1
        end = lines.index("and run:")
        (pytester.path / "fleet.toml").write_text("\n".join(lines[start:end]) + "\n", encoding="utf-8")
        pasted = shlex.split(lines[end + 1])
        result = pytester.runpytest_subprocess(*pasted[1:], *ATTEST)
    finally:
        process.terminate()
        process.communicate(timeout=10)
    result.stdout.fnmatch_lines(
        ["NOT-ACCEPTED  BETA-2: failed *", "pex-intacct fleet verdict: NOT-ACCEPTED (2 companies: 1 accepted, 1 not-*"]
    )
