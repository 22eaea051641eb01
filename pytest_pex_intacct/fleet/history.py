"""The run history (``--intacct-history=FILE``): every run's per-company outcomes, and what follows from them.

A run is appended once, at its end, in one transaction (:meth:`History.record`); what it learns from
the earlier runs is read in that same transaction: since when each company that is not accepted has
been failing, and the last runs' accepted counts for the fleet page's chart. Before the run,
:meth:`History.last_run` gives the previous run's outcomes as baseline documents for drift.

"This fleet" is the fleet file's name and shard: shard 1/2's last run is not shard 2/2's. A company's
streak counts only the runs that checked it (a run with ``-k`` that left it out breaks nothing).

Times are handed in (the run's ``started_at``); nothing here reads the clock. Values read back are
checked before use (a date, a known outcome): the file may have been edited by hand.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config.option import SettingsError
from ..requirements import BY_ID
from ..verdict import ACCEPTED, OUTCOMES, Verdict
from .history_file import FLAG, check_history_file, check_schema, reading, writing

# The fleet page's chart: the last this many runs.
CHART_RUNS = 30
_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_VERDICTS = frozenset(one.value for one in Verdict)
_OUTCOME_VALUES = frozenset(one.value for one in OUTCOMES)


@dataclass(frozen=True)
class RequirementOutcome:
    requirement_id: str
    outcome: str
    blocked_by: str | None = None
    # A manual requirement a person attested (met); an expired attestation leaves it unattested.
    attested: bool = False


@dataclass(frozen=True)
class CompanyOutcome:
    company: str
    verdict: str
    requirements: tuple[RequirementOutcome, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    """One run as the history keeps it. ``fleet`` is the fleet file's name (None: a single-company run)."""

    fleet: str | None
    shard: str | None
    mode: str
    started_at: str
    finished_at: str
    verdict: str
    companies: tuple[CompanyOutcome, ...]

    @property
    def accepted(self) -> int:
        return sum(1 for company in self.companies if company.verdict == ACCEPTED)


@dataclass(frozen=True)
class RunPoint:
    """One run on the chart."""

    started_at: str
    accepted: int
    companies: int

    def to_json(self) -> dict[str, object]:
        return {"started_at": self.started_at, "accepted": self.accepted, "companies": self.companies}


@dataclass(frozen=True)
class LastRun:
    """The previous run of a fleet: when it started, and per company a baseline document for drift."""

    started_at: str
    # company → {"company", "started_at", "requirements": [{"id", "outcome", "blocked_by", "attested_by"}, ...]}
    documents: Mapping[str, Mapping[str, object]]


@dataclass(frozen=True)
class Recorded:
    """What a run learnt from the history when it was appended."""

    # company → the start of its unbroken run of not being accepted (this run included), None if accepted.
    failing_since: Mapping[str, str | None]
    # The last CHART_RUNS runs of this fleet, oldest first, this one last.
    runs: tuple[RunPoint, ...]


