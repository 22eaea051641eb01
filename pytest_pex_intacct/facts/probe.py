"""The opt-in write probe for STEP1 (the only write the product ever makes).

Intacct has no read API for the Attachments document sequence, so the probe
creates an attachment with an empty ``supdocid`` in the folder ``PEX acceptance probe``: Intacct
numbers it only when auto-numbering is set up. Whatever was created is deleted again, also when a
later step fails, and anything that could not be deleted is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config.settings import Settings
from ..intacct.client import IntacctClient
from ..intacct.envelope import LoginCredentials
from ..intacct.errors import ProtocolError, TransportError, describe_errors
from ..intacct.functions import (
    CreateSupdoc,
    CreateSupdocFolder,
    DeleteSupdoc,
    DeleteSupdocFolder,
    IntacctFunction,
    ListSupdocFolders,
    ListSupdocs,
)
from ..intacct.response import Record, Result
from .fact import Answers, Fact
from .fields import field_text
from .reading import NeedsPerson, Unavailable

PROBE_FOLDERS = "probe-folder"
PROBE_FOLDER = "PEX acceptance probe"
# Said in the outcome of a probe that could not delete what it created.
CLEANUP_FAILED = "CLEAN-UP FAILED"
# Each run names its attachment uniquely, so the listing that confirms its key finds only this run's.
PROBE_DOCUMENT_PREFIX = "PEX acceptance probe "


def probe_document(run_id: str) -> str:
    return f"{PROBE_DOCUMENT_PREFIX}{run_id}"


_CREATE_FOLDER = "probe-create-folder"
_CREATE_ATTACHMENT = "probe-create-attachment"
_CONFIRM_ATTACHMENT = "probe-confirm-attachment"
# Said wherever the probe is offered or reported: the customer's sequence moves on by one.
USES_A_NUMBER = "a successful probe uses up one number of the Attachments sequence"
# The refusal Intacct gives without auto-numbering is [unconfirmed]: a refusal in these words is
# likely that, so a person confirms it (manual); any other refusal is an error. Neither is a `failed`.
_NEEDS_AN_ID = ("supdocid", "attachment id", "id is required", "document sequence", "numbering")


@dataclass(frozen=True)
class ProbeOutcome:
    """What the opt-in attachment write probe showed, and what it left behind."""

    numbered: bool
    observed: str
    # What it created and could not delete (said in ``observed`` too).
    leftovers: tuple[str, ...] = ()

    @property
    def reading(self) -> ProbeOutcome:
        """The probe's outcome is its own reading: what it showed, established by the writes themselves."""
        return self


@dataclass
class _Created:
    """What this run created so far (mutable on purpose: it drives the clean-up)."""

    folder: bool = False
    attachment_key: str | None = None
    unknown_attachment: bool = False


def _names(result: Result) -> list[str]:
    names = []
    for record in result.records:
        found = field_text(record, "name", "NAME", "supdocfoldername")
        if found:
            names.append(found[1])
    return names


def run_attachment_probe(
    client: IntacctClient, login: LoginCredentials, folders: Result, run_id: str
) -> ProbeOutcome | NeedsPerson | Unavailable:
    if not folders.ok:
        return Unavailable(f"could not list attachment folders before the probe: {describe_errors(folders.errors)}")
    document = probe_document(run_id)
    created = _Created()
    outcome: ProbeOutcome | NeedsPerson | Unavailable = Unavailable("the write probe did not finish")
    try:
        outcome = _create(client, login, PROBE_FOLDER in _names(folders), document, created)
    finally:
        problems = _clean_up(client, login, created, document)
    if not problems:
        return outcome
    leftover = "; ".join(problems)
    if isinstance(outcome, ProbeOutcome):
        return ProbeOutcome(outcome.numbered, f"{outcome.observed}. {CLEANUP_FAILED}: {leftover}", tuple(problems))
    said = outcome.reason if isinstance(outcome, Unavailable) else outcome.observed
    return Unavailable(f"{said}. {CLEANUP_FAILED}: {leftover}", leftovers=tuple(problems))


