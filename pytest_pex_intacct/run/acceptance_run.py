"""Hooks that exist only while the checks run: registered by ``pytest_configure`` as one object.

Turns pytest results into requirement outcomes on the reports (worker side), gathers them and
decides the verdict, the JSON document and the exit code (controller side).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Generator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import __version__
from ..atomic_write import write_text_atomically
from ..report.keys import Signer
from ..requirements import ATTACHMENT_NUMBERING, BY_ID, CATALOGUE, MARKER, UDD_READ, Requirement
from ..verdict import (
    ACCEPTED,
    BLOCKED,
    ERROR,
    FAILED,
    MANUAL,
    NOT_APPLICABLE,
    NOT_RUN,
    NOT_SELECTED,
    PASSED,
    PROP_OUTCOME,
    PROP_REQUIREMENT,
    STOPPED_EARLY,
    RequirementResult,
    complete,
    counts,
    result_from_properties,
    results_document,
    utc_text,
    verdict,
)
from .options import Mode
from .settings import Settings

if TYPE_CHECKING:
    from .check import Check

CHECK_KEY = pytest.StashKey["object"]()
_ORDER = {requirement.id: index for index, requirement in enumerate(CATALOGUE)}
_TERMINAL_WORDS: dict[str, tuple[str, str, tuple[str, dict[str, bool]]]] = {
    BLOCKED: ("blocked", "b", ("BLOCKED", {"yellow": True})),
    NOT_APPLICABLE: ("not-applicable", "n", ("NOT APPLICABLE", {"yellow": True})),
    MANUAL: ("manual", "m", ("MANUAL", {"yellow": True})),
    NOT_RUN: ("not-run", "-", ("NOT RUN", {"yellow": True})),
    ERROR: ("error", "E", ("ERROR", {"red": True})),
}


def _utc_now() -> str:
    return utc_text(datetime.now(UTC))


def _assertion_line(call: pytest.CallInfo[None]) -> str:
    """The check body's failed assertion, as written and as pytest evaluated it."""
    if call.excinfo is None or not call.excinfo.errisinstance(AssertionError):
        return ""
    lines = str(call.excinfo.value).splitlines()
    evaluated = next((line.strip() for line in lines if line.strip().startswith("assert ")), "")
    try:
        written = " ".join(str(call.excinfo.traceback[-1].statement).split())
    except (IndexError, OSError):
        written = ""
    if written and evaluated and written != evaluated:
        return f"{written}  (evaluated: {evaluated})"
    return written or evaluated


def requirement_of_item(item: pytest.Item) -> Requirement | None:
    marker = item.get_closest_marker(MARKER)
    if marker is None or not marker.args:
        return None
    return BY_ID.get(str(marker.args[0]))


def _property(report: pytest.TestReport | pytest.CollectReport, name: str) -> str | None:
    for key, value in getattr(report, "user_properties", ()):
        if key == name:
            return str(value)
    return None


def _signer(config: pytest.Config) -> Signer | None:
    """The Ed25519 key of PEX_INTACCT_SIGNING_KEY_FILE, loaded before any request: a bad one is a usage error."""
    from ..report.keys import SigningKeyError, signer_from_environment

    try:
        return signer_from_environment(os.environ, config.invocation_params.dir)
    except SigningKeyError as error:
        raise pytest.UsageError(str(error)) from None


