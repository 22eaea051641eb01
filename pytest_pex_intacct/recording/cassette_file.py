"""A cassette as a file: read without trusting it to be an ordinary, small file, and told apart from the
file a record run found there.

Cassettes are copied between machines and attached to tickets, and ``--intacct-cassettes`` is typed by
hand: a FIFO named ``<company>.yaml`` would block ``open`` until some writer came, ``/dev/zero`` never
ends, and a huge file would be read whole before YAML even looked at it. Stdlib only.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from ..bounded_read import FileTooLarge, NotARegularFile, read_regular_file

# A recording holds at most four exchanges (the batch, the UDD probe, the write probe's two), a few
# KB to a few MB each; 50 MB is far beyond any of them, and small enough to parse at once.
MAX_CASSETTE_BYTES = 50 * 1024 * 1024


class CassetteProblem(ValueError):
    """The cassette is missing or cannot be read as a recording."""


def read_cassette_bytes(path: Path, limit: int = MAX_CASSETTE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, never more than ``limit``; a CassetteProblem otherwise."""
    try:
        return read_regular_file(path, limit).data
    except FileNotFoundError:
        raise CassetteProblem("the cassette does not exist") from None
    except IsADirectoryError:
        raise CassetteProblem("it is a directory, not a regular file") from None
    except NotARegularFile as error:
        raise CassetteProblem(f"it is {error.kind}, not a regular file") from None
    except FileTooLarge:
        raise CassetteProblem(_too_large(limit)) from None
    except OSError as error:
        raise CassetteProblem(f"the cassette cannot be read ({error.strerror or type(error).__name__})") from None


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
