"""``--intacct-fleet`` → one validated :class:`Fleet`: a :class:`Settings` per company, or one usage-error line.

Each company's settings are resolved exactly as a single-company run's are (``run/settings.py``), from
the command line with the fleet file's entry laid over it, so every rule (defaults, replay from the
company's own cassette, passwords only from the environment) holds per company. Runs before any traffic.
"""

from __future__ import annotations

import json
import os
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from ..bounded_read import FileTooLarge, read_regular_file
from ..config.option import ENV_COMPANY, ENV_SENDER_PASSWORD, ENV_USER_PASSWORD, Mode, SettingsError, Shard
from ..config.options import FLEET, FLEET_ONLY, OPTIONS
from ..config.settings import Recordings, Settings, ensure_writable_directory, resolve_settings
from ..verdict import Outcome
from .attestations import by_company, read_register, with_register
from .baseline_source import BaselineSource, from_directory, from_history
from .fleet_file import FleetEntry, read_fleet_file, shown
from .history import History

# The summary beside the companies' documents (<company>.json). A company ID cannot begin with "_", so no
# company's document can ever be this file, whatever the case (company FLEET's is FLEET.json).
FLEET_DOCUMENT = "_fleet.json"
# Where earlier versions wrote the summary, over company "fleet"'s own document.
OLD_FLEET_DOCUMENT = "fleet.json"
# Far more than any results document.
BASELINE_SIZE_LIMIT = 20 << 20
_OUTCOMES = frozenset(outcome.value for outcome in Outcome)


@dataclass(frozen=True)
class Fleet:
    path: Path
    # The companies this run checks (this shard's), in company id order.
    companies: tuple[Settings, ...]
    concurrency: int
    shard: Shard | None = None
    json_dir: Path | None = None
    # The earlier run's document per company (company id → document), for drift.
    baselines: Mapping[str, Mapping[str, object]] = field(default_factory=dict, repr=False)
    # How many companies the file lists (all shards).
    listed: int = 0
    # Where ``baselines`` came from (None: no baseline, no drift).
    baseline: BaselineSource | None = None
    # --intacct-history: where the run is recorded at its end.
    history: History | None = None

    @property
    def mode(self) -> Mode:
        return self.companies[0].mode

    def company(self, company_id: str) -> Settings:
        return self._by_id[company_id]

    @cached_property
    def _by_id(self) -> dict[str, Settings]:
        # Every check of every company asks for its settings: a scan per call is quadratic in the fleet.
        return {settings.company_id: settings for settings in self.companies}

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for settings in self.companies for secret in settings.secrets)


def in_shard(company_ids: list[str], shard: Shard | None) -> list[str]:
    """This shard's companies: every N-th of the sorted ids, so the N shards are disjoint and cover all."""
    ordered = sorted(company_ids)
    if shard is None:
        return ordered
    return [company for index, company in enumerate(ordered) if index % shard.count == shard.index - 1]


def resolve_fleet(
    raw: Mapping[str, object],
    environ: Mapping[str, str],
    rootdir: Path,
    invocation_dir: Path | None = None,
    recordings: Recordings | None = None,
    today: date | None = None,
) -> Fleet:
    """``raw`` maps Settings fields to what pytest parsed, as for ``resolve_settings``.

    ``today`` (the run's start date) decides which attestations of the register have expired.
    """
    fleet_value = raw.get(FLEET.field)
    assert isinstance(fleet_value, str)
    if raw.get("company_id") is not None or environ.get(ENV_COMPANY):
        source = "--intacct-company" if raw.get("company_id") is not None else ENV_COMPANY
        fix = f"unset {ENV_COMPANY}" if source == ENV_COMPANY else f"leave {source} out"
        raise SettingsError(f"{FLEET.flag} and {source} exclude each other; pass one ({fix})")
    path = Path(fleet_value)
    if not path.is_absolute():
        path = (invocation_dir or Path.cwd()) / path
    # Every message names the file as it was given (not as resolved), like the option's own errors.
    entries = {entry.company_id: entry for entry in read_fleet_file(path, given=fleet_value)}
    where = f"{FLEET.flag} {fleet_value!r}"
    values = {
        option.field: option.validate(given) if option.validate else given.value
        for option in FLEET_ONLY
        if (given := option.given(raw.get(option.field), environ)) is not None
    }
    shard = values.get("shard")
    assert shard is None or isinstance(shard, Shard)
    concurrency = values.get("concurrency")
    assert isinstance(concurrency, int)
    chosen = in_shard(list(entries), shard)
    # Each company's password variable is read by name below; without them (and without the one
    # company id variable) the environment is the same for every company, so it is copied once, not once
    # per company (a copy holding a thousand companies' variables, a thousand times, was quadratic).
    password_variables = {entry.password_env for entry in entries.values() if entry.password_env is not None} - {
        ENV_USER_PASSWORD,
        ENV_SENDER_PASSWORD,
        *(option.env for option in OPTIONS if option.env is not None),
    }
    shared_environ = {
        name: value for name, value in environ.items() if name != ENV_COMPANY and name not in password_variables
    }
    companies = tuple(
        _company_settings(entries[company], raw, environ, shared_environ, rootdir, invocation_dir, recordings, where)
        for company in chosen
    )
    register_path = companies[0].attestations_path if companies else None
    if register_path is not None:
        assert today is not None, "a register's expiry needs the run's date"
        register = by_company(read_register(register_path))
        companies = tuple(
            with_register(settings, today, register.get(settings.company_id.casefold(), ())) for settings in companies
        )
    json_dir = _json_dir(raw.get("json_path"))
    baseline_dir = values.get("baseline_dir")
    assert baseline_dir is None or isinstance(baseline_dir, Path)
    history_path = values.get("history_path")
    assert history_path is None or isinstance(history_path, Path)
    history = History.open(history_path, str(raw.get("history_path"))) if history_path is not None else None
    baseline: BaselineSource | None = None
    baselines: Mapping[str, Mapping[str, object]] = {}
    if baseline_dir is not None:
        baselines = _baselines(baseline_dir, chosen)
        baseline = from_directory(str(raw.get("baseline_dir")), baselines)
    elif history is not None:
        # Without a baseline directory, drift compares with the history's last run of this fleet.
        baseline, baselines = from_history(history, path.name, str(shard) if shard else None, chosen)
    if not companies:
        # An empty shard is not an error (more shards than companies), but it checks nothing.
        raise SettingsError(f"{where}: shard {shard} holds none of its {len(entries)} companies; use fewer shards")
    return Fleet(
        path,
        companies,
        concurrency,
        shard,
        json_dir,
        baselines,
        listed=len(entries),
        baseline=baseline,
        history=history,
    )


