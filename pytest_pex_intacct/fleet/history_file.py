"""The run history's SQLite file (``--intacct-history=FILE``): its schema, and opening it safely.

The file is named on the command line and may be anything: a directory, a text file, another
application's database, or one written by a newer version of this plugin. Each is one
:class:`SettingsError` line at configure time, before any traffic, so a nightly run never finds out at
its end that it cannot keep what it learned. A missing file is fine (created by the first write), as
long as its directory exists and can be written (SQLite writes its journal beside the file).

Stdlib only (``sqlite3``); no pytest. The schema is documented in docs/history.md: keep the two equal.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config.option import SettingsError

FLAG = "--intacct-history"
# Bumped by every change of the tables below; a file with a higher one was written by a newer plugin.
SCHEMA_VERSION = 1
# PRAGMA application_id: "PEXI". Tells this plugin's file from any other SQLite database.
APPLICATION_ID = 0x50455849
# How long a write waits for another (a second shard writing the same file on a shared disk).
BUSY_TIMEOUT_SECONDS = 60.0
SQLITE_HEADER = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    fleet       TEXT,              -- the fleet file's name (no directory)
    shard       TEXT,              -- "K/N", or NULL for the whole fleet
    mode        TEXT NOT NULL,     -- live | record | replay
    started_at  TEXT NOT NULL,     -- UTC, YYYY-MM-DDTHH:MM:SSZ
    finished_at TEXT NOT NULL,
    verdict     TEXT NOT NULL,     -- accepted | not-accepted | incomplete
    companies   INTEGER NOT NULL,  -- companies checked in the run
    accepted    INTEGER NOT NULL   -- of which accepted
);
CREATE INDEX runs_by_fleet ON runs (fleet, shard, started_at);
CREATE TABLE companies (
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    company TEXT NOT NULL,
    verdict TEXT NOT NULL,         -- the company's verdict in that run
    PRIMARY KEY (run_id, company)
);
CREATE INDEX companies_by_company ON companies (company, run_id);
CREATE TABLE outcomes (
    run_id      INTEGER NOT NULL,
    company     TEXT NOT NULL,
    requirement TEXT NOT NULL,     -- e.g. STEP3-ROLE
    outcome     TEXT NOT NULL,     -- passed | failed | blocked | error | not-applicable | manual | not-run
    blocked_by  TEXT,              -- the requirement that blocked it, when blocked
    attested    INTEGER NOT NULL DEFAULT 0,  -- 1: manual, and attested by a person (met)
    PRIMARY KEY (run_id, company, requirement),
    FOREIGN KEY (run_id, company) REFERENCES companies (run_id, company)
);
"""
TABLES = frozenset({"runs", "companies", "outcomes"})


def check_history_file(path: Path, given: str) -> None:
    """Refuse, in one line, a history file that this plugin cannot read or write; a missing one is fine."""
    # A repr, as the other options' messages name a value: escaped unless plainly printable.
    where = f"{FLAG} {given!r}"
    if path.is_dir():
        raise SettingsError(f"{where} is a directory; pass a file, e.g. {FLAG}=history.sqlite")
    directory = path.parent
    if not directory.is_dir():
        raise SettingsError(f"{where}: directory {str(directory)!r} does not exist; create it first")
    try:
        # SQLite writes a journal beside the file: the directory must be writable, not only the file.
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise SettingsError(
            f"{where}: cannot write in {str(directory)!r} ({error.strerror or type(error).__name__}); "
            "choose a writable location"
        ) from None
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise SettingsError(f"{where} cannot be read ({error.strerror or type(error).__name__})") from None
    if not stat.S_ISREG(status.st_mode):
        raise SettingsError(f"{where} is not a regular file; pass an SQLite file, e.g. {FLAG}=history.sqlite")
    if not os.access(path, os.R_OK | os.W_OK):
        raise SettingsError(f"{where} cannot be read and written; fix its permissions or pass another file")
    if status.st_size == 0:
        # SQLite's own empty database: the first write gives it the schema.
        return
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise SettingsError(
            f"{where} is not an SQLite database; pass the history file of earlier runs, or a new file name"
        )
    try:
        with reading(path) as connection:
            check_schema(connection, where)
    except sqlite3.Error as error:
        raise SettingsError(f"{where} cannot be read as an SQLite database ({error}); pass another file") from None


def check_schema(connection: sqlite3.Connection, where: str) -> bool:
    """Whether the file already holds the history's tables; a SettingsError when it holds anything else."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(row[0]).startswith("sqlite_")
    }
    if application_id != APPLICATION_ID and (application_id != 0 or tables):
        raise SettingsError(
            f"{where} is another application's SQLite database; pass a file of its own for the run history"
        )
    if not tables and version == 0:
        return False
    if version > SCHEMA_VERSION:
        raise SettingsError(
            f"{where} was written by a newer pytest-pex-intacct (history schema {version}; this version reads "
            f"{SCHEMA_VERSION}); upgrade pytest-pex-intacct, or pass another file"
        )
    if version < 1 or not tables >= TABLES:
        raise SettingsError(f"{where} is not a run history of pytest-pex-intacct (its tables are missing)")
    return True


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that never creates the file, for SELECTs only.

    Not read-only (``mode=ro``): after a writer died mid-transaction, the first connection must be able
    to roll its journal back, and a read-only one cannot.
    """
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def writing(path: Path, where: str) -> Iterator[sqlite3.Connection]:
    """One transaction, taken before anything is read, so two shards writing one file take turns.

    Nothing is half-written: the transaction commits whole or not at all (SQLite's journal undoes an
    interrupted one the next time the file is opened).
    """
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            if not check_schema(connection, where):
                _create(connection)
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


def _create(connection: sqlite3.Connection) -> None:
    # executescript() would commit the open transaction first: the statements go one by one instead.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