@dataclass(frozen=True)
class History:
    path: Path
    # The file as it was given on the command line: what messages name.
    given: str

    @classmethod
    def open(cls, path: Path, given: str) -> History:
        """A history that can be read and written, or a one-line SettingsError (nothing is created yet)."""
        check_history_file(path, given)
        return cls(path, given)

    @property
    def name(self) -> str:
        return self.path.name

    def last_run(self, fleet: str | None, shard: str | None) -> LastRun | None:
        if not self._has_tables():
            return None
        with reading(self.path) as connection:
            row = connection.execute(
                "SELECT id, started_at FROM runs WHERE fleet IS ? AND shard IS ? "
                "ORDER BY started_at DESC, id DESC LIMIT 1",
                (fleet, shard),
            ).fetchone()
            if row is None:
                return None
            run_id, started_at = int(row[0]), self._time(row[1])
            documents: dict[str, dict[str, object]] = {}
            for company, requirement, outcome, blocked_by, attested in connection.execute(
                "SELECT company, requirement, outcome, blocked_by, attested FROM outcomes WHERE run_id = ? "
                "ORDER BY rowid",
                (run_id,),
            ):
                document = documents.setdefault(
                    str(company), {"company": str(company), "started_at": started_at, "requirements": []}
                )
                entries = document["requirements"]
                assert isinstance(entries, list)
                entries.append(
                    {
                        "id": str(requirement),
                        "outcome": self._outcome(outcome),
                        "blocked_by": self._id(blocked_by),
                        # As a results document says it: who attested is not kept, only that someone did.
                        "attested_by": "(in the history)" if attested == 1 else None,
                    }
                )
        return LastRun(started_at, documents)

    def last_runs(self, fleet: str | None, shard: str | None, limit: int = CHART_RUNS) -> tuple[RunPoint, ...]:
        if not self._has_tables():
            return ()
        with reading(self.path) as connection:
            return self._last_runs(connection, fleet, shard, limit)

    def failing_since(self, run: RunRecord) -> dict[str, str | None]:
        """For each company of ``run`` (not yet in the history): None when accepted, else its streak's start."""
        if not self._has_tables():
            return {one.company: None if one.verdict == ACCEPTED else run.started_at for one in run.companies}
        with reading(self.path) as connection:
            return self._failing_since(connection, run)

    def record(self, run: RunRecord, limit: int = CHART_RUNS) -> Recorded:
        """Append ``run`` in one transaction, and say what follows from it; a SettingsError if it cannot."""
        try:
            with writing(self.path, self._where) as connection:
                failing = self._failing_since(connection, run)
                self._insert(connection, run)
                runs = self._last_runs(connection, run.fleet, run.shard, limit)
        except sqlite3.Error as error:
            raise SettingsError(f"{self._where}: the run could not be recorded ({error})") from None
        return Recorded(failing, runs)

    # -- reading back, checked ----------------------------------------------------------------------
    @property
    def _where(self) -> str:
        return f"{FLAG} {self.given!r}"

    def _has_tables(self) -> bool:
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return False
        try:
            with reading(self.path) as connection:
                return check_schema(connection, self._where)
        except sqlite3.Error as error:
            raise SettingsError(f"{self._where} cannot be read ({error}); pass another file") from None

    def _time(self, value: object) -> str:
        if not isinstance(value, str) or not _UTC.fullmatch(value):
            raise SettingsError(f"{self._where} holds a run whose time is not YYYY-MM-DDTHH:MM:SSZ; pass another file")
        return value

    def _outcome(self, value: object) -> str:
        if value not in _OUTCOME_VALUES:
            raise SettingsError(f"{self._where} holds an outcome that is not one of the seven; pass another file")
        return str(value)

    def _id(self, value: object) -> str | None:
        if value is not None and value not in BY_ID:
            raise SettingsError(f"{self._where} holds a blocked_by that is not a requirement ID; pass another file")
        return None if value is None else str(value)

    def _last_runs(
        self, connection: sqlite3.Connection, fleet: str | None, shard: str | None, limit: int
    ) -> tuple[RunPoint, ...]:
        rows = connection.execute(
            "SELECT started_at, accepted, companies FROM runs WHERE fleet IS ? AND shard IS ? "
            "ORDER BY started_at DESC, id DESC LIMIT ?",
            (fleet, shard, limit),
        ).fetchall()
        return tuple(
            RunPoint(self._time(started), self._count(accepted), self._count(total))
            for started, accepted, total in rows[::-1]
        )

    def _count(self, value: object) -> int:
        # SQLite keeps whatever a hand edit put in an INTEGER column ('x', NULL, 1.5).
        if type(value) is not int or value < 0:
            raise SettingsError(f"{self._where} holds a run whose count is not a whole number; pass another file")
        return value

    def _failing_since(self, connection: sqlite3.Connection, run: RunRecord) -> dict[str, str | None]:
        since: dict[str, str | None] = {}
        for company in run.companies:
            if company.verdict == ACCEPTED:
                since[company.company] = None
                continue
            start = run.started_at
            # Newest first, back to the last run that accepted it (or its first run).
            for started_at, verdict in connection.execute(
                "SELECT r.started_at, c.verdict FROM companies c JOIN runs r ON r.id = c.run_id "
                "WHERE r.fleet IS ? AND c.company = ? AND r.started_at <= ? ORDER BY r.started_at DESC, r.id DESC",
                (run.fleet, company.company, run.started_at),
            ):
                if verdict not in _VERDICTS:
                    raise SettingsError(f"{self._where} holds a verdict that is not one of three; pass another file")
                if verdict == ACCEPTED:
                    break
                start = self._time(started_at)
            since[company.company] = start
        return since

    @staticmethod
    def _insert(connection: sqlite3.Connection, run: RunRecord) -> None:
        cursor = connection.execute(
            "INSERT INTO runs (fleet, shard, mode, started_at, finished_at, verdict, companies, accepted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.fleet,
                run.shard,
                run.mode,
                run.started_at,
                run.finished_at,
                run.verdict,
                len(run.companies),
                run.accepted,
            ),
        )
        run_id = cursor.lastrowid
        connection.executemany(
            "INSERT INTO companies (run_id, company, verdict) VALUES (?, ?, ?)",
            [(run_id, company.company, company.verdict) for company in run.companies],
        )
        connection.executemany(
            "INSERT INTO outcomes (run_id, company, requirement, outcome, blocked_by, attested) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (run_id, company.company, one.requirement_id, one.outcome, one.blocked_by, int(one.attested))
                for company in run.companies
                for one in company.requirements
            ],
        )
