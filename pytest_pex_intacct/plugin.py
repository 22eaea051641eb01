"""The pytest surface: options, collection of the bundled checks, fixtures, outcomes, verdict.

Thin on purpose. Without ``--intacct-company`` (or ``INTACCT_COMPANY_ID``) nothing but the options
and one marker is registered, and nothing heavy (lxml, requests, vcrpy) is imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from .requirements import MARKER

if TYPE_CHECKING:
    from .config.settings import Settings
    from .facts.snapshot import CompanySnapshot
    from .run.check import Check
    from .run.check_hooks import RunShape
    from .run.fleet_run import FleetRun

SETTINGS_KEY = pytest.StashKey["Settings"]()
# A fleet run (--intacct-fleet) keeps its FleetRun here instead of one company's settings.
FLEET_RUN_KEY = pytest.StashKey["FleetRun"]()
CHECKS_PACKAGE = "pytest_pex_intacct.checks"
ResolvedT = TypeVar("ResolvedT")


def pytest_addoption(parser: pytest.Parser) -> None:
    from .config.options import OPTIONS

    group = parser.getgroup("pex-intacct", "pex-intacct (PEX Sage Intacct acceptance checks)")
    for option in OPTIONS:
        if option.kind == "flag":
            group.addoption(option.flag, dest=option.dest, action="store_true", default=False, help=option.help)
        elif option.kind == "repeat":
            group.addoption(
                option.flag, dest=option.dest, metavar=option.metavar, action="append", default=[], help=option.help
            )
        else:
            # None, not the declared default: the settings must tell "not given" from "given as the default".
            group.addoption(option.flag, dest=option.dest, metavar=option.metavar, default=None, help=option.help)


def _raw_options(config: pytest.Config) -> dict[str, object]:
    """What pytest parsed, by Settings field; None, False or empty means "not given"."""
    from .config.options import OPTIONS

    return {option.field: getattr(config.option, option.dest, None) for option in OPTIONS}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(id): the setup-guide requirement a bundled Intacct check verifies")
    if config.option.intacct_fleet is not None:
        _configure_fleet(config)
        return
    # An ordinary run stops here, before anything of ours beyond this module is imported.
    if config.option.intacct_company is None and not os.environ.get("INTACCT_COMPANY_ID"):
        _refuse_checks_options_without_a_company(config)
        return
    from .config.settings import resolve_settings

    settings = _resolved(config, _with_register(resolve_settings))
    config.stash[SETTINGS_KEY] = settings

    ignored = _collect_only_the_bundled_checks(config)

    from .run.acceptance_run import AcceptanceRun

    run = AcceptanceRun(config, settings, ignored)
    config.pluginmanager.register(run, "pex-intacct-run")
    _register_check_hooks(config, run)
    if _writes_html_report(config):
        from .run.html_report import HtmlReport

        config.pluginmanager.register(HtmlReport(config, settings, run), "pex-intacct-html")


def _with_register(resolve: Callable[..., Settings]) -> Callable[..., Settings]:
    """One company's settings, with its attestations from the register (``--intacct-attestations``)."""
    from .fleet.attestations import with_register

    def resolved(*args: object, today: date, **kwargs: object) -> Settings:
        return with_register(resolve(*args, **kwargs), today)

    return resolved


def _resolved(config: pytest.Config, resolve: Callable[..., ResolvedT]) -> ResolvedT:
    """Options and environment resolved by ``resolve`` (one company or a fleet), or one usage error."""
    from .config.option import SettingsError
    from .recording.cassette import CassetteRecordings

    try:
        return resolve(
            _raw_options(config),
            os.environ,
            config.rootpath,
            config.invocation_params.dir,
            # --collect-only checks nothing, so it needs no recording.
            recordings=CassetteRecordings(read=not config.option.collectonly),
            # The run's start date: what the register's attestations expire against.
            today=datetime.now(UTC).date(),
        )
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None


def _configure_fleet(config: pytest.Config) -> None:
    """``--intacct-fleet``: every company's settings resolved (or one usage error) before any traffic."""
    from .fleet.fleet_settings import resolve_fleet

    fleet = _resolved(config, resolve_fleet)
    ignored = _collect_only_the_bundled_checks(config)

    from .run.fleet_run import FleetRun

    run = FleetRun(config, fleet, ignored, every_check=config.args == [CHECKS_PACKAGE])
    config.stash[FLEET_RUN_KEY] = run
    config.pluginmanager.register(run, "pex-intacct-run")
    _register_check_hooks(config, run)
    if _writes_html_report(config):
        from .run.html_report import FleetHtmlReport

        config.pluginmanager.register(FleetHtmlReport(config, run), "pex-intacct-html")


def _register_check_hooks(config: pytest.Config, run: RunShape) -> None:
    """What every run of the checks shares: the hooks that shape ``run`` asks for, and the facts' fixtures."""
    from .run.check_hooks import CheckHooks
    from .run.fact_fixtures import fact_fixtures

    config.pluginmanager.register(CheckHooks(run), "pex-intacct-checks")
    config.pluginmanager.register(fact_fixtures(), "pex-intacct-facts")


