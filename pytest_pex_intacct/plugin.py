"""The pytest surface: options, collection of the bundled checks, fixtures, outcomes, verdict.

Thin on purpose. Without ``--intacct-company`` (or ``INTACCT_COMPANY_ID``) nothing but the options
and one marker is registered, and nothing heavy (lxml, requests, vcrpy) is imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .check import Check
    from .settings import RawOptions, Settings
    from .snapshot import CompanySnapshot

SETTINGS_KEY = pytest.StashKey["Settings"]()
MARKER = "intacct_requirement"
CHECKS_PACKAGE = "pytest_pex_intacct.checks"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pex-intacct", "pex-intacct (PEX Sage Intacct acceptance checks)")
    add = group.addoption
    add(
        "--intacct-company",
        dest="intacct_company",
        metavar="ID",
        default=None,
        help="Intacct company ID to check; activates the checks (env INTACCT_COMPANY_ID)",
    )
    add(
        "--intacct-user",
        dest="intacct_user",
        metavar="ID",
        default=None,
        help="Web Services user to check (env INTACCT_USER_ID; default pex_connector)",
    )
    add(
        "--intacct-sender-id",
        dest="intacct_sender_id",
        metavar="ID",
        default=None,
        help="Web Services sender ID (env INTACCT_SENDER_ID; default 'PEX MPP'). Passwords come only from "
        "INTACCT_SENDER_PASSWORD and INTACCT_USER_PASSWORD",
    )
    add(
        "--intacct-endpoint",
        dest="intacct_endpoint",
        metavar="URL",
        default=None,
        help="XML gateway URL (env INTACCT_ENDPOINT_URL; default https://api.intacct.com/ia/xml/xmlgw.phtml)",
    )
    add(
        "--intacct-gl-account",
        dest="intacct_gl_account",
        metavar="NUMBER_OR_TITLE",
        default=None,
        help="the PEX GL account's number or title (default title 'PEX GL Account')",
    )
    add(
        "--intacct-udd",
        dest="intacct_udd",
        action="store_true",
        default=False,
        help="also check the optional UDD-READ requirement",
    )
    add(
        "--intacct-write-probe",
        dest="intacct_write_probe",
        action="store_true",
        default=False,
        help="verify Step 1 (attachment numbering) by creating and deleting one attachment: the only write "
        "ever made; a successful probe uses up one number of the Attachments sequence",
    )
    add(
        "--intacct-attest",
        dest="intacct_attest",
        metavar="ID",
        action="append",
        default=[],
        help="attest a manual requirement (STEP1-ATTACHMENT-NUMBERING) as the --intacct-signoff person; repeatable",
    )
    add(
        "--intacct-mode",
        dest="intacct_mode",
        metavar="live|record|replay",
        default=None,
        help="live (default), record (live + write the cassette) or replay (from the cassette, no network)",
    )
    add(
        "--intacct-cassettes",
        dest="intacct_cassettes",
        metavar="DIR",
        default=None,
        help="cassette directory (default cassettes/ under the rootdir); the file is <company>.yaml",
    )
    add(
        "--intacct-signoff",
        dest="intacct_signoff",
        metavar="NAME <EMAIL>",
        default=None,
        help="who signs the report off; without it the report is a DRAFT",
    )
    add(
        "--intacct-ticket",
        dest="intacct_ticket",
        metavar="REF",
        default=None,
        help="customer ticket reference for the report",
    )
    add(
        "--intacct-json",
        dest="intacct_json",
        metavar="PATH",
        default=None,
        help="write the results document (SPEC §5) to PATH",
    )


def _raw_options(config: pytest.Config) -> RawOptions:
    from .settings import RawOptions

    option = config.option
    return RawOptions(
        company=option.intacct_company,
        user=option.intacct_user,
        sender_id=option.intacct_sender_id,
        endpoint=option.intacct_endpoint,
        gl_account=option.intacct_gl_account,
        udd=option.intacct_udd,
        write_probe=option.intacct_write_probe,
        attest=tuple(option.intacct_attest or ()),
        mode=option.intacct_mode,
        cassettes=option.intacct_cassettes,
        signoff=option.intacct_signoff,
        ticket=option.intacct_ticket,
        json_path=option.intacct_json,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(id): the SPEC requirement a bundled Intacct check verifies")
    # An ordinary run stops here, before anything of ours beyond this module is imported.
    if config.option.intacct_company is None and not os.environ.get("INTACCT_COMPANY_ID"):
        _refuse_checks_options_without_a_company(config)
        return
    from .settings import SettingsError, resolve_settings

    options = _raw_options(config)
    try:
        settings = resolve_settings(options, os.environ, config.rootpath, config.invocation_params.dir)
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[SETTINGS_KEY] = settings

    ignored = _collect_only_the_bundled_checks(config)

    from .run_hooks import AcceptanceRun

    run = AcceptanceRun(config, settings, ignored)
    config.pluginmanager.register(run, "pex-intacct-run")
    # pytest-html builds its report only on the controller, and only with --html; its hookspecs
    # exist only while it is loaded (-p no:html), so the report hooks live on a separate object.
    if (
        config.pluginmanager.hasplugin("html")
        and config.getoption("htmlpath", None)
        and not hasattr(config, "workerinput")
    ):
        from .report import HtmlReport

        config.pluginmanager.register(HtmlReport(config, settings, run), "pex-intacct-html")


_CHECKS_OPTIONS = (
    ("intacct_user", "--intacct-user"),
    ("intacct_sender_id", "--intacct-sender-id"),
    ("intacct_endpoint", "--intacct-endpoint"),
    ("intacct_gl_account", "--intacct-gl-account"),
    ("intacct_mode", "--intacct-mode"),
    ("intacct_cassettes", "--intacct-cassettes"),
    ("intacct_signoff", "--intacct-signoff"),
    ("intacct_ticket", "--intacct-ticket"),
    ("intacct_json", "--intacct-json"),
    ("intacct_udd", "--intacct-udd"),
    ("intacct_write_probe", "--intacct-write-probe"),
    ("intacct_attest", "--intacct-attest"),
)


def _refuse_checks_options_without_a_company(config: pytest.Config) -> None:
    """An option of the checks without a company would let a CI gate pass having checked nothing."""
    given = [flag for dest, flag in _CHECKS_OPTIONS if getattr(config.option, dest, None) not in (None, False, [])]
    if given:
        raise pytest.UsageError(
            f"{given[0]} needs a company: pass --intacct-company=ID (or set INTACCT_COMPANY_ID); "
            "without one no Intacct check runs"
        )


def _collect_only_the_bundled_checks(config: pytest.Config) -> tuple[str, ...]:
    """Exactly the bundled checks, from any directory; returns the arguments that were set aside.

    Node ids and paths inside the bundled checks are kept (to run some of them); anything else,
    like the project's own tests, testpaths and python_files patterns, does not apply.
    """
    checks_dir = Path(__file__).resolve().parent / "checks"
    given = list(config.args) if config.args_source == pytest.Config.ArgsSource.ARGS else []
    if given and all(_inside(config.invocation_params.dir, argument, checks_dir) for argument in given):
        ignored: tuple[str, ...] = ()
    else:
        ignored = tuple(given)
        config.args[:] = [CHECKS_PACKAGE]
        config.option.pyargs = True
    # A project's ini may narrow what pytest collects; the bundled checks follow pytest's defaults.
    config.addinivalue_line("python_files", "test_*.py")
    config.addinivalue_line("python_functions", "test_*")
    return ignored


def _inside(invocation_dir: Path, argument: str, directory: Path) -> bool:
    path = Path(argument.split("::", 1)[0])
    resolved = (path if path.is_absolute() else invocation_dir / path).resolve()
    return resolved == directory or directory in resolved.parents


def settings_of(config: pytest.Config) -> Settings:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        pytest.skip("the Intacct checks run only with --intacct-company=ID")
    return settings


@pytest.fixture(scope="session")
def intacct_snapshot(request: pytest.FixtureRequest) -> CompanySnapshot:
    """The company's facts, gathered once per run in one batched request (SPEC §8)."""
    settings = settings_of(request.config)
    from .company_run import take_snapshot
    from .run_hooks import requirement_of_item

    # The one write ever made happens only when its check is selected (-k, node ids).
    selected = {requirement.id for item in request.session.items if (requirement := requirement_of_item(item))}
    from .requirements import ATTACHMENT_NUMBERING

    return take_snapshot(settings, write_probe_selected=ATTACHMENT_NUMBERING in selected)


@pytest.fixture
def intacct(request: pytest.FixtureRequest) -> Check:
    """The requirement this check verifies, over the company snapshot; blocked/manual/n-a skip here."""
    from .check import Check
    from .requirements import BY_ID
    from .run_hooks import CHECK_KEY

    check = Check(BY_ID[request.param], settings_of(request.config))
    request.node.stash[CHECK_KEY] = check
    if check.needs_intacct():
        check.prepare(request.getfixturevalue("intacct_snapshot"))
    return check
