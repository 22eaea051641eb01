"""One company's run of the bundled checks (``--intacct-company``): its header, its verdict and exit
code, its results document and its terminal summary. The hooks shared with a fleet are in ``check_hooks.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from ..config.option import Mode
from ..config.settings import Settings
from ..recording.cassette_file import stamp, written_since
from ..requirements import ATTACHMENT_NUMBERING, Requirement
from ..verdict import ACCEPTED, MANUAL, STALE_RECORDING_DAYS, RequirementResult, counts, verdict
from .company_document import company_document, final_results, signer_of, stopped_early, write_json_atomically
from .outcomes import CATALOGUE_ORDER, TERMINAL_WORDS, utc_now


class AcceptanceRun:
    """A :class:`~.check_hooks.RunShape` for one company, and the hooks that conclude its run."""

    def __init__(self, config: pytest.Config, settings: Settings, ignored_arguments: tuple[str, ...] = ()) -> None:
        self.config = config
        self.settings = settings
        self.ignored_arguments = ignored_arguments
        self.results: dict[str, RequirementResult] = {}
        self.started_at = utc_now()
        # Which file the cassette path named when the run began: a recording written since replaced it.
        self.cassette_before = stamp(settings.cassette_path)
        self.document: dict[str, object] | None = None
        self.final: list[RequirementResult] = []
        self.is_worker = hasattr(config, "workerinput")
        self.signer = None if self.is_worker else signer_of(config)
        # One cause (an outage, a recording that does not match) makes every check an error: its
        # text is shown under the first one only, the others point to it.
        self._explained: dict[str, str] = {}

    # -- the shape of the run -------------------------------------------------------------------
    def parametrize(self, metafunc: pytest.Metafunc, requirement: Requirement) -> None:
        # The requirement id becomes part of the test id: visible in -v, JUnit and the report.
        metafunc.parametrize("intacct", [requirement.id.value], indirect=True, ids=[requirement.id.value])

    def order_key(self, item: pytest.Item, requirement: Requirement) -> tuple[Any, ...]:
        return (CATALOGUE_ORDER[requirement.id],)

    def properties(self, item: pytest.Item) -> list[tuple[str, object]]:
        return []

    def xdist_scope(self, nodeid: str) -> str:
        """One company run is one scope."""
        return "pex-intacct-company-run"

    @property
    def shares_up_front(self) -> bool:
        return False

    def terminal_words(self, outcome: str) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        return TERMINAL_WORDS.get(outcome)

    def explained(self, item: pytest.Item) -> dict[str, str]:
        return self._explained

    def keep(self, report: pytest.TestReport, result: RequirementResult) -> None:
        self.results[result.requirement.id] = result

    # -- hooks ----------------------------------------------------------------------------------
    def pytest_report_header(self) -> list[str]:
        settings = self.settings
        # A replay opens no connection: its endpoint would only mislead.
        where = "no network" if settings.mode == Mode.REPLAY else f"endpoint {settings.endpoint}"
        lines = [
            f"pex-intacct: company {settings.company_id}, user {settings.user_id}, sender ID "
            f"{settings.sender_id!r}, mode {settings.mode}, {where}"
        ]
        if settings.mode == Mode.REPLAY:
            from ..config.options import RECORDED
            from ..recording.cassette import recorded_command

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

    # tryfirst: pytest-html renders its report in its own (trylast) sessionfinish, from this document.
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # --collect-only checks nothing: no results document, no verdict, pytest's own exit code.
        if self.is_worker or self.config.option.collectonly:
            return
        results = final_results(self.results, self.settings, stopped_early(session, exitstatus))
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
            if result.attestation_expires and not result.attested_by:
                detail += f" (attestation expired on {result.attestation_expires})"
            write(f"{result.outcome.upper():<15} {result.requirement.id}{detail}")
        for result in results:
            for leftover in result.leftovers:
                terminalreporter.write_line(
                    f"WRITE PROBE LEFT DATA IN COMPANY {self.settings.company_id}: {leftover}", red=True
                )
        for result in results:
            if result.outcome == MANUAL and result.attested_by is None and result.attestation_expires:
                write(
                    f"{result.requirement.id}: its attestation in {self.settings.attestations_path} expired on "
                    f"{result.attestation_expires}; once a person has confirmed it again, renew the entry"
                )
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
        age = self.document.get("recording_age_days")
        if isinstance(age, int) and age > STALE_RECORDING_DAYS:
            write(
                f"pex-intacct: this replays a recording made {age} days ago ({self.settings.recorded_at}): it shows "
                "the company as it was then; record it again before a customer signs off",
                yellow=True,
            )

    def _cassette_line(self) -> str:
        path = self.settings.cassette_path
        # Under xdist a worker records, so the controller judges by the file itself.
        if written_since(path, self.cassette_before):
            replaced = " (it replaced the recording that was there, as --intacct-record-mode=rewrite asked)"
            return f"cassette written to {path}" + (replaced if self.settings.replacing else "")
        return f"cassette not written ({path} was left as it was; the errors above say why)"


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
