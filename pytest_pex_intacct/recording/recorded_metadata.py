"""A cassette's ``metadata.recorded``, validated like the options it stands for before a run adopts it.

A replay asks what the recording asked: it adopts the recorded user, sender ID, GL account and flags as
if they had been typed. So each is held to exactly what its option accepts, by the option's own
validator, and besides to no control or bidirectional-text character (a header or message would print
it). The provenance (company, endpoint, the version that recorded and when) is checked the same way,
since the header, the results and the sign-off show it. Anything wrong is one :class:`CassetteProblem`
naming the key and showing the value escaped; a recording without metadata (made by hand, or by an early
version) is still a recording, and keys this version does not know are left out, never shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from .. import __version__
from ..config.option import Given, Option, SettingsError
from ..config.options import COMPANY, OPTIONS, RECORDED
from ..verdict import utc_text
from .cassette_file import CassetteProblem
from .shown import shown, unsafe_character

ENDPOINT = next(option for option in OPTIONS if option.field == "endpoint")
_VERSION = re.compile(r"([0-9]{1,6})\.([0-9]{1,6})\.([0-9]{1,6})([.+-][A-Za-z0-9.+-]{1,32}|[a-z]+[0-9]{0,6})?")


def version_numbers(text: str) -> tuple[int, ...] | None:
    match = _VERSION.fullmatch(text)
    return tuple(int(part) for part in match.groups()[:3]) if match else None


def recorded_metadata(metadata: object) -> dict[str, object]:
    """The usable ``metadata.recorded`` of a cassette's ``metadata`` (empty when it has none)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise CassetteProblem(f"its metadata is not a mapping ({shown(metadata)})")
    recorded = metadata.get("recorded")
    if recorded is None:
        return {}
    if not isinstance(recorded, dict):
        raise CassetteProblem(f"its metadata recorded is not a mapping ({shown(recorded)})")
    usable: dict[str, object] = {}
    for option in RECORDED:
        assert option.recorded_as is not None
        if option.recorded_as in recorded:
            usable[option.recorded_as] = _as_option(option, option.recorded_as, recorded[option.recorded_as])
    for key, check in _PROVENANCE.items():
        if key in recorded:
            usable[key] = check(key, recorded[key])
    _refuse_a_newer_version(usable.get("plugin_version"))
    return usable


def _wrong(key: str, what: str, value: object) -> CassetteProblem:
    return CassetteProblem(f"its metadata recorded.{key} is not {what} ({shown(value)})")


def _as_option(option: Option, key: str, value: object) -> object:
    """``value`` as the option would take it from the command line, or the problem naming ``key``."""
    if option.kind == "flag":
        if not isinstance(value, bool):
            raise _wrong(key, f"true or false, as {option.flag} records", value)
        return value
    return _text(option, key, value, f"a valid {option.flag}")


def _text(option: Option, key: str, value: object, what: str) -> object:
    if not isinstance(value, str) or unsafe_character(value) is not None:
        raise _wrong(key, what, value)
    try:
        return option.validate(Given(value, f"recorded.{key}", explicit=True)) if option.validate else value
    except SettingsError:
        raise _wrong(key, what, value) from None


def _company(key: str, value: object) -> object:
    return _text(COMPANY, key, value, "a company ID")


def _endpoint(key: str, value: object) -> object:
    return _text(ENDPOINT, key, value, "an endpoint URL")


def _plugin_version(key: str, value: object) -> object:
    if not isinstance(value, str) or version_numbers(value) is None:
        raise _wrong(key, "a version number", value)
    return value


def _recorded_at(key: str, value: object) -> object:
    """The time as the results document writes times (UTC, ``Z``); a time without its offset is no time."""
    moment = value if isinstance(value, datetime) else None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    problem = _wrong(key, "a time with its offset from UTC", value)
    if moment is None or moment.utcoffset() is None:
        raise problem
    try:
        return utc_text(moment)
    except (OverflowError, ValueError):
        # A year-1 time east of UTC is a year-0 time in UTC, which Python has not.
        raise problem from None


_PROVENANCE: Mapping[str, Callable[[str, object], object]] = {
    "company": _company,
    "endpoint": _endpoint,
    "plugin_version": _plugin_version,
    "recorded_at": _recorded_at,
}


def _refuse_a_newer_version(recorded_by: object) -> None:
    """A recording made by a newer version may hold reads this one cannot judge: upgrade to replay it."""
    if not isinstance(recorded_by, str):
        return
    recorded, running = version_numbers(recorded_by), version_numbers(__version__)
    if recorded is not None and running is not None and recorded > running:
        raise CassetteProblem(
            f"it was recorded by pytest-pex-intacct {recorded_by}, newer than this {__version__}: upgrade "
            "(pip install --upgrade pytest-pex-intacct) to replay it"
        )
