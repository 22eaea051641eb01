"""Reading a file a user names (a report, a key), without trusting it to be an ordinary, small file.

Reports arrive on customer tickets and paths are typed by hand: a FIFO would block ``open`` until some
writer came, ``/dev/zero`` or ``/dev/urandom`` never end, and a huge file would be read whole.
``read_regular_file`` opens without blocking, refuses anything but a regular file (a directory raises
``IsADirectoryError``, as ``open`` does elsewhere) and reads at most ``limit`` bytes, whatever the file
claims its size is.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (and is no-op on a file).
# O_BINARY: on Windows a descriptor opened without it translates line endings.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class NotARegularFile(OSError):
    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"{kind}, not a regular file", str(path))
        self.kind = kind


class FileTooLarge(OSError):
    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
        self.limit = limit


@dataclass(frozen=True)
class FileRead:
    data: bytes
    # The file's permission bits, as they were when it was read.
    mode: int


def read_regular_file(path: Path, limit: int) -> FileRead:
    """The bytes of the regular file at ``path`` (at most ``limit``); ``OSError`` otherwise."""
    descriptor = os.open(path, _FLAGS)
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(status.st_mode):
            kind = next((kind for test, kind in _KINDS if test(status.st_mode)), "a special file")
            raise NotARegularFile(path, kind)
        if status.st_size > limit:
            raise FileTooLarge(path, limit)
        with open(descriptor, "rb", closefd=False) as stream:
            # One byte more than allowed tells a file that grew (or lied about its size) from one that fits.
            data = stream.read(limit + 1)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return FileRead(data, stat.S_IMODE(status.st_mode))