def _describe_exception(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    from .check import RequirementUnverified

    if isinstance(excinfo.value, RequirementUnverified):
        return str(excinfo.value)
    return f"internal error in the check ({excinfo.typename}: {excinfo.value}); please report it"


class AcceptanceRun:
    def __init__(self, config: pytest.Config, settings: Settings, ignored_arguments: tuple[str, ...] = ()) -> None:
        self.config = config
        self.settings = settings
        self.ignored_arguments = ignored_arguments
        self.results: dict[str, RequirementResult] = {}
        self.started_at = _utc_now()
        self.document: dict[str, object] | None = None
        self.final: list[RequirementResult] = []
        self.is_worker = hasattr(config, "workerinput")
        self.signer = None if self.is_worker else _signer(config)
        # One cause (an outage, a recording that does not match) makes every check an error: its
        # text is shown under the first one only, the others point to it.
        self.explained: dict[str, str] = {}

    # -- collection ---------------------------------------------------------------------------
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        marker = metafunc.definition.get_closest_marker(MARKER)
        if marker is None or "intacct" not in metafunc.fixturenames:
            return
        requirement_id = str(marker.args[0]) if marker.args else ""
        if requirement_id not in BY_ID:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown requirement id {requirement_id!r}")
        self.parametrize_checks(metafunc, requirement_id)

    def parametrize_checks(self, metafunc: pytest.Metafunc, requirement_id: str) -> None:
        # The requirement id becomes part of the test id: visible in -v, JUnit and the report.
        metafunc.parametrize("intacct", [requirement_id], indirect=True, ids=[requirement_id])

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        ours = [item for item in items if requirement_of_item(item) is not None]
        ours.sort(key=lambda item: _ORDER[requirement_of_item(item).id])  # type: ignore[union-attr]
        others = [item for item in items if requirement_of_item(item) is None]
        items[:] = ours + others
        for item in ours:
            requirement = requirement_of_item(item)
            assert requirement is not None
            item.user_properties.extend(
                [
                    (PROP_REQUIREMENT, requirement.id.value),
                    ("guide_step", requirement.step),
                    ("where_to_fix", requirement.where),
                    ("remediation", requirement.remediation),
                ]
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under xdist, every check of one company goes to one worker, so its snapshot is taken once.

        (xdist's own ``loadgroup`` cannot do it with pytest 9.2: it renames items through an
        attribute pytest no longer reads.)
        """
        from xdist.scheduler import LoadScopeScheduling

        scope_of = self.xdist_scope

        class OneCompanyPerWorker(LoadScopeScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                return scope_of(nodeid)

        return OneCompanyPerWorker(config, log)

    def xdist_scope(self, nodeid: str) -> str:
        """The xdist scope of a test: one company run is one scope."""
        return "pex-intacct-company-run"

    def pytest_report_header(self) -> list[str]:
        settings = self.settings
        # A replay opens no connection: its endpoint would only mislead.
        where = "no network" if settings.mode == Mode.REPLAY else f"endpoint {settings.endpoint}"
        lines = [
            f"pex-intacct: company {settings.company_id}, user {settings.user_id}, sender ID "
            f"{settings.sender_id!r}, mode {settings.mode}, {where}"
        ]
        if settings.mode == Mode.REPLAY:
            from ..recording.cassette import recorded_command
            from .options import RECORDED

            # Which file answers, and as which run: a replay asks what was recorded.
            asked = {option.recorded_as: getattr(settings, option.field) for option in RECORDED if option.recorded_as}
            when = f" on {settings.recorded_at}" if settings.recorded_at else ""
            lines.append(
                f"pex-intacct: replaying {settings.cassette_path}, recorded{when} with {recorded_command(asked)}"
            )
        if self.ignored_arguments:
            # Said here rather than as a warning: -W error would turn a warning into a crash.
            lines.append(
                "pex-intacct: --intacct-company runs only the bundled checks; ignoring "
                + " ".join(self.ignored_arguments)
            )
        return lines

    # -- one test → one requirement outcome (runs where the test runs) ------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        requirement = requirement_of_item(item)
        if requirement is None or report.when == "teardown":
            return report
        check = item.stash.get(CHECK_KEY, None)
        result = self._result(requirement, report, call, check)
        if result is None:
            return report
        report.user_properties.extend(result.properties())
        # JUnit XML takes properties from the teardown report, which copies the item's.
        item.user_properties.extend(result.properties())
        if result.outcome == FAILED:
            judged = _assertion_line(call)
            report.longrepr = (
                f"{requirement.id} failed: {requirement.title} ({requirement.step} of the setup guide)\n"
                f"  observed:     {result.observed or '(nothing recorded)'}\n"
                + (f"  check:        {judged}\n" if judged else "")
                + f"  where to fix: {requirement.where}\n"
                f"  remediation:  {requirement.remediation}"
            )
        elif result.outcome == ERROR:
            first = self._explained(item).setdefault(result.observed, requirement.id)
            report.longrepr = (
                f"{requirement.id} could not be verified (error, not the company's setup): {result.observed}"
                if first == requirement.id
                else f"{requirement.id} could not be verified: the same error as {first}, shown above"
            )
        return report

    def _explained(self, item: pytest.Item) -> dict[str, str]:
        """The errors already shown in full, by their text (a fleet keeps them per company)."""
        return self.explained

    def _result(
        self, requirement: Requirement, report: pytest.TestReport, call: pytest.CallInfo[None], check: object
    ) -> RequirementResult | None:
        from .check import Check

        check = check if isinstance(check, Check) else None
        result = self._outcome(requirement, report, call, check)
        if result is not None and check is not None and check.leftovers:
            return dataclasses.replace(result, leftovers=check.leftovers)
        return result

    def _outcome(
        self, requirement: Requirement, report: pytest.TestReport, call: pytest.CallInfo[None], check: Check | None
    ) -> RequirementResult | None:
        observed = check.observed if check else ""
        if report.skipped and check is not None and check.decided is not None:
            return check.decided
        if report.skipped:
            return RequirementResult(
                requirement, NOT_APPLICABLE, observed=str(call.excinfo.value) if call.excinfo else ""
            )
        if report.failed and call.excinfo is not None:
            if report.when == "call" and call.excinfo.errisinstance(AssertionError):
                message = str(call.excinfo.value).split("\n")[0]
                return RequirementResult(requirement, FAILED, observed=observed or message)
            return RequirementResult(requirement, ERROR, observed=_describe_exception(call.excinfo))
        if report.when == "call" and report.passed:
            return RequirementResult(requirement, PASSED, observed=observed)
        return None

    def pytest_report_teststatus(
        self, report: pytest.TestReport | pytest.CollectReport
    ) -> tuple[str, str, object] | None:
        outcome = _property(report, PROP_OUTCOME)
        if outcome in _TERMINAL_WORDS and getattr(report, "when", None) in ("setup", "call"):
            return _TERMINAL_WORDS[outcome]
        return None

    # -- controller: gather, decide, write ------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        requirement_id = _property(report, PROP_REQUIREMENT)
        if requirement_id not in BY_ID:
            return
        result = result_from_properties(BY_ID[requirement_id], report.user_properties)
        if result is not None:
            self.results[requirement_id] = result

    # tryfirst: pytest-html renders its report in its own (trylast) sessionfinish, from this document.
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # --collect-only checks nothing: no results document, no verdict, pytest's own exit code.
        if self.is_worker or self.config.option.collectonly:
            return
        stopped_early = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldfail or session.shouldstop)
        results = final_results(self.results, self.settings, stopped_early)
        self.final = results
        settings = self.settings
        self.document = company_document(self.config, settings, results, self.started_at, self.signer)
        if settings.json_path is not None:
            write_json_atomically(settings.json_path, self.document)
        # 0 only when accepted, 1 otherwise (an interrupted or half-collected run included);
        # pytest's own codes stay only for usage errors and crashes.
        if exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            return
        session.exitstatus = pytest.ExitCode.OK if verdict(results) == ACCEPTED else pytest.ExitCode.TESTS_FAILED

    # The outermost wrapper: the acceptance section comes after pytest's own short test summary, so
    # the verdict is the last line before pytest's counts.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
        yield
        if self.is_worker or self.document is None:
            return
        results = self.final
        write = terminalreporter.write_line
        terminalreporter.section("pex-intacct acceptance", sep="=")
        for result in results:
            detail = f" (blocked by {result.blocked_by})" if result.blocked_by else ""
            detail += f" (attested by {result.attested_by})" if result.attested_by else ""
            write(f"{result.outcome.upper():<15} {result.requirement.id}{detail}")
        for result in results:
            for leftover in result.leftovers:
                terminalreporter.write_line(
                    f"WRITE PROBE LEFT DATA IN COMPANY {self.settings.company_id}: {leftover}", red=True
                )
        for result in results:
            if result.outcome == MANUAL and result.attested_by is None:
                write(manual_guidance(result.requirement, self.settings))
        for result in results:
            if result.requirement.id in self.settings.attested and result.attested_by is None:
                # The signer attested something Intacct settled (or the run never reached): say so.
                write(f"--intacct-attest={result.requirement.id} was not used: it is {result.outcome}, not manual")
        if self.settings.mode == Mode.RECORD:
            write(self._cassette_line())
        if self.settings.json_path is not None:
            write(f"results written to {self.settings.json_path}")
        tally = ", ".join(f"{count} {name}" for name, count in counts(results).items() if count)
        outcome = verdict(results)
        markup = {"green": True} if outcome == ACCEPTED else {"red": True}
        terminalreporter.write_line(
            f"pex-intacct verdict for {self.settings.company_id}: {outcome.upper()} ({tally})", bold=True, **markup
        )

    def _cassette_line(self) -> str:
        path = self.settings.cassette_path
        started = datetime.fromisoformat(self.started_at.replace("Z", "+00:00")).timestamp()
        # Under xdist a worker records, so the controller judges by the file itself.
        if path.is_file() and path.stat().st_mtime >= started - 1:
            return f"cassette written to {path}"
        return f"cassette not written ({path} was left as it was; the errors above say why)"


def final_results(
    results: Mapping[str, RequirementResult], settings: Settings, stopped_early: bool
) -> list[RequirementResult]:
    """Every catalogue requirement once (unreported ones not-run), as the verdict of ``settings``' run judges them."""
    final = complete(results, STOPPED_EARLY if stopped_early else NOT_SELECTED)
    if not settings.udd:
        return final
    # The optional requirement the run asked for (--intacct-udd) is mandatory for this run: an
    # unverified UDD-READ leaves it incomplete, as any other would.
    return [
        dataclasses.replace(result, requirement=dataclasses.replace(result.requirement, mandatory=True))
        if result.requirement.id == UDD_READ
        else result
        for result in final
    ]


def company_document(
    config: pytest.Config,
    settings: Settings,
    results: list[RequirementResult],
    started_at: str,
    signer: Signer | None,
) -> dict[str, object]:
    """The signed results document (docs/results-json.md) of one company's run."""
    from ..report.digests import file_sha256, sign_document
    from ..report.html_hooks import collected_environment
    from ..report.machine_paths import without_machine_paths

    unsigned = results_document(
        company_id=settings.company_id,
        mode=settings.mode,
        # The document goes onto the customer's ticket: observations (a replay error names its
        # cassette) keep file names, not the paths of the machine that ran the checks.
        results=[dataclasses.replace(one, observed=without_machine_paths(one.observed)) for one in results],
        plugin_version=__version__,
        user_id=settings.user_id,
        sender_id=settings.sender_id,
        started_at=started_at,
        finished_at=_utc_now(),
        signoff=str(settings.signoff) if settings.signoff else None,
        ticket=settings.ticket,
        # By name: where the recording lives on this machine is nobody's business on the ticket.
        cassette=settings.cassette_path.name if settings.mode != Mode.LIVE else None,
        # Hashed after the run: in record mode this is the file just written.
        cassette_sha256=file_sha256(settings.cassette_path) if settings.mode != Mode.LIVE else None,
        # A replay judges answers read when the recording was made, not at the time of the replay.
        recorded_at=settings.recorded_at if settings.mode == Mode.REPLAY else None,
    )
    environment = collected_environment(config)
    if environment is not None:
        unsigned["environment"] = environment
    return sign_document(unsigned, os.environ, signer)


def manual_guidance(requirement: Requirement, settings: Settings) -> str:
    """How to conclude a requirement that needs a person: the two ways, with their exact flags."""
    signoff = f'--intacct-signoff="{settings.signoff}"' if settings.signoff else '--intacct-signoff="Name <email>"'
    probe = ""
    if requirement.id == ATTACHMENT_NUMBERING and settings.write_probe:
        # The probe ran and could not settle it: attesting replaces the probe (both at once is refused).
        probe = " run without --intacct-write-probe,"
    elif requirement.id == ATTACHMENT_NUMBERING:
        probe = (
            " let the checks verify it by adding --intacct-write-probe (creates and deletes one attachment, "
            "using up one number of the Attachments sequence), or"
        )
    again = " in a live or record run" if settings.mode == Mode.REPLAY else ""
    return (
        f"{requirement.id} needs a person (Intacct cannot show it). To conclude it{again},{probe} "
        f"confirm it in Intacct ({requirement.where}) and attest it with --intacct-attest={requirement.id} {signoff}"
    )


def write_json_atomically(path: Path, document: dict[str, object]) -> None:
    write_text_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
