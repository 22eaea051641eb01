"""The functions that read: getAPISession, readByName, readByQuery, query, getDimensions, get_list.

Each takes the call's context and the function's body element and returns the elements of its
<result>, or raises FunctionFailed.
"""

from __future__ import annotations

import dataclasses
import secrets

from lxml import etree

from .company_state import Attachment, CallContext, Folder
from .failures import FunctionFailed, unsupported
from .queries import Predicate, filter_predicate, legacy_filter, match_everything, query_error, query_string_predicate
from .responses import GatewayError, add_child
from .tables import Table, check_fields, parse_fields_list, record_element, scenario_table, select_fields


def get_api_session(context: CallContext, body: etree._Element) -> list[etree._Element]:
    # The session joins the company state, so a transaction that rolls back forgets it too.
    location = body.findtext("locationid")
    identity = dataclasses.replace(
        context.identity, location_id=context.identity.location_id if location is None else location.strip()
    )
    session_id = secrets.token_urlsafe(24) + ".."
    context.state.sessions[session_id] = identity
    data = etree.Element("data")
    api = add_child(data, "api")
    add_child(api, "sessionid", session_id)
    add_child(api, "endpoint", context.endpoint)
    add_child(api, "locationid", identity.location_id)
    return [data]


def read_by_name(context: CallContext, body: etree._Element) -> list[etree._Element]:
    table = _readable_table(context, body.findtext("object", ""), "READ_BY_NAME")
    fields = parse_fields_list(body.findtext("fields"))
    check_fields(table, fields)
    if table.key_field is None:
        raise FunctionFailed(unsupported(f"readByName on {table.name}"))
    keys = [key.strip() for key in body.findtext("keys", "").split(",") if key.strip()]
    found = [record for key in keys for record in table.records if record.value(table.key_field) == key]
    data = etree.Element("data", listtype=table.name, count=str(len(found)))
    data.extend(record_element(table.name, select_fields(record, fields)) for record in found)
    return [data]


def read_by_query(context: CallContext, body: etree._Element) -> list[etree._Element]:
    table = _readable_table(context, body.findtext("object", ""), "READ_BY_QUERY")
    fields = parse_fields_list(body.findtext("fields"))
    check_fields(table, fields)
    predicate = query_string_predicate(body.findtext("query", ""), table)
    matching = [record for record in table.records if predicate(record)]
    page = matching[: _page_size(body.findtext("pagesize"), default=100, limit=1000)]
    remaining = len(matching) - len(page)
    tag = table.name.lower()
    data = etree.Element(
        "data",
        listtype=tag,
        count=str(len(page)),
        totalcount=str(len(matching)),
        numremaining=str(remaining),
        resultId=secrets.token_hex(12) if remaining else "",
    )
    data.extend(record_element(tag, select_fields(record, fields)) for record in page)
    return [data]


def query(context: CallContext, body: etree._Element) -> list[etree._Element]:
    table = _readable_table(context, body.findtext("object", ""), "QUERY")
    select = body.find("select")
    fields = [(f.text or "").strip() for f in (select if select is not None else []) if f.tag == "field"]
    if not fields:
        raise FunctionFailed(query_error("select at least one field"))
    check_fields(table, fields)
    casefold = body.findtext("options/caseinsensitive", "false").strip() == "true"
    filter_node = body.find("filter")
    predicate: Predicate = match_everything
    if filter_node is not None and len(filter_node):
        predicate = filter_predicate(filter_node[0], table, casefold)
    matching = [record for record in table.records if predicate(record)]
    if table.entity_private and not context.identity.location_id:
        show_private = body.findtext("options/showprivate", "false").strip() == "true"
        matching = [record for record in matching if show_private or not record.value("MEGAENTITYID")]
    offset = _page_size(body.findtext("offset"), default=0, limit=len(matching), minimum=0)
    page = matching[offset : offset + _page_size(body.findtext("pagesize"), default=100, limit=2000)]
    data = etree.Element(
        "data",
        listtype=table.name,
        totalcount=str(len(matching)),
        offset=str(offset),
        count=str(len(page)),
        numremaining=str(len(matching) - offset - len(page)),
    )
    data.extend(record_element(table.name, select_fields(record, fields)) for record in page)
    return [data]