def _writes_html_report(config: pytest.Config) -> bool:
    # pytest-html builds its report only on the controller, and only with --html; its hookspecs
    # exist only while it is loaded (-p no:html), so the report hooks live on a separate object.
    return bool(
        config.pluginmanager.hasplugin("html")
        and config.getoption("htmlpath", None)
        and not hasattr(config, "workerinput")
    )


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The bundled checks collected without a company (``--pyargs pytest_pex_intacct.checks``) check nothing."""
    if SETTINGS_KEY in config.stash or FLEET_RUN_KEY in config.stash:
        return
    if any(item.get_closest_marker(MARKER) is not None for item in items):
        raise pytest.UsageError(
            "the bundled Intacct checks need a company: pass --intacct-company=ID (or set INTACCT_COMPANY_ID); "
            "without one no Intacct check runs"
        )


def _refuse_checks_options_without_a_company(config: pytest.Config) -> None:
    """An option of the checks without a company would let a CI gate pass having checked nothing."""
    from .config.options import COMPANY, OPTIONS

    given = [
        option.flag
        for option in OPTIONS
        if option is not COMPANY and getattr(config.option, option.dest, None) not in (None, False, [])
    ]
    if given:
        raise pytest.UsageError(
            f"{given[0]} needs a company: pass --intacct-company=ID (or set INTACCT_COMPANY_ID), or "
            "--intacct-fleet=FLEET.toml; without one no Intacct check runs"
        )


def _collect_only_the_bundled_checks(config: pytest.Config) -> tuple[str, ...]:
    """Exactly the bundled checks, from any directory; returns the arguments that were set aside.

    Node ids and paths inside the bundled checks are kept (to run some of them), also as
    ``--collect-only`` prints them outside the checkout (``test_step3_user.py::test_user_has_email[…]``);
    anything else, like the project's own tests, testpaths and python_files patterns, does not apply.
    """
    checks_dir = Path(__file__).resolve().parent / "checks"
    given = list(config.args) if config.args_source == pytest.Config.ArgsSource.ARGS else []
    selected = [_bundled_check(config.invocation_params.dir, argument, checks_dir) for argument in given]
    if given and all(argument is not None for argument in selected):
        ignored: tuple[str, ...] = ()
        config.args[:] = [argument for argument in selected if argument is not None]
    else:
        ignored = tuple(given)
        config.args[:] = [CHECKS_PACKAGE]
        config.option.pyargs = True
    # A project's ini may narrow what pytest collects; the bundled checks follow pytest's defaults.
    config.addinivalue_line("python_files", "test_*.py")
    config.addinivalue_line("python_functions", "test_*")
    return ignored


def _bundled_check(invocation_dir: Path, argument: str, directory: Path) -> str | None:
    """The argument as a path or node id of the bundled checks, or None when it names something else."""
    path_text, separator, rest = argument.partition("::")
    path = Path(path_text)
    resolved = (path if path.is_absolute() else invocation_dir / path).resolve()
    if resolved == directory or directory in resolved.parents:
        return argument
    # As --collect-only prints it from outside the checkout: relative to the checks' own folder.
    in_checks = (directory / path).resolve()
    if not path.is_absolute() and not resolved.exists() and in_checks.is_file() and directory in in_checks.parents:
        return f"{in_checks}{separator}{rest}"
    return None


def settings_of(config: pytest.Config) -> Settings:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        pytest.skip("the Intacct checks run only with --intacct-company=ID")
    return settings


@pytest.fixture(scope="session")
def intacct_snapshot(request: pytest.FixtureRequest) -> CompanySnapshot:
    """The company's facts, gathered once per run in one batched request."""
    settings = settings_of(request.config)
    from .recording.company_reading import take_snapshot
    from .run.outcomes import requirement_of_item

    # The one write ever made happens only when its check is selected (-k, node ids).
    selected = {requirement.id for item in request.session.items if (requirement := requirement_of_item(item))}
    from .requirements import ATTACHMENT_NUMBERING

    return take_snapshot(settings, write_probe_selected=ATTACHMENT_NUMBERING in selected)


@pytest.fixture
def intacct(request: pytest.FixtureRequest) -> Check:
    """The requirement this check verifies, over the company snapshot; blocked/manual/n-a skip here."""
    from .requirements import BY_ID
    from .run.check import Check
    from .run.check_hooks import CHECK_KEY

    fleet_run: FleetRun | None = request.config.stash.get(FLEET_RUN_KEY, None)
    if fleet_run is not None:
        return fleet_run.check(request, request.param)
    check = Check(BY_ID[request.param], settings_of(request.config))
    request.node.stash[CHECK_KEY] = check
    if check.needs_intacct():
        check.prepare(request.getfixturevalue("intacct_snapshot"))
    return check
