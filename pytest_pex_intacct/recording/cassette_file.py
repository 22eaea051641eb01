"""A cassette as a file: read without trusting it to be an ordinary, small file, and told apart from the
file a record run found there.

Cassettes are copied between machines and attached to tickets, and ``--intacct-cassettes`` is typed by
hand: a FIFO named ``<company>.yaml`` would block ``open`` until some writer came, ``/dev/zero`` never
ends, and a huge file would be read whole before YAML even looked at it. Stdlib only.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

# A recording holds at most four exchanges (the batch, the UDD probe, the write probe's two), a few
# KB to a few MB each; 50 MB is far beyond any of them, and small enough to parse at once.
MAX_CASSETTE_BYTES = 50 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (a no-op on a file).
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class CassetteProblem(ValueError):
    """The cassette is missing or cannot be read as a recording."""


def read_cassette_bytes(path: Path, limit: int = MAX_CASSETTE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, never more than ``limit``; a CassetteProblem otherwise."""
    try:
        descriptor = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise CassetteProblem("the cassette does not exist") from None
    except OSError as error:
        raise CassetteProblem(f"the cassette cannot be read ({error.strerror or type(error).__name__})") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = next((kind for test, kind in _KINDS if test(status.st_mode)), "a special file")
            raise CassetteProblem(f"it is {kind}, not a regular file")
        if status.st_size > limit:
            raise CassetteProblem(_too_large(limit))
        with open(descriptor, "rb", closefd=False) as stream:
            # One byte more than allowed tells a file that grew (or lied about its size) from one that fits.
            data = stream.read(limit + 1)
    except OSError as error:
        raise CassetteProblem(f"the cassette cannot be read ({error.strerror or type(error).__name__})") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise CassetteProblem(_too_large(limit))
    return data


def _too_large(limit: int) -> str:
    return f"it is larger than {limit // (1024 * 1024)} MB, which no recording is (they are a few KB to a few MB)"


@dataclass(frozen=True)
class FileStamp:
    """Which file a path names, and as of when: a new one (as written, by renaming over the path) differs."""

    device: int
    inode: int
    modified_ns: int
    size: int


def stamp(path: Path) -> FileStamp | None:
    """The regular file at ``path`` as it is now; None when there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return FileStamp(status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size)


def written_since(path: Path, before: FileStamp | None) -> bool:
    """Whether a file was written at ``path`` since ``before`` was taken (by this run, or its workers)."""
    now = stamp(path)
    return now is not None and now != before
