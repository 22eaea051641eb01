"""Intacct's XML gateway (dtdversion 3.0) as pure logic: request bytes in, HTTP status and body out.

Levels and texts follow API-NOTES §2, §7 and §8 and the real-format samples: a request is checked
for well-formedness and schema, then the control block (sender credentials), then each operation's
authentication, then each function independently. Texts marked "unconfirmed" are this simulator's
choice where no public real response was found.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hmac
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NoReturn, cast

from lxml import etree

from .scenario import GLAccount, Scenario, User

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
DEFAULT_ENDPOINT = "http://127.0.0.1/ia/xml/xmlgw.phtml"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

AuthKind = Literal["login", "session", "none"]
READ_PREFIXES = ("read", "get")
READ_FUNCTIONS = frozenset({"query", "lookup", "inspect"})


def is_write(function: str) -> bool:
    """Whatever is not known to read is logged as a write, so "no write reached Intacct" means exactly that."""
    lowered = function.lower()
    return not (lowered in READ_FUNCTIONS or lowered.startswith(READ_PREFIXES))


# A compiled schema keeps its error log on the object, and it is shared by every gateway in the process.
_SCHEMA_LOCK = threading.Lock()


def safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers must not be shared between server threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load_schema(path: str | os.PathLike[str]) -> etree.XMLSchema:
    """Compile the request XSD once per process (it is 500 KB)."""
    return _compile_schema(os.path.realpath(path))


@functools.lru_cache(maxsize=4)
def _compile_schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


# ---------------------------------------------------------------------------------------------------
# What goes out


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    body: bytes
    content_type: str = XML_CONTENT_TYPE

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("Content-Type", self.content_type), ("Content-Length", str(len(self.body))))


@dataclass(frozen=True)
class GatewayError:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


def serialize(root: etree._Element, *, pretty: bool = True) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=pretty)


def status_only_failure(errorno: str, description: str) -> bytes:
    """The newer gateway's failure body: a control block with only a status (401/429 samples)."""
    response = etree.Element("response")
    _sub(etree.SubElement(response, "control"), "status", "failure")
    error = etree.SubElement(etree.SubElement(response, "errormessage"), "error")
    _sub(error, "errorno", errorno)
    _sub(error, "description", description)
    return serialize(response)


def control_failure(errors: Sequence[GatewayError], control: Control | None = None) -> bytes:
    control = control or Control()
    response = etree.Element("response")
    response.append(_control_block("failure", control))
    response.append(_errormessage(errors))
    return serialize(response, pretty=control.pretty)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _errormessage(errors: Iterable[GatewayError]) -> etree._Element:
    message = etree.Element("errormessage")
    for error in errors:
        item = _sub(message, "error")
        for field in dataclasses.fields(GatewayError):
            _sub(item, field.name, getattr(error, field.name))
    return message


# ---------------------------------------------------------------------------------------------------
# The request log


@dataclass(frozen=True)
class RequestSummary:
    """Who sent a request and what it asked for, as far as it could be read."""

    auth_kind: AuthKind = "none"
    sender_id: str | None = None
    user_id: str | None = None
    company_id: str | None = None
    functions: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[str, ...]:
        return tuple(name for name in self.functions if is_write(name))

    def record(self, http_status: int | None, raw: bytes) -> RequestRecord:
        return RequestRecord(
            auth_kind=self.auth_kind,
            sender_id=self.sender_id,
            user_id=self.user_id,
            company_id=self.company_id,
            functions=self.functions,
            writes=self.writes,
            http_status=http_status,
            raw=raw,
        )


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator received it; ``http_status`` is None when no response was sent."""

    auth_kind: AuthKind
    sender_id: str | None
    user_id: str | None
    company_id: str | None
    functions: tuple[str, ...]
    writes: tuple[str, ...]
    http_status: int | None
    # Carries passwords: kept for schema assertions, never shown in a repr or a pytest diff.
    raw: bytes = dataclasses.field(repr=False, compare=False)


class RequestLog:
    """Thread-safe, append-only (until cleared) list of every request received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._records)

    @property
    def records(self) -> tuple[RequestRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records)


# ---------------------------------------------------------------------------------------------------
# The company's mutable side: attachments, folders, sessions


@dataclass(frozen=True)
class Attachment:
    supdoc_id: str
    name: str
    folder: str


@dataclass(frozen=True)
class _Folder:
    name: str
    description: str
    parent: str
    created: date
    created_by: str


@dataclass(frozen=True)
class _Identity:
    user: User
    company_id: str
    location_id: str


@dataclass
class _State:
    folders: dict[str, _Folder]
    attachments: dict[str, Attachment]
    sessions: dict[str, _Identity]
    next_attachment: int = 1

    def copy(self) -> _State:
        return dataclasses.replace(
            self, folders=dict(self.folders), attachments=dict(self.attachments), sessions=dict(self.sessions)
        )