def get_dimensions(context: CallContext, body: etree._Element) -> list[etree._Element]:
    data = etree.Element("data")
    dimensions = add_child(data, "dimensions")
    for dimension in context.scenario.dimensions:
        item = add_child(dimensions, "dimension")
        add_child(item, "objectName", dimension.object_name)
        add_child(item, "objectLabel", dimension.label)
        add_child(item, "termLabel", dimension.label)
        add_child(item, "userDefinedDimension", "true" if dimension.user_defined else "false")
        add_child(item, "enabledInGL", "true")
    return [data]


def get_list(context: CallContext, body: etree._Element) -> list[etree._Element]:
    object_name = body.get("object")
    rows: list[dict[str, str]]
    if object_name == "supdocfolder":
        rows = [_folder_row(folder) for folder in context.state.folders.values()]
    elif object_name == "supdoc":
        rows = [_attachment_row(attachment) for attachment in context.state.attachments.values()]
    else:
        raise FunctionFailed(unsupported(f"get_list object {object_name!r}"))
    filter_node = body.find("filter")
    if filter_node is not None:
        keep = legacy_filter(filter_node)
        rows = [row for row in rows if keep(row)]
    # The bounds of an empty legacy list are unconfirmed; end never goes below start here.
    listtype = etree.Element("listtype", start="0", end=str(max(len(rows) - 1, 0)), total=str(len(rows)))
    listtype.text = object_name
    data = etree.Element("data")
    for row in rows:
        item = add_child(data, object_name)
        for tag, value in row.items():
            add_child(item, tag, value)
    return [listtype, data]


def _readable_table(context: CallContext, object_name: str, operation: str) -> Table:
    table = scenario_table(context.scenario, object_name)
    if table is None:
        raise FunctionFailed(
            GatewayError("Query Failed", description2=f"Object definition {object_name.strip()} not found")
        )
    if table.name in context.scenario.not_offered_objects:
        raise FunctionFailed(
            GatewayError(
                "PL04000005",
                description2=f"API operation '{operation}' cannot be performed on objects of type {table.name.lower()}",
            )
        )
    if table.name in context.scenario.disabled_objects:
        raise FunctionFailed(
            GatewayError("PL04000005", description2="This feature is disabled for your company or your current user")
        )
    if not table.readable:
        # The description2 text is real (a recorded refusal); that errorno PL04000005 comes with it is unconfirmed.
        raise FunctionFailed(
            GatewayError(
                "PL04000005",
                description2=f"You do not have permission for API operation {operation}"
                f" on objects of type {table.name.lower()}",
            )
        )
    return table


def _page_size(text: str | None, *, default: int, limit: int, minimum: int = 1) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        value = default
    return max(minimum, min(value, limit))


def _folder_row(folder: Folder) -> dict[str, str]:
    created = folder.created.strftime("%m/%d/%Y")
    return {
        "name": folder.name,
        "description": folder.description,
        "parentfolder": folder.parent,
        "creationdate": created,
        "createdby": folder.created_by,
        "lastmodified": created,
        "lastmodifiedby": folder.created_by,
        "status": "active",
    }


def _attachment_row(attachment: Attachment) -> dict[str, str]:
    # As in a recorded get_list supdoc answer (without the attachment's files).
    return {
        "recordno": str(attachment.record_no),
        "supdocid": attachment.supdoc_id,
        "supdocname": attachment.name,
        "folder": attachment.folder,
        "description": "",
        "creationdate": attachment.created.strftime("%m/%d/%Y"),
        "createdby": attachment.created_by,
    }