def _create(
    client: IntacctClient, login: LoginCredentials, folder_exists: bool, document: str, created: _Created
) -> ProbeOutcome | NeedsPerson | Unavailable:
    functions: list[IntacctFunction] = []
    if not folder_exists:
        functions.append(
            CreateSupdocFolder(_CREATE_FOLDER, PROBE_FOLDER, "Created by the PEX acceptance checks; safe to delete")
        )
    functions.append(CreateSupdoc(_CREATE_ATTACHMENT, document, PROBE_FOLDER))
    # Listed in the same request, after the create: the key is confirmed against the attachment
    # carrying this run's unique name before anything is deleted by it.
    functions.append(ListSupdocs(_CONFIRM_ATTACHMENT, document))
    try:
        response = client.send(login, functions, allow_writes=True)
    except (TransportError, ProtocolError) as error:
        created.unknown_attachment = True
        return Unavailable(f"the probe's create request got no usable answer: {error.message}")
    if not response.authenticated:
        return Unavailable(
            "the probe's create request was refused: "
            f"{describe_errors(response.control_errors + response.authentication_errors)}"
        )
    folder_problem = None
    if not folder_exists:
        folder = response.result(_CREATE_FOLDER)
        created.folder = folder.ok
        if not folder.ok:
            folder_problem = f"could not create the probe folder {PROBE_FOLDER!r}: {describe_errors(folder.errors)}"
    # Read the attachment's result whatever happened to the folder: if it was created anyway (the
    # folder existed after all), it must be deleted.
    attachment = response.result(_CREATE_ATTACHMENT)
    if attachment.ok:
        if not attachment.key:
            created.unknown_attachment = True
            return Unavailable("Intacct reported the probe attachment created but returned no key")
        listing = response.result(_CONFIRM_ATTACHMENT)
        if _listed_without_an_id(listing, document):
            # Intacct kept it without a number: the sequence is not set up, and there is no ID to delete it by.
            created.unknown_attachment = True
            return ProbeOutcome(
                False,
                f"Intacct accepted an attachment created without an ID (key {attachment.key!r}) and left it "
                "without one: listing it shows an empty supdocid",
            )
        confirmed = _confirmed_id(listing, document, attachment.key)
        if confirmed is None:
            created.unknown_attachment = True
        else:
            created.attachment_key = confirmed
        return ProbeOutcome(
            True,
            f"Intacct numbered an attachment created without an ID automatically: key {attachment.key!r}"
            + (f", supdocid {confirmed!r} confirmed by listing it" if confirmed is not None else "")
            + f" ({USES_A_NUMBER})",
        )
    if folder_problem is not None:
        return Unavailable(folder_problem)
    text = describe_errors(attachment.errors)
    if any(needle in text.lower() for needle in _NEEDS_AN_ID):
        return NeedsPerson(
            f"Intacct refused an attachment created without an ID ({text}): most likely the Attachments sequence "
            "is not set up, but what Intacct answers then is not documented"
        )
    return Unavailable(f"the probe attachment could not be created for a reason other than numbering: {text}")


def _this_runs_attachment(listing: Result, document: str) -> Record | None:
    """The one attachment the listing shows under this run's unique name; None for none, several, or no listing."""
    if not listing.ok:
        return None
    named = [
        record for record in listing.records if (found := field_text(record, "supdocname")) and found[1] == document
    ]
    return named[0] if len(named) == 1 else None


def _listed_without_an_id(listing: Result, document: str) -> bool:
    """The listing shows this run's one attachment, with an empty supdocid: proof it was not numbered."""
    attachment = _this_runs_attachment(listing, document)
    supdoc_id = field_text(attachment, "supdocid") if attachment is not None else None
    return supdoc_id is not None and not supdoc_id[1].strip()


def _confirmed_id(listing: Result, document: str, key: str) -> str | None:
    """The supdocid to delete: the one attachment named ``document`` whose id or record number is ``key``.

    Recorded create_supdoc answers carry a number as ``<key>``; whether it is the record number or
    the generated supdocid is [unconfirmed], so either is accepted, and only a listing that shows
    exactly one attachment of this run's unique name confirms what delete_supdoc (by supdocid) removes.
    """
    attachment = _this_runs_attachment(listing, document)
    if attachment is None:
        return None
    supdoc_id = field_text(attachment, "supdocid")
    record_no = field_text(attachment, "recordno")
    if supdoc_id is None or not supdoc_id[1]:
        return None
    if key in (supdoc_id[1], record_no[1] if record_no else None):
        return supdoc_id[1]
    return None


def _clean_up(client: IntacctClient, login: LoginCredentials, created: _Created, document: str) -> list[str]:
    problems: list[str] = []
    if created.unknown_attachment:
        problems.append(
            f"an attachment named {document!r} may exist in folder {PROBE_FOLDER!r}; check and delete it by hand"
        )
    deletes: list[IntacctFunction] = []
    if created.attachment_key:
        deletes.append(DeleteSupdoc("probe-delete-attachment", created.attachment_key))
    if created.folder and not created.unknown_attachment:
        deletes.append(DeleteSupdocFolder("probe-delete-folder", PROBE_FOLDER))
    elif created.folder:
        problems.append(f"the probe folder {PROBE_FOLDER!r} was left in place because it may not be empty")
    if not deletes:
        return problems
    try:
        response = client.send(login, deletes, allow_writes=True, repeatable_writes=True)
    except (TransportError, ProtocolError) as error:
        return [*problems, f"the probe's delete request got no answer ({error.message}); {_by_hand(created)}"]
    if not response.authenticated:
        return [*problems, f"the probe's delete request was refused; {_by_hand(created)}"]
    for delete in deletes:
        result = response.result(delete.control_id)
        if not result.ok:
            problems.append(f"{delete.name} failed ({describe_errors(result.errors)}); {_by_hand(created)}")
    return problems


def _by_hand(created: _Created) -> str:
    what = f"attachment {created.attachment_key!r}" if created.attachment_key else "the probe folder"
    return f"delete {what} in folder {PROBE_FOLDER!r} by hand (Applications > Company > Attachments)"


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    # A read: it stays in the batch when -k leaves STEP1 out, so recordings match whatever was selected.
    return (ListSupdocFolders(PROBE_FOLDERS, PROBE_FOLDER),)


def _asked(settings: Settings) -> bool:
    return settings.write_probe


def parse_probe(answers: Answers) -> ProbeOutcome | NeedsPerson | Unavailable | None:
    """The write probe runs here, after the batch, and only when its check is selected."""
    if not answers.write_probe_selected:
        return None
    return run_attachment_probe(answers.client, answers.login, answers.result(PROBE_FOLDERS), answers.run_id)


PROBE_FACT = Fact(
    name="probe",
    kind=ProbeOutcome,
    fixture="attachment_probe",
    doc="What creating an attachment without an ID showed (only with ``--intacct-write-probe``).",
    parse=parse_probe,
    functions=_functions,
    asked=_asked,
)