def _company_settings(
    entry: FleetEntry,
    raw: Mapping[str, object],
    environ: Mapping[str, str],
    shared_environ: dict[str, str],
    rootdir: Path,
    invocation_dir: Path | None,
    recordings: Recordings | None,
    where: str,
) -> Settings:
    fleet_fields = {FLEET.field, "json_path", *(option.field for option in FLEET_ONLY)}
    company_raw = {name: value for name, value in raw.items() if name not in fleet_fields}
    company_raw["company_id"] = entry.company_id
    for name, value in (("user_id", entry.user), ("gl_account", entry.gl_account)):
        if value is not None:
            company_raw[name] = value
    for name, flag in (("udd", entry.udd), ("write_probe", entry.write_probe)):
        if flag is not None:
            company_raw[name] = flag
    company_environ: Mapping[str, str] = shared_environ
    replay = str(raw.get("mode") or "live") == Mode.REPLAY
    if entry.password_env is not None:
        password = environ.get(entry.password_env, "")
        if not password and not replay:
            raise SettingsError(
                f"{where}: company {shown(entry.company_id)}: password_env {entry.password_env} is not set or empty; "
                "export the user's password in it (a replay needs none)"
            )
        company_environ = ChainMap({ENV_USER_PASSWORD: password}, shared_environ)
    try:
        return resolve_settings(company_raw, company_environ, rootdir, invocation_dir, recordings, in_fleet=True)
    except SettingsError as error:
        raise SettingsError(f"{where}: company {shown(entry.company_id)}: {error}") from None


def _json_dir(value: object) -> Path | None:
    if value is None:
        return None
    text = str(value)
    path = Path(text)
    if not text.strip() or (path.exists() and not path.is_dir()):
        raise SettingsError(
            f"--intacct-json {text!r}: with {FLEET.flag} this is a directory (one document per company and "
            f"{FLEET_DOCUMENT}); pass e.g. --intacct-json=results/"
        )
    # A missing out.json is a file name from a single run's habit: made a directory silently, the
    # results would not be where the user looks. A trailing / asks for a directory.
    if not path.exists() and path.suffix and not text.endswith(("/", os.sep)):
        raise SettingsError(
            f"--intacct-json {text!r}: with {FLEET.flag} this is a directory (a fleet writes one document per "
            f"company into it, and {FLEET_DOCUMENT}), and {text!r} does not exist; pass --intacct-json=DIR/ "
            "(with the trailing /, a missing directory is created)"
        )
    ensure_writable_directory(path, "--intacct-json")
    return path


def _baselines(directory: Path, company_ids: list[str]) -> dict[str, Mapping[str, object]]:
    """The earlier run's document of each company that has one; a company without one shows no drift."""
    documents: dict[str, Mapping[str, object]] = {}
    for company in company_ids:
        path = directory / f"{company}.json"
        if not path.is_file():
            continue
        document = _baseline_document(path)
        if path.name.casefold() == OLD_FLEET_DOCUMENT and _is_old_summary(document):
            raise SettingsError(
                f"--intacct-baseline: {path.name} is the fleet summary of a run by an earlier version, which wrote "
                f"it over company {company}'s results document; move it out of the baseline directory to compare "
                "the other companies"
            )
        requirements = document.get("requirements") if isinstance(document, dict) else None
        if (
            not isinstance(document, dict)
            or not isinstance(requirements, list)
            or document.get("company") != company
            or not all(
                isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry.get("outcome") in _OUTCOMES
                for entry in requirements
            )
        ):
            # Its outcomes are printed in the drift lines: only the known ones, never whatever text it holds.
            raise SettingsError(
                f"--intacct-baseline: {path.name} is not a results document of company {company} "
                "(written by --intacct-json)"
            )
        documents[company] = document
    return documents


def _baseline_document(path: Path) -> object:
    try:
        text = read_regular_file(path, BASELINE_SIZE_LIMIT).data.decode("utf-8")
        return json.loads(text)
    except FileTooLarge:
        raise SettingsError(
            f"--intacct-baseline: {path.name} is larger than {BASELINE_SIZE_LIMIT >> 20} MB, more than any results "
            "document"
        ) from None
    except RecursionError:
        raise SettingsError(f"--intacct-baseline: {path.name} is not JSON (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SettingsError(f"--intacct-baseline: {path.name} cannot be read ({type(error).__name__})") from None


def _is_old_summary(document: object) -> bool:
    return isinstance(document, dict) and "fleet" in document and isinstance(document.get("companies"), list)
