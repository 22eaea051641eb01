"""What an option is (:class:`Option`), the values options take, and the one error bad input raises.

The options themselves are declared in ``config/options.py``, their validators in
``config/validation.py``. Stdlib only: it is imported for every pytest run.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

DEFAULT_USER = "pex_connector"
DEFAULT_SENDER_ID = "PEX MPP"
DEFAULT_GL_ACCOUNT = "PEX GL Account"
DEFAULT_CASSETTES = "cassettes"


class Mode(StrEnum):
    """How a run reaches Intacct: directly, directly while recording, or only from a recording."""

    LIVE = "live"
    RECORD = "record"
    REPLAY = "replay"


MODES = tuple(Mode)


class RecordMode(StrEnum):
    """What a record run does with an existing recording (named after pytest-recording's record modes)."""

    # Record only where there is no recording yet: an existing one is never replaced silently.
    ONCE = "once"
    # Replace the existing recording, and say so.
    REWRITE = "rewrite"


RECORD_MODES = tuple(RecordMode)

ENV_COMPANY = "INTACCT_COMPANY_ID"
ENV_SENDER_PASSWORD = "INTACCT_SENDER_PASSWORD"
ENV_USER_PASSWORD = "INTACCT_USER_PASSWORD"

Kind = Literal["text", "flag", "repeat"]


class SettingsError(ValueError):
    """Bad or missing input; the message is one line saying what is wrong and what to do."""


@dataclass(frozen=True)
class Given:
    """A value as the user supplied it, and the name to blame in a message about it."""

    value: str
    label: str
    # False when the value is the option's default: a default contradicts no recording.
    explicit: bool


Validator = Callable[[Given], object]


@dataclass(frozen=True)
class SignOff:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Option:
    flag: str
    # The Settings field it fills.
    field: str
    help: str
    kind: Kind = "text"
    metavar: str | None = None
    env: str | None = None
    default: str | None = None
    validate: Validator | None = None
    # Decides what is asked of Intacct: stored in the cassette under this key, and a replay
    # defaults to the stored value (an explicit different one is a usage error).
    recorded_as: str | None = None
    # A name Intacct finds whatever its case (the user signs in, the GL account is looked up either way):
    # typed in another case it asks for the same thing, e.g. as a recording holds it.
    any_case: bool = False

    def same(self, given: object, stored: object) -> bool:
        if self.any_case and isinstance(given, str) and isinstance(stored, str):
            return given.casefold() == stored.casefold()
        return given == stored

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def given(self, raw: object, environ: Mapping[str, str]) -> Given | None:
        """The user's value (the option, else its environment variable), else the default, else None."""
        if isinstance(raw, str):
            return Given(raw, self.flag, explicit=True)
        # An exported-but-empty variable means "not set", as for INTACCT_COMPANY_ID.
        if self.env and environ.get(self.env):
            return Given(environ[self.env], f"{self.flag} (from {self.env})", explicit=True)
        if self.default is not None:
            return Given(self.default, self.flag, explicit=False)
        return None

    def words(self, value: object) -> list[str]:
        """The command-line words that give ``value`` (for the commands a message suggests)."""
        if self.kind == "flag":
            return [self.flag] if value else []
        if self.kind == "repeat":
            return [f"{self.flag}={item}" for item in value] if isinstance(value, (list, tuple)) else []
        if value is None or (self.default is not None and str(value) == self.default):
            return []
        return [f"{self.flag}={value}"]


def sendable(value: str) -> bool:
    """Text that a request can carry and a terminal can show as typed: encodable, without control
    characters (C0 and C1) or format characters (the bidi overrides that reorder what a reader sees)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(unicodedata.category(character) in ("Cc", "Cf") for character in value)


# A fleet never floods Intacct: at most this many companies are read at the same time.
MAX_CONCURRENCY = 32
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` disjoint slices of a fleet, by company id order."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