# ---------------------------------------------------------------------------------------------------
# Reading the request


@dataclass(frozen=True)
class Control:
    sender_id: str = ""
    password: str = ""
    control_id: str = ""
    unique_id: str = "false"
    dtd_version: str = "3.0"
    pretty: bool = True

    @classmethod
    def read(cls, root: etree._Element | None) -> Control:
        control = root.find("control") if root is not None else None
        if control is None:
            return cls()
        return cls(
            sender_id=control.findtext("senderid", ""),
            password=control.findtext("password", ""),
            control_id=control.findtext("controlid", ""),
            unique_id=control.findtext("uniqueid", "false"),
            dtd_version=control.findtext("dtdversion", "3.0"),
            pretty=control.findtext("includewhitespace", "true").strip().lower() not in ("false", "0"),
        )


def _control_block(status: str, control: Control) -> etree._Element:
    block = etree.Element("control")
    _sub(block, "status", status)
    _sub(block, "senderid", control.sender_id)
    _sub(block, "controlid", control.control_id)
    _sub(block, "uniqueid", control.unique_id)
    _sub(block, "dtdversion", control.dtd_version)
    return block


class _Rejected(Exception):
    """The whole request fails at the control level."""

    def __init__(self, *errors: GatewayError) -> None:
        super().__init__(errors)
        self.errors = errors


class _Replaced(Exception):
    """The gateway answers with this response instead of an Intacct envelope (e.g. HTTP 401)."""

    def __init__(self, response: GatewayResponse) -> None:
        super().__init__(response.status)
        self.response = response


class _AuthFailed(Exception):
    def __init__(self, user_id: str, company_id: str, error: GatewayError) -> None:
        super().__init__(error.description2)
        self.user_id = user_id
        self.company_id = company_id
        self.error = error


class _Failed(Exception):
    """One function fails; the others in the operation are unaffected."""

    def __init__(self, error: GatewayError) -> None:
        super().__init__(error.description2)
        self.error = error


def _libxml_errors(log: Iterable[etree._LogEntry], limit: int = 5) -> list[GatewayError]:
    # Same wording as the real gateway, which also reports libxml2's messages (sample xml-parse-error).
    errors = []
    for entry in list(log)[:limit]:
        level = "Fatal Error" if entry.level_name == "FATAL" else "Error"
        errors.append(
            GatewayError(
                "XL03000003",
                description2=f"XML Parse schema error: {level} {entry.type}: {entry.message.rstrip('.')}."
                f" Line: {entry.line}, column: {entry.column}.",
            )
        )
    return errors


def _function_calls(operation: etree._Element) -> Iterator[tuple[str, str, etree._Element]]:
    """(function name, controlid, function element) for each function of an operation, in order."""
    for function in operation.iterfind("content/function"):
        body = next(iter(function.iterchildren(tag=etree.Element)), None)
        yield (body.tag if body is not None else "", function.get("controlid", ""), function)


def _texts(element: etree._Element | None, *tags: str) -> tuple[str, ...]:
    return tuple((element.findtext(tag, "") if element is not None else "").strip() for tag in tags)


# ---------------------------------------------------------------------------------------------------
# The gateway


