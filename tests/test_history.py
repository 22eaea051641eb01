"""The run history (``fleet/history.py``, ``fleet/history_file.py``): plain unit tests, no pytest run.

Every time is a fixed text handed in, as a run hands in its start: nothing depends on today's date.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

import pytest

from pytest_pex_intacct.config.option import SettingsError
from pytest_pex_intacct.fleet import history_file
from pytest_pex_intacct.fleet.drift import drift
from pytest_pex_intacct.fleet.history import (
    CHART_RUNS,
    CompanyOutcome,
    History,
    RequirementOutcome,
    RunPoint,
    RunRecord,
)
from pytest_pex_intacct.fleet.history_file import APPLICATION_ID, SCHEMA, SCHEMA_VERSION
from pytest_pex_intacct.requirements import CATALOGUE

DOCS = Path(__file__).resolve().parents[1] / "docs"
ROLE, BALANCE, SIGN_IN = "STEP3-ROLE", "STEP4-NORMAL-BALANCE", "STEP2-WEB-SERVICES"


def day(number: int) -> str:
    return f"2026-12-{number:02d}T02:00:00Z"


def company(name: str, verdict: str, **outcomes: str) -> CompanyOutcome:
    """``outcomes`` by requirement id with '_' for '-'; every other requirement passed."""
    given = {key.replace("_", "-"): value for key, value in outcomes.items()}
    return CompanyOutcome(
        name,
        verdict,
        tuple(RequirementOutcome(one.id, given.get(one.id, "passed")) for one in CATALOGUE),
    )


def run(
    started_at: str, *companies: CompanyOutcome, fleet: str | None = "fleet.toml", shard: str | None = None
) -> RunRecord:
    verdicts = {one.verdict for one in companies}
    overall = "accepted" if verdicts == {"accepted"} else "not-accepted" if "not-accepted" in verdicts else "incomplete"
    return RunRecord(fleet, shard, "live", started_at, started_at.replace("02:00", "02:05"), overall, companies)


def opened(tmp_path: Path, name: str = "history.sqlite") -> History:
    return History.open(tmp_path / name, name)


# -- the file and its schema -----------------------------------------------------------------------


def test_a_missing_file_is_created_by_the_first_write_with_the_documented_schema(tmp_path: Path) -> None:
    history = opened(tmp_path)
    assert not history.path.exists()
    assert history.last_run("fleet.toml", None) is None
    assert history.last_runs("fleet.toml", None) == ()
    assert not history.path.exists(), "reading never creates the file"

    history.record(run(day(1), company("ACME", "accepted")))

    connection = sqlite3.connect(history.path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"runs", "companies", "outcomes"}
    assert connection.execute("SELECT fleet, shard, mode, verdict, companies, accepted FROM runs").fetchall() == [
        ("fleet.toml", None, "live", "accepted", 1, 1)
    ]
    assert connection.execute("SELECT count(*) FROM outcomes").fetchone()[0] == len(CATALOGUE)
    connection.close()


def test_the_docs_show_the_schema_as_the_code_creates_it() -> None:
    documented = (DOCS / "history.md").read_text(encoding="utf-8")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            assert statement.strip() in documented, statement.strip().splitlines()[0]


def test_an_empty_file_is_a_new_history(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite").write_bytes(b"")
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "accepted")))
    assert history.last_runs("fleet.toml", None) == (RunPoint(day(1), 1, 1),)


# -- what the history says -------------------------------------------------------------------------


def test_failing_since_is_the_start_of_the_unbroken_streak_ending_with_this_run(tmp_path: Path) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "accepted"), company("BETA", "not-accepted", STEP3_ROLE="failed")))
    history.record(run(day(2), company("ACME", "not-accepted"), company("BETA", "accepted")))
    history.record(run(day(3), company("ACME", "incomplete"), company("BETA", "not-accepted")))
    # A run that did not check ACME (-k BETA) does not break its streak.
    history.record(run(day(4), company("BETA", "not-accepted")))

    recorded = history.record(
        run(day(5), company("ACME", "not-accepted"), company("BETA", "accepted"), company("NEW", "incomplete"))
    )

    assert recorded.failing_since == {"ACME": day(2), "BETA": None, "NEW": day(5)}


def test_failing_since_counts_only_this_fleets_runs(tmp_path: Path) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "not-accepted"), fleet="other.toml"))
    history.record(run(day(2), company("ACME", "accepted"), fleet="other.toml"))
    history.record(run(day(1), company("ACME", "not-accepted")))
    this_run = run(day(3), company("ACME", "incomplete"))
    assert history.failing_since(this_run) == {"ACME": day(1)}
    assert history.record(this_run).failing_since == {"ACME": day(1)}


def test_the_chart_holds_the_last_runs_of_this_fleet_and_shard_oldest_first(tmp_path: Path) -> None:
    history = opened(tmp_path)
    for number in range(1, 32):
        companies = [company("ACME", "accepted"), company("BETA", "accepted" if number % 2 else "not-accepted")]
        history.record(run(day(number), *companies))
    history.record(run(day(15), company("GAMMA", "accepted"), shard="2/2"))
    history.record(run(day(15), company("ACME", "accepted"), fleet="other.toml"))

    recorded = history.record(run("2027-01-01T02:00:00Z", company("ACME", "accepted"), company("BETA", "incomplete")))

    assert len(recorded.runs) == CHART_RUNS
    assert recorded.runs[-1] == RunPoint("2027-01-01T02:00:00Z", 1, 2)
    assert recorded.runs[0] == RunPoint(day(3), 2, 2)
    assert [point.started_at for point in recorded.runs] == sorted(point.started_at for point in recorded.runs)
    assert history.last_runs("fleet.toml", "2/2") == (RunPoint(day(15), 1, 1),)
    assert recorded.runs[-1].to_json() == {"started_at": "2027-01-01T02:00:00Z", "accepted": 1, "companies": 2}


def test_the_last_run_gives_baseline_documents_that_drift_compares(tmp_path: Path) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "not-accepted", STEP3_ROLE="failed")))
    history.record(
        run(
            day(2),
            company("ACME", "accepted"),
            company("BETA", "incomplete", STEP2_WEB_SERVICES="error", STEP3_ROLE="blocked"),
        )
    )
    history.record(run(day(3), company("ACME", "not-accepted"), shard="1/2"))

    last = history.last_run("fleet.toml", None)

    assert last is not None
    assert last.started_at == day(2)
    assert set(last.documents) == {"ACME", "BETA"}
    beta = last.documents["BETA"]
    assert beta["company"] == "BETA" and beta["started_at"] == day(2)
    entries = beta["requirements"]
    assert isinstance(entries, list)
    assert [entry["id"] for entry in entries] == [one.id for one in CATALOGUE]
    assert {"id": ROLE, "outcome": "blocked", "blocked_by": None, "attested_by": None} in entries
    tonight = {"requirements": [{"id": one.id, "outcome": "passed"} for one in CATALOGUE]}
    assert [str(change) for change in drift(beta, tonight)] == [
        f"{SIGN_IN}: error -> passed",
        f"{ROLE}: blocked -> passed",
    ]
    assert drift(last.documents["ACME"], tonight) == []


def test_a_writer_killed_mid_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "accepted")))
    # Dies inside the transaction, after inserting a run, with its journal left beside the file.
    killed = f"""
