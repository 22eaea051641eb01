"""One company's results document (docs/results-json.md): every requirement once, judged, signed."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from .. import __version__
from ..atomic_write import write_text_atomically
from ..config.option import Mode
from ..config.settings import Settings
from ..intacct.secrets import Redactor
from ..report.keys import Signer
from ..requirements import UDD_READ
from ..verdict import (
    NOT_SELECTED,
    STOPPED_EARLY,
    RequirementResult,
    complete,
    recording_age_days,
    results_document,
)
from .outcomes import utc_now


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
    """The signed results document of one company's run."""
    from ..report.digests import file_sha256, sign_document
    from ..report.machine_paths import without_machine_paths
    from .html_report import collected_environment

    replay = settings.mode == Mode.REPLAY
    redacted = Redactor.of(settings.secrets)
    unsigned = results_document(
        company_id=settings.company_id,
        mode=settings.mode,
        # The document goes onto the customer's ticket: observations (a replay error names its
        # cassette) keep file names, not the paths of the machine that ran the checks.
        # Passwords were redacted where Intacct's answers were read; this is the last line of defence.
        results=[
            dataclasses.replace(one, observed=redacted(without_machine_paths(one.observed))) for one in results
        ],
        plugin_version=__version__,
        user_id=settings.user_id,
        sender_id=settings.sender_id,
        started_at=started_at,
        finished_at=utc_now(),
        signoff=str(settings.signoff) if settings.signoff else None,
        ticket=settings.ticket,
        # By name: where the recording lives on this machine is nobody's business on the ticket.
        cassette=settings.cassette_path.name if settings.mode != Mode.LIVE else None,
        # Hashed after the run: in record mode this is the file just written.
        cassette_sha256=file_sha256(settings.cassette_path) if settings.mode != Mode.LIVE else None,
        # A replay judges answers read when the recording was made, not at the time of the replay.
        recorded_at=settings.recorded_at if replay else None,
        recording_age_days=recording_age_days(settings.recorded_at, started_at) if replay else None,
    )
    environment = collected_environment(config)
    if environment is not None:
        unsigned["environment"] = environment
    return sign_document(unsigned, os.environ, signer)


def signer_of(config: pytest.Config) -> Signer | None:
    """The Ed25519 key of PEX_INTACCT_SIGNING_KEY_FILE, loaded before any request: a bad one is a usage error."""
    from ..report.keys import SigningKeyError, signer_from_environment

    try:
        return signer_from_environment(os.environ, config.invocation_params.dir)
    except SigningKeyError as error:
        raise pytest.UsageError(str(error)) from None


def write_json_atomically(path: Path, document: dict[str, object]) -> None:
    write_text_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def stopped_early(session: pytest.Session, exitstatus: int) -> bool:
    return exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldfail or session.shouldstop)