class Gateway:
    """One simulated company behind Intacct's XML gateway. Thread-safe."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        schema: etree.XMLSchema | str | os.PathLike[str] | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        support_ids: bool = True,
        fail_deletes: bool = False,
        session_duration: timedelta = timedelta(hours=6),
    ) -> None:
        self.scenario = scenario
        self.schema = schema if isinstance(schema, etree.XMLSchema) or schema is None else load_schema(schema)
        self.endpoint = endpoint
        self.support_ids = support_ids
        self.fail_deletes = fail_deletes
        self.session_duration = session_duration
        self.log = RequestLog()
        self._lock = threading.RLock()
        today = date.today()
        self._state = _State(
            folders={name: _Folder(name, "", "", today, "Admin") for name in scenario.supdoc_folders},
            attachments={},
            sessions={},
        )

    # -- observable company state (for tests asserting that probes clean up after themselves)

    @property
    def folder_names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._state.folders)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        with self._lock:
            return tuple(self._state.attachments.values())

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._state.sessions)

    # -- entry points

    def handle(self, body: bytes, *, fail_deletes: bool = False) -> GatewayResponse:
        """Process one request and log it (for use without the HTTP server)."""
        response, summary = self.process(body, fail_deletes=fail_deletes)
        self.log.append(summary.record(response.status, body))
        return response

    def process(self, body: bytes, *, fail_deletes: bool = False) -> tuple[GatewayResponse, RequestSummary]:
        """The response to one request and who sent it; the caller logs it with the status it sends."""
        with self._lock:
            root: etree._Element | None = None
            try:
                root = self._parse(body)
                summary = self._summarize(root)
                return self._respond(root, fail_deletes or self.fail_deletes), summary
            except _Rejected as rejected:
                control = Control.read(root)
                return GatewayResponse(200, control_failure(rejected.errors, control)), self._summarize(root)

    def summarize(self, body: bytes) -> RequestSummary:
        """Who sent a request that will not be processed (e.g. a fault answers it)."""
        try:
            root = etree.fromstring(body, safe_parser())
        except (etree.XMLSyntaxError, ValueError):
            return RequestSummary()
        with self._lock:
            return self._summarize(root)

    # -- level 1: well-formed, no DOCTYPE, valid

    def _parse(self, body: bytes) -> etree._Element:
        try:
            root = etree.fromstring(body, safe_parser())
        except (etree.XMLSyntaxError, ValueError) as exc:
            log = cast(Iterable[etree._LogEntry], exc.error_log) if isinstance(exc, etree.XMLSyntaxError) else ()
            fallback = GatewayError("XL03000003", description2=f"XML Parse schema error: {exc}")
            raise _Rejected(*(_libxml_errors(log) or [fallback])) from exc
        # lxml-stubs lack DocInfo.doctype; it is "" when the document has no DOCTYPE.
        if getattr(root.getroottree().docinfo, "doctype", ""):
            # Unconfirmed wording: the simulator refuses any DTD so entity tricks never reach parsing.
            raise _Rejected(GatewayError("XL03000003", description2="XML Parse schema error: DOCTYPE is not allowed."))
        if self.schema is not None:
            with _SCHEMA_LOCK:
                valid = self.schema.validate(root)
                errors = _libxml_errors(cast(Iterable[etree._LogEntry], self.schema.error_log))
            if not valid:
                raise _Rejected(*errors)
        if root.tag != "request" or root.find("control") is None:
            raise _Rejected(
                GatewayError("XL03000003", description2="XML Parse schema error: the root must be <request>.")
            )
        return root

    def _summarize(self, root: etree._Element | None) -> RequestSummary:
        if root is None:
            return RequestSummary()
        auth = root.find("operation/authentication")
        login = auth.find("login") if auth is not None else None
        session_id = auth.findtext("sessionid") if auth is not None else None
        kind: AuthKind = "none"
        user_id = company_id = None
        if login is not None:
            kind = "login"
            user_id, company_id = login.findtext("userid"), login.findtext("companyid")
        elif session_id is not None:
            kind = "session"
            identity = self._state.sessions.get(session_id.strip())
            if identity is not None:
                user_id, company_id = identity.user.login_id, identity.company_id
        return RequestSummary(
            auth_kind=kind,
            sender_id=root.findtext("control/senderid"),
            user_id=user_id,
            company_id=company_id,
            functions=tuple(
                name for operation in root.iterfind("operation") for name, _, _ in _function_calls(operation)
            ),
        )

    # -- level 2: control

    def _respond(self, root: etree._Element, fail_deletes: bool) -> GatewayResponse:
        control = Control.read(root)
        expected = self.scenario.senders.get(control.sender_id)
        if expected is None or not hmac.compare_digest(expected.encode(), control.password.encode()):
            raise _Rejected(
                GatewayError("XL03000006", description2=self._support("Incorrect Intacct XML Partner ID or password."))
            )
        response = etree.Element("response")
        response.append(_control_block("success", control))
        try:
            for operation in root.iterfind("operation"):
                response.append(self._operation(operation, control, fail_deletes))
        except _Replaced as replaced:
            return replaced.response
        return GatewayResponse(200, serialize(response, pretty=control.pretty))

    # -- level 3: authentication

    def _operation(self, operation: etree._Element, control: Control, fail_deletes: bool) -> etree._Element:
        block = etree.Element("operation")
        try:
            identity = self._authenticate(operation.find("authentication"), control.sender_id)
        except _AuthFailed as failed:
            auth = _sub(block, "authentication")
            _sub(auth, "status", "failure")
            _sub(auth, "userid", failed.user_id)
            _sub(auth, "companyid", failed.company_id)
            block.append(_errormessage([failed.error]))
            return block
        now = datetime.now(UTC).astimezone()
        auth = _sub(block, "authentication")
        _sub(auth, "status", "success")
        _sub(auth, "userid", identity.user.login_id)
        _sub(auth, "companyid", identity.company_id)
        _sub(auth, "locationid", identity.location_id)
        _sub(auth, "sessiontimestamp", now.isoformat(timespec="seconds"))
        _sub(auth, "sessiontimeout", (now + self.session_duration).isoformat(timespec="seconds"))
        transaction = operation.get("transaction", "false") == "true"
        for result in self._run(list(_function_calls(operation)), identity, transaction, fail_deletes):
            block.append(result)
        return block

    def _authenticate(self, auth: etree._Element | None, sender_id: str) -> _Identity:
        login = auth.find("login") if auth is not None else None
        if login is not None:
            user_id, company_id, password, location_id = _texts(login, "userid", "companyid", "password", "locationid")
            return self._login(sender_id, user_id, company_id, password, location_id)
        session_id = (auth.findtext("sessionid", "") if auth is not None else "").strip()
        identity = self._state.sessions.get(session_id)
        if identity is None:
            # Real text continues after "Invalid session" (sample session-invalid.xml is truncated).
            raise _AuthFailed("", "", GatewayError("XL03000006", description2=self._support("Invalid session")))
        self._company_gate(sender_id, identity.user.login_id, identity.company_id)
        return identity

    def _login(self, sender_id: str, user_id: str, company_id: str, password: str, location_id: str) -> _Identity:
        if company_id != self.scenario.company_id:
            self._signin_incorrect(user_id, company_id)
        self._company_gate(sender_id, user_id, company_id)
        user = self.scenario.user(user_id)
        if (
            user is None
            or not hmac.compare_digest(user.password.encode(), password.encode())
            or user.status != "active"
        ):
            self._signin_incorrect(user_id, company_id)
        # Inferred: a user owned by an entity works inside that entity even when no locationid is sent.
        return _Identity(user, company_id, location_id or user.entity or "")

    def _company_gate(self, sender_id: str, user_id: str, company_id: str) -> None:
        scenario = self.scenario
        if not scenario.web_services_subscribed:
            # Level and errorno unconfirmed (API-NOTES §2); the scenario picks the level.
            error = GatewayError(
                "XL03000006",
                description2=self._support(
                    "This company is not authorized for XML transactions. Please subscribe to the XML Gateway."
                ),
            )
            if scenario.web_services_off_level == "control":
                raise _Rejected(error)
            raise _AuthFailed(user_id, company_id, error)
        authorized = scenario.authorized_sender(sender_id)
        if authorized is None or authorized.status != "active":
            raise _AuthFailed(
                user_id,
                company_id,
                GatewayError(
                    "XL03000006",
                    description="Invalid Web Services Authorization",
                    description2=self._support(
                        f"The sender ID '{sender_id}' is not authorized to make Web Services requests"
                        f" to company ID '{company_id}'."
                    ),
                    correction="Contact the company administrator to grant Web Services authorization"
                    " to this sender ID.",
                ),
            )

    def _signin_incorrect(self, user_id: str, company_id: str) -> NoReturn:
        if self.scenario.signin_failure_style == "gateway401":
            body = status_only_failure("XMLGW_JPP0002", "Sign-in information is incorrect. Please check your request.")
            raise _Replaced(GatewayResponse(401, body))
        raise _AuthFailed(
            user_id,
            company_id,
            GatewayError("XL03000006", description2=self._support("Sign-in information is incorrect")),
        )

    def _support(self, text: str) -> str:
        return f"{text} [Support ID: {secrets.token_urlsafe(18)}]" if self.support_ids else text

    # -- level 4: functions

    def _run(
        self,
        calls: Sequence[tuple[str, str, etree._Element]],
        identity: _Identity,
        transaction: bool,
        fail_deletes: bool,
    ) -> list[etree._Element]:
        before = self._state.copy() if transaction else None
        outcomes = [
            (name, control_id, self._call(name, function, identity, fail_deletes))
            for name, control_id, function in calls
        ]
        rolled_back = before is not None and any(isinstance(outcome, GatewayError) for _, _, outcome in outcomes)
        if before is not None and rolled_back:
            self._state = before
        return [_result(name, control_id, outcome, rolled_back) for name, control_id, outcome in outcomes]

    def _call(
        self, name: str, function: etree._Element, identity: _Identity, fail_deletes: bool
    ) -> list[etree._Element] | GatewayError:
        try:
            return _Call(self, identity, fail_deletes).run(name, function)
        except _Failed as failed:
            return failed.error


def _result(
    name: str, control_id: str, outcome: list[etree._Element] | GatewayError, rolled_back: bool
) -> etree._Element:
    result = etree.Element("result")
    if isinstance(outcome, GatewayError):
        status, errors = "failure", [outcome]
    else:
        status, errors = ("aborted" if rolled_back else "success"), []
    _sub(result, "status", status)
    _sub(result, "function", name)
    _sub(result, "controlid", control_id)
    if rolled_back:
        errors.append(_ROLLED_BACK)
    if errors:
        result.append(_errormessage(errors))
    elif not isinstance(outcome, GatewayError):
        result.extend(outcome)
    return result


_ROLLED_BACK = GatewayError(
    "XL03000009",
    description2="The entire transaction in this operation has been rolled back due to an error.",
)


# ---------------------------------------------------------------------------------------------------
# Tables: what the read functions see


@dataclass(frozen=True)
class _Record:
    fields: tuple[tuple[str, str], ...]
    # CONTACTINFO.EMAIL1 comes back nested or flat; the real path is unconfirmed (API-NOTES §3).
    nested: bool = True

    def value(self, name: str) -> str | None:
        return next((value for path, value in self.fields if path == name), None)


@dataclass(frozen=True)
class _Table:
    name: str
    records: tuple[_Record, ...]
    # None: the simulator has no rows and no field catalogue for this object, so any field is accepted.
    fields: tuple[str, ...] | None
    key_field: str | None
    readable: bool = True


_USER_FIELDS = (
    "RECORDNO", "LOGINID", "USERTYPE", "DESCRIPTION", "ADMIN", "STATUS", "LOGINDISABLED",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME", "CONTACTINFO.EMAIL1",
)  # fmt: skip
_GL_FIELDS = (
    "RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS",
    "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME",
)  # fmt: skip

# Legacy readByQuery strings use one-letter codes for some enums (API-NOTES §3, §4).
_QUERY_CODES: Mapping[str, Mapping[str, str]] = {
    "USERTYPE": {
        "B": "business user", "E": "employee user", "R": "view only user", "D": "dashboard user",
        "P": "project manager user", "C": "construction manager user", "A": "payment approver",
        "T": "platform user", "S": "CRM user", "H": "warehouse user",
    },
    "ACCOUNTTYPE": {"N": "balancesheet", "I": "incomestatement"},
    "STATUS": {"T": "active", "F": "inactive"},
}  # fmt: skip


def _user_record(index: int, user: User, entity_keys: Mapping[str, str]) -> _Record:
    entity = user.entity or ""
    values = (
        str(index + 1), user.login_id, user.user_type, "", user.admin, user.status,
        "true" if user.login_disabled else "false", entity_keys.get(entity, ""), entity, entity,
        user.email or "",
    )  # fmt: skip
    return _Record(tuple(zip(_USER_FIELDS, values, strict=True)), nested=user.email_shape == "nested")


def _gl_record(index: int, account: GLAccount) -> _Record:
    values = (
        str(index + 1), account.account_no, account.title, account.normal_balance, account.account_type,
        account.status, "", "", "",
    )  # fmt: skip
    return _Record(tuple(zip(_GL_FIELDS, values, strict=True)))


def _table(scenario: Scenario, object_name: str) -> _Table | None:
    name = object_name.strip().upper()
    if name == "USERINFO":
        entities = sorted({user.entity for user in scenario.users if user.entity})
        keys = {entity: str(index + 1) for index, entity in enumerate(entities)}
        records = tuple(_user_record(i, user, keys) for i, user in enumerate(scenario.users))
        return _Table(name, records, _USER_FIELDS, "LOGINID")
    if name == "GLACCOUNT":
        records = tuple(_gl_record(i, account) for i, account in enumerate(scenario.gl_accounts))
        return _Table(name, records, _GL_FIELDS, "ACCOUNTNO")
    if name in ("ROLEUSERS", "USERROLES"):
        login_field = "USERLOGINID" if name == "ROLEUSERS" else "USERID"
        records = tuple(
            _Record(((login_field, user.login_id), ("ROLENAME", role)))
            for user in scenario.users
            for role in user.roles
        )
        return _Table(name, records, (login_field, "ROLENAME"), None)
    dimension = scenario.dimension(name)
    if dimension is not None:
        return _Table(name, (), None, "ID", readable=dimension.readable)
    return None


def _selects(field: str, path: str) -> bool:
    """A requested field names a path itself or its parent (CONTACTINFO selects CONTACTINFO.EMAIL1)."""
    field = field.upper()
    return path == field or path.startswith(field + ".")


def _select(record: _Record, fields: Sequence[str] | None) -> _Record:
    if fields is None:
        return record
    kept = tuple((path, value) for path, value in record.fields if any(_selects(f, path) for f in fields))
    return dataclasses.replace(record, fields=kept)


def _check_fields(table: _Table, fields: Sequence[str] | None) -> None:
    if fields is None or table.fields is None:
        return
    unknown = [f for f in fields if not any(_selects(f, path) for path in table.fields)]
    if unknown:
        # Unconfirmed: the public fixture only shows a placeholder ("Invalid fields list x").
        raise _Failed(GatewayError("BL01001973", description2=f"Invalid fields list {','.join(unknown)}"))


def _record_element(tag: str, record: _Record) -> etree._Element:
    element = etree.Element(tag)
    for path, value in record.fields:
        parent_tag, dot, leaf = path.partition(".")
        if dot and record.nested:
            parent = element.find(parent_tag)
            if parent is None:
                parent = _sub(element, parent_tag)
            _sub(parent, leaf, value)
        else:
            _sub(element, path, value)
    return element


def _fields_list(text: str | None) -> list[str] | None:
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    return None if not names or "*" in names else names


def _like(actual: str | None, pattern: str) -> bool:
    return fnmatch.fnmatchcase(actual or "", pattern.replace("%", "*").replace("_", "?"))


def _matches(field: str, expected: str, actual: str | None) -> bool:
    if actual is None:
        return False
    return actual == expected or _QUERY_CODES.get(field, {}).get(expected) == actual


Predicate = Callable[[_Record], bool]


def _everything(record: _Record) -> bool:
    return True


# ---------------------------------------------------------------------------------------------------
# readByQuery query strings: FIELD = 'value' joined with AND / OR, parentheses


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><>|!=|=)|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d+(?:\.\d+)?))"
)


class _QueryError(Exception):
    pass


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.lastgroup is None:
            raise _QueryError(f"unexpected text at position {position}: {query[position : position + 20]!r}")
        kind, text = match.lastgroup, match.group(match.lastgroup)
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "word" and text.upper() in ("AND", "OR", "LIKE"):
            kind, text = text.upper(), text.upper()
        tokens.append((kind, text))
        position = match.end()
    return tokens


class _QueryParser:
    """expr := term (OR term)* ; term := factor (AND factor)* ; factor := '(' expr ')' | FIELD op value."""

    def __init__(self, query: str, table: _Table) -> None:
        self._tokens = _tokens(query)
        self._position = 0
        self._table = table

    def parse(self) -> Predicate:
        if not self._tokens:
            return _everything
        predicate = self._expression()
        if self._position != len(self._tokens):
            raise _QueryError(f"unexpected {self._tokens[self._position][1]!r}")
        return predicate

    def _next(self) -> tuple[str, str]:
        if self._position >= len(self._tokens):
            raise _QueryError("unexpected end of query")
        token = self._tokens[self._position]
        self._position += 1
        return token

    def _peek(self) -> str | None:
        return self._tokens[self._position][0] if self._position < len(self._tokens) else None

    def _expression(self) -> Predicate:
        terms = [self._term()]
        while self._peek() == "OR":
            self._next()
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else lambda record: any(term(record) for term in terms)

    def _term(self) -> Predicate:
        factors = [self._factor()]
        while self._peek() == "AND":
            self._next()
            factors.append(self._factor())
        return factors[0] if len(factors) == 1 else lambda record: all(f(record) for f in factors)

    def _factor(self) -> Predicate:
        kind, text = self._next()
        if kind == "paren" and text == "(":
            inner = self._expression()
            if self._next() != ("paren", ")"):
                raise _QueryError("missing ')'")
            return inner
        if kind != "word":
            raise _QueryError(f"expected a field name, got {text!r}")
        field = text.upper()
        if self._table.fields is not None and field not in self._table.fields:
            raise _QueryError(f"unknown field {text}")
        operator_kind, operator = self._next()
        value_kind, value = self._next()
        if operator_kind not in ("op", "LIKE") or value_kind not in ("string", "number"):
            raise _QueryError(f"expected FIELD = 'value' after {text}")
        if operator == "LIKE":
            return lambda record: _like(record.value(field), value)
        if operator == "=":
            return lambda record: _matches(field, value, record.value(field))
        return lambda record: not _matches(field, value, record.value(field))


# ---------------------------------------------------------------------------------------------------
# query filters: <equalto>, <in>, <and>, <or> ...


def _filter_predicate(node: etree._Element, table: _Table, casefold: bool) -> Predicate:
    tag = node.tag
    children = [child for child in node.iterchildren(tag=etree.Element)]
    if tag in ("and", "or"):
        parts = [_filter_predicate(child, table, casefold) for child in children]
        combine = all if tag == "and" else any
        return lambda record: combine(part(record) for part in parts)
    field = (node.findtext("field") or "").strip().upper()
    if table.fields is not None and field not in table.fields:
        raise _Failed(_query_error(f"unknown field {field} in filter"))
    values = [child.text or "" for child in children if child.tag == "value"]
    fold: Callable[[str], str] = str.casefold if casefold else str

    def actual(record: _Record) -> str | None:
        value = record.value(field)
        return None if value is None else fold(value)

    wanted = [fold(value) for value in values] or [""]
    tests: dict[str, Predicate] = {
        "equalto": lambda r: actual(r) in wanted[:1],
        "notequalto": lambda r: actual(r) not in wanted[:1],
        "in": lambda r: actual(r) in wanted,
        "notin": lambda r: actual(r) not in wanted,
        "like": lambda r: _like(actual(r), wanted[0]),
        "notlike": lambda r: not _like(actual(r), wanted[0]),
        "isnull": lambda r: not actual(r),
        "isnotnull": lambda r: bool(actual(r)),
    }
    if tag not in tests:
        raise _Failed(_unsupported(f"query filter <{tag}>"))
    return tests[tag]


def _legacy_filter(node: etree._Element) -> Callable[[Mapping[str, str]], bool]:
    """get_list <filter>: <expression> and <logical logical_operator="and|or"> trees."""
    if node.tag in ("filter", "logical"):
        parts = [_legacy_filter(child) for child in node.iterchildren(tag=etree.Element)]
        combine = any if node.get("logical_operator") == "or" else all
        return lambda row: combine(part(row) for part in parts)
    field, operator, value = _texts(node, "field", "operator", "value")
    field = field.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda actual: actual == value,
        "!=": lambda actual: actual != value,
        "<>": lambda actual: actual != value,
        "like": lambda actual: _like(actual, value),
    }
    test = tests.get(operator.lower())
    if test is None:
        raise _Failed(_unsupported(f"get_list operator {operator!r}"))
    return lambda row: field in row and test(row[field])


def _query_error(detail: str) -> GatewayError:
    # errorno as in the real unknown-object failure; the detail wording is the simulator's.
    return GatewayError("Query Failed", description2=f"Invalid query: {detail}")


def _unsupported(what: str) -> GatewayError:
    # No public text for an unsupported call; a business-layer error shape is the plausible reply.
    return GatewayError("BL03000018", description2=f"{what} is not supported")


# ---------------------------------------------------------------------------------------------------
# The functions


class _Call:
    """One function call in an authenticated operation."""

    def __init__(self, gateway: Gateway, identity: _Identity, fail_deletes: bool) -> None:
        self._gateway = gateway
        self._scenario = gateway.scenario
        self._state = gateway._state
        self._identity = identity
        self._fail_deletes = fail_deletes

    def run(self, name: str, function: etree._Element) -> list[etree._Element]:
        handler = _HANDLERS.get(name)
        if handler is None:
            raise _Failed(_unsupported(f"Function {name or '(empty)'}"))
        body = next(function.iterchildren(tag=etree.Element))
        return handler(self, body)

    def _readable_table(self, object_name: str, operation: str) -> _Table:
        table = _table(self._scenario, object_name)
        if table is None:
            raise _Failed(
                GatewayError("Query Failed", description2=f"Object definition {object_name.strip()} not found")
            )
        if not table.readable:
            # errorno PL04000005 is unconfirmed (API-NOTES §8); the description2 substring is real.
            raise _Failed(
                GatewayError(
                    "PL04000005",
                    description2=f"You do not have permission for API operation {operation}"
                    f" on objects of type {table.name.lower()}",
                )
            )
        return table

    def get_api_session(self, body: etree._Element) -> list[etree._Element]:
        location = body.findtext("locationid")
        identity = dataclasses.replace(
            self._identity, location_id=self._identity.location_id if location is None else location.strip()
        )
        session_id = secrets.token_urlsafe(24) + ".."
        self._state.sessions[session_id] = identity
        data = etree.Element("data")
        api = _sub(data, "api")
        _sub(api, "sessionid", session_id)
        _sub(api, "endpoint", self._gateway.endpoint)
        _sub(api, "locationid", identity.location_id)
        return [data]

    def read_by_name(self, body: etree._Element) -> list[etree._Element]:
        table = self._readable_table(body.findtext("object", ""), "READ_BY_NAME")
        fields = _fields_list(body.findtext("fields"))
        _check_fields(table, fields)
        if table.key_field is None:
            raise _Failed(_unsupported(f"readByName on {table.name}"))
        keys = [key.strip() for key in body.findtext("keys", "").split(",") if key.strip()]
        found = [record for key in keys for record in table.records if record.value(table.key_field) == key]
        data = etree.Element("data", listtype=table.name, count=str(len(found)))
        data.extend(_record_element(table.name, _select(record, fields)) for record in found)
        return [data]

    def read_by_query(self, body: etree._Element) -> list[etree._Element]:
        table = self._readable_table(body.findtext("object", ""), "READ_BY_QUERY")
        fields = _fields_list(body.findtext("fields"))
        _check_fields(table, fields)
        try:
            predicate = _QueryParser(body.findtext("query", ""), table).parse()
        except _QueryError as exc:
            raise _Failed(_query_error(str(exc))) from exc
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
        data.extend(_record_element(tag, _select(record, fields)) for record in page)
        return [data]

    def query(self, body: etree._Element) -> list[etree._Element]:
        table = self._readable_table(body.findtext("object", ""), "QUERY")
        select = body.find("select")
        fields = [(f.text or "").strip() for f in (select if select is not None else []) if f.tag == "field"]
        if not fields:
            raise _Failed(_query_error("select at least one field"))
        _check_fields(table, fields)
        casefold = body.findtext("options/caseinsensitive", "false").strip() == "true"
        filter_node = body.find("filter")
        predicate: Predicate = _everything
        if filter_node is not None and len(filter_node):
            predicate = _filter_predicate(filter_node[0], table, casefold)
        matching = [record for record in table.records if predicate(record)]
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
        data.extend(_record_element(table.name, _select(record, fields)) for record in page)
        return [data]

    def get_dimensions(self, body: etree._Element) -> list[etree._Element]:
        data = etree.Element("data")
        dimensions = _sub(data, "dimensions")
        for dimension in self._scenario.dimensions:
            item = _sub(dimensions, "dimension")
            _sub(item, "objectName", dimension.object_name)
            _sub(item, "objectLabel", dimension.label)
            _sub(item, "termLabel", dimension.label)
            _sub(item, "userDefinedDimension", "true" if dimension.user_defined else "false")
            _sub(item, "enabledInGL", "true")
        return [data]

    def get_list(self, body: etree._Element) -> list[etree._Element]:
        if body.get("object") != "supdocfolder":
            raise _Failed(_unsupported(f"get_list object {body.get('object')!r}"))
        rows = [_folder_row(folder) for folder in self._state.folders.values()]
        filter_node = body.find("filter")
        if filter_node is not None:
            keep = _legacy_filter(filter_node)
            rows = [row for row in rows if keep(row)]
        # The bounds of an empty legacy list are unconfirmed; end never goes below start here.
        listtype = etree.Element("listtype", start="0", end=str(max(len(rows) - 1, 0)), total=str(len(rows)))
        listtype.text = "supdocfolder"
        data = etree.Element("data")
        for row in rows:
            item = _sub(data, "supdocfolder")
            for tag, value in row.items():
                _sub(item, tag, value)
        return [listtype, data]

    def create_supdocfolder(self, body: etree._Element) -> list[etree._Element]:
        name, description, parent = _texts(
            body, "supdocfoldername", "supdocfolderdescription", "supdocparentfoldername"
        )
        if name in self._state.folders:
            raise _Failed(
                GatewayError(
                    "BL34000061",
                    description2=f"Another Attachment Folder with the given value(s) {name} already exists",
                    correction="Use a unique value instead.",
                )
            )
        if parent and parent not in self._state.folders:
            raise _Failed(_missing_folder(parent))
        created_by = self._identity.user.login_id
        self._state.folders[name] = _Folder(name, description, parent, date.today(), created_by)
        return [_key(name)]

    def create_supdoc(self, body: etree._Element) -> list[etree._Element]:
        supdoc_id, name, folder = _texts(body, "supdocid", "supdocname", "supdocfoldername")
        if not supdoc_id:
            if not self._scenario.attachment_autonumbering:
                # Real errorno and text unconfirmed (API-NOTES §1); docs only say the id is then required.
                raise _Failed(GatewayError("BL01001973", description2="Attachment ID is required"))
            supdoc_id = f"ATT-{self._state.next_attachment:04d}"
            self._state.next_attachment += 1
        if supdoc_id in self._state.attachments:
            raise _Failed(
                GatewayError(
                    "BL34000061",
                    description2=f"Another Attachment with the given value(s) {supdoc_id} already exists",
                    correction="Use a unique value instead.",
                )
            )
        if folder not in self._state.folders:
            raise _Failed(_missing_folder(folder))
        self._state.attachments[supdoc_id] = Attachment(supdoc_id, name, folder)
        return [_key(supdoc_id)]

    def delete_supdoc(self, body: etree._Element) -> list[etree._Element]:
        key = body.get("key", "")
        if self._fail_deletes:
            raise _Failed(GatewayError("BL01001973", description2=f"Could not delete Attachment {key}"))
        if key not in self._state.attachments:
            # Unconfirmed wording.
            raise _Failed(GatewayError("BL01001973", description2=f"Attachment {key} does not exist"))
        del self._state.attachments[key]
        return [_key(key)]

    def delete_supdocfolder(self, body: etree._Element) -> list[etree._Element]:
        key = body.get("key", "")
        if self._fail_deletes:
            raise _Failed(GatewayError("BL01001973", description2=f"Could not delete Attachment Folder {key}"))
        if key not in self._state.folders:
            raise _Failed(_missing_folder(key))
        if any(attachment.folder == key for attachment in self._state.attachments.values()):
            # Unconfirmed: the simulator refuses to delete a folder that still holds attachments.
            raise _Failed(GatewayError("BL01001973", description2=f"Attachment Folder {key} contains attachments"))
        del self._state.folders[key]
        return [_key(key)]


_HANDLERS: Mapping[str, Callable[[_Call, etree._Element], list[etree._Element]]] = {
    "getAPISession": _Call.get_api_session,
    "readByName": _Call.read_by_name,
    "readByQuery": _Call.read_by_query,
    "query": _Call.query,
    "getDimensions": _Call.get_dimensions,
    "get_list": _Call.get_list,
    "create_supdocfolder": _Call.create_supdocfolder,
    "create_supdoc": _Call.create_supdoc,
    "delete_supdoc": _Call.delete_supdoc,
    "delete_supdocfolder": _Call.delete_supdocfolder,
}


def _page_size(text: str | None, *, default: int, limit: int, minimum: int = 1) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        value = default
    return max(minimum, min(value, limit))


def _key(value: str) -> etree._Element:
    key = etree.Element("key")
    key.text = value
    return key


def _missing_folder(name: str) -> GatewayError:
    # Unconfirmed wording.
    return GatewayError("BL01001973", description2=f"Attachment Folder {name or '(none)'} does not exist")


def _folder_row(folder: _Folder) -> dict[str, str]:
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