import os, sys
from pathlib import Path
from pytest_pex_intacct.fleet.history_file import writing
with writing(Path({str(history.path)!r}), "history") as connection:
    connection.execute("UPDATE runs SET verdict = 'not-accepted'")
    connection.execute("INSERT INTO runs (fleet, mode, started_at, finished_at, verdict, companies, accepted) "
                       "VALUES ('fleet.toml', 'live', '{day(2)}', '{day(2)}', 'accepted', 0, 0)")
    os._exit(0)
"""
    subprocess.run([sys.executable, "-c", killed], check=True)

    reopened = History.open(history.path, "history.sqlite")
    assert reopened.last_runs("fleet.toml", None) == (RunPoint(day(1), 1, 1),)
    connection = sqlite3.connect(history.path)
    assert connection.execute("SELECT verdict FROM runs").fetchall() == [("accepted",)]
    connection.close()


def test_two_writers_of_one_file_take_turns(tmp_path: Path) -> None:
    """Two shards on a shared disk: each waits for the other's transaction instead of failing."""
    history = opened(tmp_path)
    errors: list[BaseException] = []

    def shard(index: int) -> None:
        try:
            for number in range(1, 11):
                history.record(run(day(number), company(f"CO-{index}", "accepted"), shard=f"{index}/2"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=shard, args=(index,)) for index in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(history.last_runs("fleet.toml", "1/2")) == len(history.last_runs("fleet.toml", "2/2")) == 10


# -- hostile files ---------------------------------------------------------------------------------


def other_application(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    connection.commit()
    connection.close()


def newer_history(path: Path) -> None:
    opened(path.parent, path.name).record(run(day(1), company("ACME", "accepted")))
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_text("runs,accepted\n2026-12-01,3\n"), "*is not an SQLite database; pass *"),
        (lambda path: path.mkdir(), "*is a directory; pass a file, e.g. --intacct-history=history.sqlite"),
        (other_application, "*is another application's SQLite database; pass a file of its own*"),
        (newer_history, f"*written by a newer pytest-pex-intacct (history schema {SCHEMA_VERSION + 1}; *upgrade*"),
        (lambda path: os.mkfifo(path), "*is not a regular file; pass an SQLite file*"),
        (lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200), "*cannot be read as an SQLite*"),
    ],
    ids=["text-file", "directory", "other-application", "newer-schema", "fifo", "corrupt"],
)
def test_a_file_that_is_not_a_history_is_one_line_before_the_run(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "history.sqlite"
    make(path)
    before = path.stat().st_mtime_ns if path.is_file() else None
    with pytest.raises(SettingsError) as raised:
        History.open(path, "history.sqlite")
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith("--intacct-history 'history.sqlite'")
    assert fnmatch(text, message), text
    if before is not None:
        assert path.stat().st_mtime_ns == before, "a refused file is left as it was"


def test_a_file_replaced_during_the_run_is_not_written_and_says_why(tmp_path: Path) -> None:
    history = opened(tmp_path)
    other_application(history.path)
    with pytest.raises(SettingsError, match="another application's SQLite database"):
        history.record(run(day(1), company("ACME", "accepted")))
    connection = sqlite3.connect(history.path)
    assert {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {"invoices"}
    connection.close()


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"directory .*nowhere.* does not exist; create it first"):
        History.open(tmp_path / "nowhere" / "history.sqlite", "nowhere/history.sqlite")


def test_an_unwritable_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As the directory's owner would be refused (root writes anywhere, so the refusal is handed in).
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(history_file.tempfile, "TemporaryFile", refused)
    locked = tmp_path / "locked"
    locked.mkdir()
    with pytest.raises(SettingsError, match=r"cannot write in .*locked.* \(Permission denied\); choose a writable"):
        History.open(locked / "history.sqlite", "locked/history.sqlite")


@pytest.mark.parametrize("count", ["'x'", "1.5", "-1", "X'00'"])
def test_a_hand_edited_count_is_one_line_when_the_next_run_is_recorded(tmp_path: Path, count: str) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "accepted")))
    connection = sqlite3.connect(history.path)
    connection.execute(f"UPDATE runs SET accepted = {count}")
    connection.commit()
    connection.close()
    with pytest.raises(SettingsError, match="holds a run whose count is not a whole number; pass another file"):
        history.record(run(day(2), company("ACME", "accepted")))
    # Nothing of the refused run was kept.
    rows = sqlite3.connect(history.path).execute("SELECT COUNT(*) FROM runs").fetchone()
    assert rows == (1,)


def test_a_hand_edited_outcome_is_refused_when_read_back(tmp_path: Path) -> None:
    history = opened(tmp_path)
    history.record(run(day(1), company("ACME", "accepted")))
    connection = sqlite3.connect(history.path)
    connection.execute("UPDATE outcomes SET outcome = '\x1b[31mfine' WHERE requirement = ?", (ROLE,))
    connection.commit()
    connection.close()
    with pytest.raises(SettingsError, match="holds an outcome that is not one of the seven"):
        history.last_run("fleet.toml", None)
