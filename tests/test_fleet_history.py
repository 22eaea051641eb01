"""A fleet run with ``--intacct-history=FILE``, end to end against the simulator.

Earlier runs are written into the history through ``fleet/history.py`` with fixed times in 2021, before
any run of these tests; the runs themselves start whenever the tests run, so only their own
``started_at`` (read back from ``_fleet.json``) is compared with what the history says of them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import test_fleet
from test_fleet import FleetResult

from conftest import ATTEST
from conftest import scenario_variant as company_scenario
from pytest_pex_intacct.fleet.history import CompanyOutcome, History, RequirementOutcome, RunRecord
from pytest_pex_intacct.requirements import CATALOGUE
from pytest_pex_intacct.simulator import SimulatorServer

# The fleet's fixtures: a simulator serving several companies, and a fleet file run over it.
fleet_simulator = test_fleet.fleet_simulator
run_fleet = test_fleet.run_fleet

HISTORY = "--intacct-history=history.sqlite"
DAY_1, DAY_2 = "2021-03-01T02:00:00Z", "2021-03-02T02:00:00Z"


def seeded(pytester: pytest.Pytester, *runs: tuple[str, dict[str, str]]) -> History:
    """Earlier runs of fleet.toml: (started_at, {company: verdict}), every requirement passed or failed."""
    history = History.open(pytester.path / "history.sqlite", "history.sqlite")
    for started_at, verdicts in runs:
        companies = tuple(
            CompanyOutcome(
                company,
                verdict,
                tuple(RequirementOutcome(one.id, "passed" if verdict == "accepted" else "failed") for one in CATALOGUE),
            )
            for company, verdict in verdicts.items()
        )
        overall = "accepted" if set(verdicts.values()) == {"accepted"} else "not-accepted"
        history.record(RunRecord("fleet.toml", None, "live", started_at, started_at, overall, companies))
    return history


def test_failing_since_and_drift_against_the_history_over_two_nights(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    seeded(
        pytester,
        (DAY_1, {"ACME": "accepted", "BETA": "accepted"}),
        (DAY_2, {"ACME": "accepted", "BETA": "not-accepted"}),
    )
    companies = ["ACME", "BETA"]

    first = run_fleet(fleet_simulator({"ACME": "ready", "BETA": "user-misconfigured"}), companies, *ATTEST, HISTORY)

    assert first.verdicts == {"ACME": "accepted", "BETA": "not-accepted"}
    first.result.stdout.fnmatch_lines(
        ["run recorded in the history history.sqlite", "NOT-ACCEPTED  BETA: failed *; failing since 2021-03-02"]
    )
    assert first.entry("BETA")["failing_since"] == DAY_2
    assert first.entry("ACME")["failing_since"] is None
    tonight = first.fleet["started_at"]
    assert first.fleet["history"] == {
        "file": "history.sqlite",
        "runs": [
            {"started_at": DAY_1, "accepted": 2, "companies": 2},
            {"started_at": DAY_2, "accepted": 1, "companies": 2},
            {"started_at": tonight, "accepted": 1, "companies": 2},
        ],
    }
    # Without --intacct-baseline, drift compares with the history's last run.
    assert first.fleet["baseline"] == {"source": "history", "name": "history.sqlite", "taken_at": DAY_2}
    assert first.entry("BETA")["baseline"] is True

    # The next night ACME's GL account flipped; BETA is as it was.
    after = fleet_simulator({"ACME": company_scenario(gl_normal_balance="credit"), "BETA": "user-misconfigured"})
    second = run_fleet(after, companies, *ATTEST, HISTORY, json_dir="second")

    assert second.result.ret == 1
    assert second.fleet["baseline"] == {"source": "history", "name": "history.sqlite", "taken_at": tonight}
    assert second.entry("ACME")["drift"] == [
        {"id": "STEP4-NORMAL-BALANCE", "before": "passed", "after": "failed", "regression": True}
    ]
    assert second.entry("BETA")["drift"] == []
    assert second.entry("ACME")["drift_cause"]["id"] == "STEP4-NORMAL-BALANCE"
    assert second.entry("ACME")["drift_cause"]["since"] == tonight
    assert second.entry("BETA")["drift_cause"] is None
    second.result.stdout.fnmatch_lines([f"drift since baseline history.sqlite (taken {tonight})*"])
    assert second.entry("BETA")["failing_since"] == DAY_2
    assert second.entry("ACME")["failing_since"] == second.fleet["started_at"]
    second.result.stdout.fnmatch_lines(
        [
            "NOT-ACCEPTED  ACME: failed STEP4-NORMAL-BALANCE; failing since " + second.fleet["started_at"][:10],
            "NOT-ACCEPTED  BETA: failed *; failing since 2021-03-02",
        ]
    )
    assert [point["accepted"] for point in second.fleet["history"]["runs"]] == [2, 1, 1, 0]


def test_a_first_run_starts_the_history_with_no_baseline(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    run = run_fleet(fleet_simulator({"ACME": "ready"}), ["ACME"], *ATTEST, HISTORY)
    assert run.result.ret == 0
    assert run.fleet["baseline"] is None
    assert "drift" not in run.entry("ACME")
    assert run.entry("ACME")["failing_since"] is None
    assert run.fleet["history"]["runs"] == [{"started_at": run.fleet["started_at"], "accepted": 1, "companies": 1}]
    assert (pytester.path / "history.sqlite").is_file()


def test_a_baseline_directory_wins_over_the_history(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    seeded(pytester, (DAY_1, {"ACME": "not-accepted"}))
    server = fleet_simulator({"ACME": "ready"})
    earlier = run_fleet(server, ["ACME"], *ATTEST, json_dir="signed-off/")
    run = run_fleet(server, ["ACME"], *ATTEST, HISTORY, "--intacct-baseline=signed-off/", json_dir="tonight")
    assert run.fleet["baseline"] == {
        "source": "directory",
        "name": "signed-off/",
        "taken_at": earlier.document("ACME")["started_at"],
    }
    assert run.entry("ACME")["drift"] == []
    assert run.fleet["history"]["runs"][0]["started_at"] == DAY_1


def test_without_a_history_the_summary_says_so(
    fleet_simulator: Callable[..., SimulatorServer], run_fleet: Callable[..., FleetResult]
) -> None:
    run = run_fleet(fleet_simulator({"ACME": "ready"}), ["ACME"], *ATTEST)
    assert run.fleet["history"] is None and run.fleet["baseline"] is None
    assert "failing_since" not in run.entry("ACME")


def test_collect_only_and_xdist_workers_write_nothing_the_controller_writes_once(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    companies = ["ACME", "BETA", "GAMMA"]
    server = fleet_simulator(dict.fromkeys(companies, "ready"))
    run_fleet(server, companies, *ATTEST, HISTORY, "--collect-only")
    assert not (pytester.path / "history.sqlite").exists()

    run = run_fleet(server, companies, *ATTEST, HISTORY, "-n", "2", subprocess=True)
    assert run.result.ret == 0
    assert run.fleet["history"]["runs"] == [{"started_at": run.fleet["started_at"], "accepted": 3, "companies": 3}]


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        ("text", [HISTORY], "--intacct-history 'history.sqlite' is not an SQLite database; pass *"),
        ("directory", [HISTORY], "--intacct-history 'history.sqlite' is a directory; pass a file*"),
        (None, ["--intacct-history=missing/history.sqlite"], "*directory 'missing' does not exist; create it first"),
        (None, ["--intacct-history="], "--intacct-history is empty; pass the run history's SQLite file*"),
    ],
    ids=["text-file", "directory", "missing-directory", "empty"],
)
def test_a_bad_history_is_one_usage_error_before_any_traffic(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
    make: str | None,
    extra: list[str],
    message: str,
) -> None:
    if make == "text":
        (pytester.path / "history.sqlite").write_text("not a database\n", encoding="utf-8")
    elif make == "directory":
        (pytester.path / "history.sqlite").mkdir()
    server = fleet_simulator({"ACME": "ready"})
    run = run_fleet(server, ["ACME"], *ATTEST, *extra)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in run.result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    run.result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert server.log.count == 0


def test_the_history_is_refused_in_a_single_company_run(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--intacct-company=ACME", "--intacct-mode=replay", HISTORY)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --intacct-history applies only to a fleet run; pass --intacct-fleet*"])


def test_a_run_of_some_requirements_is_not_the_history_s_next_baseline(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    seeded(pytester, (DAY_1, {"ACME": "accepted", "BETA": "accepted"}))
    server = fleet_simulator({"ACME": "ready", "BETA": "ready"})
    # -k STEP3-ROLE leaves eleven requirements of every company not run: recorded, both would turn
    # "failing" and the next night would drift against requirements this run never checked.
    partial = run_fleet(server, ["ACME", "BETA"], *ATTEST, HISTORY, "-k", "STEP3-ROLE", json_dir="partial")
    partial.result.stdout.fnmatch_lines(
        ["run not recorded in the history history.sqlite: 2 companies with requirements left out of this run*"]
    )
    assert partial.fleet["history"] is None
    assert "failing since" not in partial.result.stdout.str()
    whole = run_fleet(server, ["ACME", "BETA"], *ATTEST, HISTORY, json_dir="whole")
    assert whole.fleet["baseline"]["taken_at"] == DAY_1
    assert next(point["started_at"] for point in whole.fleet["history"]["runs"]) == DAY_1
    assert len(whole.fleet["history"]["runs"]) == 2
    assert whole.result.ret == 0


def register(pytester: pytest.Pytester, expires: str) -> None:
    (pytester.path / "attestations.toml").write_text(
        "".join(
            f'[[attestation]]\ncompany = "{company}"\nrequirement = "STEP1-ATTACHMENT-NUMBERING"\n'
            f'by = "Dana Smith <dana@pex.example>"\non = 2020-01-01\nreason = "numbering seen on"\n'
            f"expires = {expires}\n\n"
            for company in ("ACME", "BETA")
        ),
        encoding="utf-8",
    )


def test_an_attestation_that_expired_since_the_last_run_is_drift(
    pytester: pytest.Pytester,
    fleet_simulator: Callable[..., SimulatorServer],
    run_fleet: Callable[..., FleetResult],
) -> None:
    server = fleet_simulator({"ACME": "ready", "BETA": "ready"})
    register(pytester, expires="9999-12-31")
    first = run_fleet(server, ["ACME", "BETA"], HISTORY, "--intacct-attestations=attestations.toml", json_dir="one")
    assert first.result.ret == 0
    # The entry expired between the two runs (a date long past stands for it): the outcome is "manual"
    # both nights, but the company is no longer accepted, and drift says why in one line.
    register(pytester, expires="2020-06-30")
    second = run_fleet(server, ["ACME", "BETA"], HISTORY, "--intacct-attestations=attestations.toml", json_dir="two")
    assert second.result.ret == 1
    assert second.entry("ACME")["drift"] == [
        {"id": "STEP1-ATTACHMENT-NUMBERING", "before": "manual (attested)", "after": "manual", "regression": True}
    ]
    second.result.stdout.fnmatch_lines(
        [
            "DRIFT ACME STEP1-ATTACHMENT-NUMBERING: manual (attested) -> manual (regression) since *",
            "INCOMPLETE    ACME: STEP1-ATTACHMENT-NUMBERING manual (attestation expired on 2020-06-30)*",
        ]
    )
