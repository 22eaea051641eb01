"""The functions that write: create and delete attachment folders (supdocfolder) and attachments (supdoc).

Each takes the call's context and the function's body element, changes ``context.state`` and returns
the elements of its <result> (the key written), or raises FunctionFailed.
"""

from __future__ import annotations

from lxml import etree

from .company_state import Attachment, CallContext, Folder
from .failures import FunctionFailed
from .request_parsing import child_texts
from .responses import GatewayError


def create_supdocfolder(context: CallContext, body: etree._Element) -> list[etree._Element]:
    state = context.state
    name, description, parent = child_texts(
        body, "supdocfoldername", "supdocfolderdescription", "supdocparentfoldername"
    )
    if name in state.folders:
        raise FunctionFailed(
            GatewayError(
                "BL34000061",
                description2=f"Another Attachment Folder with the given value(s) {name} already exists",
                correction="Use a unique value instead.",
            )
        )
    if parent and parent not in state.folders:
        raise FunctionFailed(_missing_folder(parent))
    created_by = context.identity.user.login_id
    state.folders[name] = Folder(name, description, parent, context.today, created_by)
    return [_key(name)]


def create_supdoc(context: CallContext, body: etree._Element) -> list[etree._Element]:
    state = context.state
    supdoc_id, name, folder = child_texts(body, "supdocid", "supdocname", "supdocfoldername")
    if not supdoc_id:
        if not context.scenario.attachment_autonumbering:
            # Real errorno and text unconfirmed; Sage's docs only say the id is then required.
            raise FunctionFailed(GatewayError("BL01001973", description2="Attachment ID is required"))
        supdoc_id = f"ATT-{state.next_attachment:05d}"
        state.next_attachment += 1
    if supdoc_id in state.attachments:
        raise FunctionFailed(
            GatewayError(
                "BL34000061",
                description2=f"Another Attachment with the given value(s) {supdoc_id} already exists",
                correction="Use a unique value instead.",
            )
        )
    if folder not in state.folders:
        raise FunctionFailed(_missing_folder(folder))
    record_no = state.next_record
    state.next_record += 1
    state.attachments[supdoc_id] = Attachment(
        supdoc_id, name, folder, record_no, context.today, context.identity.user.login_id
    )
    # Recorded create_supdoc answers carry a number: the record number, not the supdocid.
    return [_key(str(record_no) if context.scenario.supdoc_key == "recordno" else supdoc_id)]


def delete_supdoc(context: CallContext, body: etree._Element) -> list[etree._Element]:
    state = context.state
    key = body.get("key", "")
    if context.fail_deletes:
        raise FunctionFailed(GatewayError("BL01001973", description2=f"Could not delete Attachment {key}"))
    if key not in state.attachments:
        # Unconfirmed wording.
        raise FunctionFailed(GatewayError("BL01001973", description2=f"Attachment {key} does not exist"))
    del state.attachments[key]
    return [_key(key)]


def delete_supdocfolder(context: CallContext, body: etree._Element) -> list[etree._Element]:
    state = context.state
    key = body.get("key", "")
    if context.fail_deletes:
        raise FunctionFailed(GatewayError("BL01001973", description2=f"Could not delete Attachment Folder {key}"))
    if key not in state.folders:
        raise FunctionFailed(_missing_folder(key))
    if any(attachment.folder == key for attachment in state.attachments.values()):
        # Unconfirmed: the simulator refuses to delete a folder that still holds attachments.
        raise FunctionFailed(GatewayError("BL01001973", description2=f"Attachment Folder {key} contains attachments"))
    del state.folders[key]
    return [_key(key)]


def _key(value: str) -> etree._Element:
    key = etree.Element("key")
    key.text = value
    return key


def _missing_folder(name: str) -> GatewayError:
    # Unconfirmed wording.
    return GatewayError("BL01001973", description2=f"Attachment Folder {name or '(none)'} does not exist")
