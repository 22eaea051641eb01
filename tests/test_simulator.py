"""The Intacct gateway simulator, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from lxml.builder import E

from conftest import REPO, SCHEMA_PATH, sage_schema
from pytest_pex_intacct.simulator import (
    GATEWAY_PATH,
    Scenario,
    ScenarioError,
    SimulatorServer,
    connection_faults,
    faults,
    load_scenario,
    raw_scenario,
    scenario_names,
)

SENDER_SECRET = "sndr-Secret-7731-zq"
USER_SECRET = "usr-Secret-4417-kx"
SIGNIN_INCORRECT = "Sign-in information is incorrect"
NOT_SUBSCRIBED = "This company is not authorized for XML transactions. Please subscribe to the XML Gateway."


def company(name: str = "ready", edit: Callable[[dict[str, Any]], None] | None = None) -> Scenario:
    """A shipped scenario, optionally edited as a dict, with this file's distinctive passwords."""
    document = raw_scenario(name)
    if edit is not None:
        edit(document)
    return Scenario.from_dict(document).with_passwords(sender_password=SENDER_SECRET, user_password=USER_SECRET)


# -- building requests (every one validates against the v3.0 schema before it is sent)


def login(user: str = "pex_connector", company_id: str = "ACME", password: str = USER_SECRET) -> etree._Element:
    return E.login(E.userid(user), E.companyid(company_id), E.password(password))


def fn(controlid: str, body: etree._Element) -> etree._Element:
    return E.function(body, controlid=controlid)


def envelope(
    *functions: etree._Element,
    auth: etree._Element | None = None,
    sender: str = "PEX MPP",
    sender_password: str = SENDER_SECRET,
    transaction: bool = False,
    whitespace: bool = True,
) -> bytes:
    control = E.control(
        E.senderid(sender),
        E.password(sender_password),
        E.controlid("ctl-1"),
        E.uniqueid("false"),
        E.dtdversion("3.0"),
    )
    if not whitespace:
        control.append(E.includewhitespace("false"))
    operation = E.operation(E.authentication(auth if auth is not None else login()))
    operation.set("transaction", "true" if transaction else "false")
    if functions:
        operation.append(E.content(*functions))
    root = E.request(control, operation)
    sage_schema().assertValid(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def read_user(keys: str = "pex_connector", fields: str = "*") -> etree._Element:
    return fn("user", E.readByName(E.object("USERINFO"), E.keys(keys), E.fields(fields)))


def read_gl(query: str, fields: str = "*", pagesize: str = "100", obj: str = "GLACCOUNT") -> etree._Element:
    return fn("gl", E.readByQuery(E.object(obj), E.fields(fields), E.query(query), E.pagesize(pagesize)))


def roles(obj: str = "ROLEUSERS", field: str = "USERLOGINID", login_id: str = "pex_connector") -> etree._Element:
    select = E.select(E.field(field), E.field("ROLENAME"))
    where = E.filter(E.equalto(E.field(field), E.value(login_id)))
    return fn("roles", E.query(select, E.object(obj), where))


def parse(body: bytes) -> etree._Element:
    return etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))


def post(server: SimulatorServer, body: bytes, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("timeout", 5)
    return requests.post(server.url, data=body, headers={"Content-Type": "application/xml"}, **kwargs)


def call(server: SimulatorServer, *functions: etree._Element, **kwargs: Any) -> etree._Element:
    response = post(server, envelope(*functions, **kwargs))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    return parse(response.content)


def result(root: etree._Element, index: int = 0) -> etree._Element:
    return root.findall("operation/result")[index]


def attrs(element: etree._Element | None) -> dict[str, str]:
    assert element is not None
    return {str(name): str(value) for name, value in element.attrib.items()}


def error_text(root: etree._Element, path: str) -> dict[str, str]:
    error = root.find(path)
    assert error is not None
    return {child.tag: child.text or "" for child in error}


@pytest.fixture
def start(simulator: Callable[..., SimulatorServer]) -> Callable[..., SimulatorServer]:
    """The suite's simulator, by default on this file's company and without support IDs in its errors."""

    def _start(scenario: Scenario | None = None, **kwargs: Any) -> SimulatorServer:
        kwargs.setdefault("support_ids", False)
        return simulator(scenario or company(), **kwargs)

    return _start


@pytest.fixture
def sim(start: Callable[..., SimulatorServer]) -> SimulatorServer:
    return start()


# -- scenarios


def test_shipped_scenarios() -> None:
    assert set(scenario_names()) == {
        "ready", "misconfigured", "sender-inactive", "web-services-off", "user-in-entity", "udd-unreadable",
        "no-udds", "no-autonumbering", "gl-missing", "limited-admin", "no-email-flat", "misc-failures",
        "user-misconfigured", "email-secondary", "user-based-permissions", "user-based-empty-roles",
        "restricted-to-entity", "no-entity-fields", "read-refused", "udd-empty", "gl-lower-case",
        "user-based-system-roles", "system-role-only", "gl-read-not-offered", "udd-feature-disabled",
        "gl-statistical", "gl-private-to-entity",
    }  # fmt: skip
    for name in scenario_names():
        assert load_scenario(name).company_id == "ACME"
    misconfigured = load_scenario("misconfigured")
    assert [s.sender_id for s in misconfigured.authorized_senders] == ["pex mpp"]
    assert misconfigured.users[0].admin == "Limited" and misconfigured.users[0].roles == ()
    assert misconfigured.gl_accounts[0].normal_balance == "credit"


def test_load_scenario_by_path(tmp_path: Path) -> None:
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(raw_scenario("ready") | {"company_id": "OTHER"}))
    assert load_scenario(path).company_id == "OTHER"
    assert load_scenario(str(path)).company_id == "OTHER"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown key(s) 'colour'"),
        (lambda d: d["users"][0].update(nickname="x"), "users[0]: unknown key(s) 'nickname'"),
        (lambda d: d.update(web_services_subscribed="yes"), "'web_services_subscribed' must be bool"),
        (lambda d: d["users"][0].update(login_disabled=1), "'login_disabled' must be bool"),
        (lambda d: d.update(signin_failure_style="modern"), "must be one of legacy, gateway401"),
        (lambda d: d["authorized_senders"][0].update(status="on"), "must be one of active, inactive"),
        (lambda d: d.pop("company_id"), "missing key 'company_id'"),
        (lambda d: d.update(supdoc_folders=[1]), "supdoc_folders[0] must be str"),
        (lambda d: d["dimensions"][1].update(readable=None), "'readable' must be bool"),
    ],
)
def test_scenario_validation(edit: Callable[[dict[str, Any]], object], message: str) -> None:
    document = raw_scenario("ready")
    edit(document)
    with pytest.raises(ScenarioError, match="^scenario: .*" + re.escape(message)):
        Scenario.from_dict(document)


def test_unknown_scenario_name() -> None:
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope' \(shipped: .*ready"):
        load_scenario("nope")


def test_passwords_replaced_and_never_in_repr() -> None:
    scenario = company()
    assert dict(scenario.senders) == {"PEX MPP": SENDER_SECRET}
    assert scenario.users[0].password == USER_SECRET
    assert SENDER_SECRET not in repr(scenario) and USER_SECRET not in repr(scenario)


# -- sign-in outcomes


def test_ready_signs_in_at_top_level(sim: SimulatorServer) -> None:
    root = call(sim, read_user())
    assert root.findtext("control/status") == "success"
    assert root.findtext("control/senderid") == "PEX MPP"
    assert root.findtext("control/controlid") == "ctl-1"
    auth = root.find("operation/authentication")
    assert auth is not None
    assert [child.tag for child in auth] == [
        "status", "userid", "companyid", "locationid", "sessiontimestamp", "sessiontimeout",
    ]  # fmt: skip
    assert auth.findtext("status") == "success"
    assert auth.findtext("userid") == "pex_connector"
    assert auth.findtext("locationid") == ""


@pytest.mark.parametrize("name", ["misconfigured", "sender-inactive"])
def test_sender_not_authorized(start: Callable[..., SimulatorServer], name: str) -> None:
    root = call(start(company(name)), read_user())
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.find("operation/result") is None
    assert error_text(root, "operation/errormessage/error") == {
        "errorno": "XL03000006",
        "description": "Invalid Web Services Authorization",
        "description2": "The sender ID 'PEX MPP' is not authorized to make Web Services requests to company ID 'ACME'.",
        "correction": "Contact the company administrator to grant Web Services authorization to this sender ID.",
    }


def test_web_services_off_at_authentication_level(start: Callable[..., SimulatorServer]) -> None:
    root = call(start(company("web-services-off")), read_user())
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/description2") == NOT_SUBSCRIBED


def test_web_services_off_at_control_level(start: Callable[..., SimulatorServer]) -> None:
    scenario = company("web-services-off", lambda d: d.update(web_services_off_level="control"))
    root = call(start(scenario), read_user())
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    assert error_text(root, "errormessage/error")["errorno"] == "XL03000006"
    assert root.findtext("errormessage/error/description2") == NOT_SUBSCRIBED


@pytest.mark.parametrize(
    "auth",
    [
        login(password="wrong"),
        login(user="someone_else"),
        login(company_id="OTHERCO"),
    ],
    ids=["wrong-password", "unknown-user", "unknown-company"],
)
def test_signin_incorrect_legacy(sim: SimulatorServer, auth: etree._Element) -> None:
    root = call(sim, read_user(), auth=auth)
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert error_text(root, "operation/errormessage/error") == {
        "errorno": "XL03000006", "description": "", "description2": SIGNIN_INCORRECT, "correction": "",
    }  # fmt: skip


def test_inactive_user_cannot_sign_in(start: Callable[..., SimulatorServer]) -> None:
    server = start(company(edit=lambda d: d["users"][0].update(status="inactive")))
    root = call(server, read_user())
    assert root.findtext("operation/errormessage/error/description2") == SIGNIN_INCORRECT


def test_signin_incorrect_gateway401(start: Callable[..., SimulatorServer]) -> None:
    server = start(company(edit=lambda d: d.update(signin_failure_style="gateway401")))
    response = post(server, envelope(read_user(), auth=login(password="wrong")))
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    root = parse(response.content)
    assert [child.tag for child in root.find("control")] == ["status"]  # type: ignore[union-attr]
    assert root.findtext("control/status") == "failure"
    assert error_text(root, "errormessage/error") == {
        "errorno": "XMLGW_JPP0002",
        "description": "Sign-in information is incorrect. Please check your request.",
    }
    assert server.log.records[-1].http_status == 401


def test_wrong_sender_password_is_a_control_failure(sim: SimulatorServer) -> None:
    for sender, password in [("PEX MPP", "wrong"), ("pex mpp", SENDER_SECRET)]:
        root = call(sim, read_user(), sender=sender, sender_password=password)
        assert root.findtext("control/status") == "failure"
        assert root.findtext("control/senderid") == sender
        assert root.find("operation") is None
        assert root.findtext("errormessage/error/errorno") == "XL03000006"
        assert root.findtext("errormessage/error/description2") == "Incorrect Intacct XML Partner ID or password."


def test_support_ids_on_control_and_authentication_errors(start: Callable[..., SimulatorServer]) -> None:
    server = start(support_ids=True)
    control = call(server, read_user(), sender_password="wrong")
    assert control.findtext("errormessage/error/description2", "").startswith(
        "Incorrect Intacct XML Partner ID or password. [Support ID: "
    )
    auth = call(server, read_user(), auth=login(password="wrong"))
    assert auth.findtext("operation/errormessage/error/description2", "").startswith(
        SIGNIN_INCORRECT + " [Support ID: "
    )


@pytest.mark.parametrize(
    "name", ["udd-unreadable", "no-udds", "no-autonumbering", "gl-missing", "limited-admin", "no-email-flat"]
)
def test_other_scenarios_sign_in(start: Callable[..., SimulatorServer], name: str) -> None:
    root = call(start(company(name)), read_user())
    assert root.findtext("operation/authentication/status") == "success"


def test_user_in_entity(start: Callable[..., SimulatorServer]) -> None:
    root = call(start(company("user-in-entity")), read_user())
    assert root.findtext("operation/authentication/locationid") == "E100"
    record = result(root).find("data/USERINFO")
    assert record is not None
    assert record.findtext("MEGAENTITYID") == "E100"
    assert record.findtext("MEGAENTITYNAME") == "E100"
    assert record.findtext("MEGAENTITYKEY") == "1"


# -- functions


def test_read_user_by_name(sim: SimulatorServer) -> None:
    data = result(call(sim, read_user())).find("data")
    assert data is not None and attrs(data) == {"listtype": "USERINFO", "count": "1"}
    record = data.find("USERINFO")
    assert record is not None
    assert [child.tag for child in record] == [
        "RECORDNO", "LOGINID", "USERTYPE", "DESCRIPTION", "ADMIN", "STATUS", "LOGINDISABLED",
        "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME", "CONTACTINFO",
    ]  # fmt: skip
    assert record.findtext("USERTYPE") == "business user"
    assert record.findtext("ADMIN") == "Full"
    assert record.findtext("LOGINDISABLED") == "true"
    assert record.findtext("MEGAENTITYID") == ""
    assert record.findtext("CONTACTINFO/EMAIL1") == "ap@acme.example"


def test_read_user_fields_keys_and_flat_email(start: Callable[..., SimulatorServer]) -> None:
    server = start(company("no-email-flat"))
    root = call(server, read_user("pex_connector, nobody", "LOGINID,CONTACTINFO.EMAIL1"))
    record = result(root).find("data/USERINFO")
    assert record is not None
    assert [(child.tag, child.text or "") for child in record] == [
        ("LOGINID", "pex_connector"),
        ("CONTACTINFO.EMAIL1", ""),
    ]
    unknown = result(call(server, read_user("nobody"))).find("data")
    assert unknown is not None and attrs(unknown) == {"listtype": "USERINFO", "count": "0"} and len(unknown) == 0
    bad = result(call(server, read_user(fields="LOGINID,NOPE")))
    assert bad.findtext("status") == "failure"
    assert "NOPE" in bad.findtext("errormessage/error/description2", "")


def test_read_gl_by_name(sim: SimulatorServer) -> None:
    body = fn("gl", E.readByName(E.object("GLACCOUNT"), E.keys("6700"), E.fields("ACCOUNTNO,NORMALBALANCE")))
    data = result(call(sim, body)).find("data")
    assert data is not None and attrs(data) == {"listtype": "GLACCOUNT", "count": "1"}
    assert [(c.tag, c.text) for c in data[0]] == [("ACCOUNTNO", "6700"), ("NORMALBALANCE", "debit")]


def test_read_gl_by_query(sim: SimulatorServer) -> None:
    data = result(call(sim, read_gl("TITLE = 'PEX GL Account'"))).find("data")
    assert data is not None
    assert attrs(data) == {
        "listtype": "glaccount", "count": "1", "totalcount": "1", "numremaining": "0", "resultId": "",
    }  # fmt: skip
    assert [child.tag for child in data[0]] == [
        "RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS",
        "MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME",
    ]  # fmt: skip
    assert data[0].tag == "glaccount" and data[0].findtext("NORMALBALANCE") == "debit"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", 3),
        ("TITLE = 'PEX GL Account' OR ACCOUNTNO = '1000'", 2),
        ("TITLE = 'PEX GL Account' AND STATUS = 'inactive'", 0),
        (r"TITLE = 'Owner\'s draw'", 1),
        ("ACCOUNTTYPE = 'N'", 2),
        ("(ACCOUNTNO = '1000' OR ACCOUNTNO = '6700') AND STATUS = 'T'", 2),
    ],
)
def test_read_by_query_strings(start: Callable[..., SimulatorServer], query: str, count: int) -> None:
    def more_accounts(document: dict[str, Any]) -> None:
        base = {"normal_balance": "debit", "status": "active", "account_type": "balancesheet"}
        document["gl_accounts"] += [
            base | {"account_no": "1000", "title": "Operating Cash"},
            base | {"account_no": "3100", "title": "Owner's draw"},
        ]

    data = result(call(start(company(edit=more_accounts)), read_gl(query, fields="ACCOUNTNO"))).find("data")
    assert data is not None and data.get("count") == str(count)


def test_read_by_query_pagesize_and_bad_query(sim: SimulatorServer) -> None:
    users = result(call(sim, read_gl("", pagesize="1", obj="USERINFO"))).find("data")
    assert users is not None and users.get("listtype") == "userinfo" and users[0].tag == "userinfo"
    bad = result(call(sim, read_gl("TITLE 'x'")))
    assert bad.findtext("status") == "failure"
    assert bad.findtext("errormessage/error/errorno") == "Query Failed"


def test_read_by_query_unknown_object(sim: SimulatorServer) -> None:
    failed = result(call(sim, read_gl("", obj="BADOBJECT")))
    assert failed.findtext("status") == "failure"
    assert error_text(failed, "errormessage/error") == {
        "errorno": "Query Failed", "description": "", "description2": "Object definition BADOBJECT not found",
        "correction": "",
    }  # fmt: skip


def test_udd_read_probe(start: Callable[..., SimulatorServer]) -> None:
    readable = result(call(start(), read_gl("", fields="id,name", pagesize="1", obj="PROJECT_TYPE")))
    assert readable.findtext("status") == "success"
    data = readable.find("data")
    assert data is not None and data.attrib["listtype"] == "project_type"
    assert (data.attrib["totalcount"], data.attrib["count"]) == ("2", "1")
    assert [(c.tag, c.text) for c in data[0]] == [("id", "10001"), ("name", "Value 1")]
    # Platform objects have no RECORDNO: asking for it is a function error, not a permission refusal.
    unknown = result(call(start(), read_gl("", fields="RECORDNO", pagesize="1", obj="PROJECT_TYPE")))
    assert unknown.findtext("status") == "failure"
    assert unknown.findtext("errormessage/error/description2") == "Invalid fields list RECORDNO"
    denied = result(
        call(start(company("udd-unreadable")), read_gl("", fields="id,name", pagesize="1", obj="PROJECT_TYPE"))
    )
    assert denied.findtext("status") == "failure"
    assert denied.findtext("errormessage/error/errorno") == "PL04000005"
    assert denied.findtext("errormessage/error/description2") == (
        "You do not have permission for API operation READ_BY_QUERY on objects of type project_type"
    )
    empty = result(call(start(company("udd-empty")), read_gl("", fields="id,name", pagesize="1", obj="PROJECT_TYPE")))
    assert empty.find("data").attrib["totalcount"] == "0"  # type: ignore[union-attr]


def test_unreadable_objects_are_refused_with_pl04000005(start: Callable[..., SimulatorServer]) -> None:
    denied = result(call(start(company("read-refused")), read_gl("")))
    assert denied.findtext("errormessage/error/errorno") == "PL04000005"
    assert "READ_BY_QUERY on objects of type glaccount" in (denied.findtext("errormessage/error/description2") or "")


def query_function(
    obj: str, fields: tuple[str, ...], *filters: tuple[str, str], case_insensitive: bool = False
) -> etree._Element:
    parts: list[Any] = [E.select(*(E.field(name) for name in fields)), E.object(obj)]
    if filters:
        tests = [E.equalto(E.field(field), E.value(value)) for field, value in filters]
        parts.append(E.filter(tests[0] if len(tests) == 1 else E("or", *tests)))
    if case_insensitive:
        parts.append(E.options(E.caseinsensitive("true")))
    return fn("q", E.query(*parts))


def test_query_filters_compare_case_only_when_asked(start: Callable[..., SimulatorServer]) -> None:
    sim = start()
    wanted = (("ACCOUNTNO", "pex gl account"), ("TITLE", "pex gl account"))
    exact = result(call(sim, query_function("GLACCOUNT", ("ACCOUNTNO",), *wanted)))
    assert exact.find("data").attrib["count"] == "0"  # type: ignore[union-attr]
    folded = result(call(sim, query_function("GLACCOUNT", ("ACCOUNTNO",), *wanted, case_insensitive=True)))
    assert folded.findtext("data/GLACCOUNT/ACCOUNTNO") == "6700"


def test_userrestriction_rows(start: Callable[..., SimulatorServer]) -> None:
    fields = ("LOGINID", "UNRESTRICTED", "LOCATIONID")
    top = result(call(start(), query_function("USERRESTRICTION", fields, ("LOGINID", "pex_connector"))))
    assert [(c.tag, c.text or "") for c in top.find("data/USERRESTRICTION")] == [  # type: ignore[union-attr]
        ("LOGINID", "pex_connector"), ("UNRESTRICTED", "true"), ("LOCATIONID", ""),
    ]  # fmt: skip
    limited = result(call(start(company("restricted-to-entity")), query_function("USERRESTRICTION", fields)))
    assert [row.findtext("LOCATIONID") for row in limited.iterfind("data/USERRESTRICTION")] == ["E100"]
    assert limited.findtext("data/USERRESTRICTION/UNRESTRICTED") == "false"


@pytest.mark.parametrize(
    ("scenario", "answer"), [("user-based-permissions", "failure"), ("user-based-empty-roles", "0")]
)
def test_user_based_permissions_have_no_roles(
    start: Callable[..., SimulatorServer], scenario: str, answer: str
) -> None:
    root = result(call(start(company(scenario)), query_function("ROLES", ("RECORDNO", "NAME"))))
    if answer == "failure":
        assert root.findtext("status") == "failure"
        assert root.findtext("errormessage/error/description2") == "Object definition ROLES not found"
    else:
        assert root.find("data").attrib["totalcount"] == answer  # type: ignore[union-attr]
    role_based = result(
        call(start(company(edit=lambda d: d["users"][0].update(roles=[]))), query_function("ROLES", ("NAME",)))
    )
    assert role_based.findtext("data/ROLES/NAME") == "Administrator"


def test_email_field_and_entity_fields_follow_the_scenario(start: Callable[..., SimulatorServer]) -> None:
    record = result(call(start(company("email-secondary")), read_user())).find("data/USERINFO")
    assert record is not None
    assert record.findtext("CONTACTINFO/EMAIL1") == "" and record.findtext("CONTACTINFO/EMAIL2") == "ap@acme.example"
    bare = result(call(start(company("no-entity-fields")), read_user())).find("data/USERINFO")
    assert bare is not None and bare.find("MEGAENTITYID") is None


def test_gateway_400_refusal(start: Callable[..., SimulatorServer]) -> None:
    sim = start(company(edit=lambda d: d.update(signin_failure_style="gateway400")))
    response = post(sim, envelope(read_user(), auth=login(password="wrong")))
    assert response.status_code == 400
    root = parse(response.content)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/errorno") == "GW-0011"
    assert (root.findtext("errormessage/error/description") or "").startswith("Invalid Request [Request ID: ")


@pytest.mark.parametrize("place", ["control", "result", "correction"])
def test_busy_answers_in_http_200(start: Callable[..., SimulatorServer], place: str) -> None:
    sim = start()
    sim.inject(faults.BusyAnswer(place))  # type: ignore[arg-type]
    response = post(sim, envelope(read_user()))
    assert response.status_code == 200
    text = response.content.decode()
    phrase = {"control": "API rate limit exceeded", "result": "The Service is Temporarily Off-line"}.get(
        place, "Please Try Again Later"
    )
    assert phrase in text
    root = parse(response.content)
    if place == "control":
        assert root.findtext("control/status") == "failure" and root.find("operation") is None
    else:
        assert root.findtext("operation/authentication/status") == "success"
        assert root.findtext("operation/result/status") == "failure"


def test_query_roles(start: Callable[..., SimulatorServer]) -> None:
    root = call(start(), roles(), roles("USERROLES", "USERID"))
    data = result(root, 0).find("data")
    assert data is not None
    assert attrs(data) == {
        "listtype": "ROLEUSERS", "totalcount": "1", "offset": "0", "count": "1", "numremaining": "0",
    }  # fmt: skip
    assert [(c.tag, c.text) for c in data[0]] == [("USERLOGINID", "pex_connector"), ("ROLENAME", "PEX Connector")]
    assert data[0].tag == "ROLEUSERS"
    direct = result(root, 1).find("data/USERROLES")
    assert direct is not None and direct.findtext("USERID") == "pex_connector"
    roleless = start(company(edit=lambda d: d["users"][0].update(roles=[])))
    none = result(call(roleless, roles())).find("data")
    assert none is not None and none.get("count") == "0" and len(none) == 0


def test_query_filter_or(sim: SimulatorServer) -> None:
    either = E.filter(
        E(
            "or",
            E.equalto(E.field("USERLOGINID"), E.value("nobody")),
            E.equalto(E.field("USERLOGINID"), E.value("pex_connector")),
        )
    )
    body = fn("r", E.query(E.select(E.field("ROLENAME")), E.object("ROLEUSERS"), either))
    data = result(call(sim, body)).find("data")
    assert data is not None and data.get("count") == "1"
    assert [c.tag for c in data[0]] == ["ROLENAME"]


def test_get_dimensions(sim: SimulatorServer) -> None:
    dimensions = result(call(sim, fn("dims", E.getDimensions()))).findall("data/dimensions/dimension")
    assert [(d.findtext("objectName"), d.findtext("userDefinedDimension")) for d in dimensions] == [
        ("DEPARTMENT", "false"),
        ("PROJECT_TYPE", "true"),
    ]
    assert [c.tag for c in dimensions[1]] == [
        "objectName", "objectLabel", "termLabel", "userDefinedDimension", "enabledInGL",
    ]  # fmt: skip


def folder_list(name: str | None = None) -> etree._Element:
    body = E.get_list(object="supdocfolder")
    if name is not None:
        body.append(E.filter(E.expression(E.field("name"), E.operator("="), E.value(name))))
    return fn("folders", body)


def test_get_list_supdocfolder(sim: SimulatorServer) -> None:
    root = call(sim, folder_list(), folder_list("Receipts"), folder_list("Nope"))
    everything = result(root, 0)
    assert [c.tag for c in everything] == ["status", "function", "controlid", "listtype", "data"]
    listtype = everything.find("listtype")
    assert listtype is not None and listtype.text == "supdocfolder"
    assert attrs(listtype) == {"start": "0", "end": "0", "total": "1"}
    assert everything.findtext("data/supdocfolder/name") == "Receipts"
    assert result(root, 1).findtext("data/supdocfolder/name") == "Receipts"
    assert result(root, 2).find("listtype").get("total") == "0"  # type: ignore[union-attr]


def create_folder(name: str) -> etree._Element:
    return fn("mkdir", E.create_supdocfolder(E.supdocfoldername(name)))


def create_attachment(folder: str, supdoc_id: str = "") -> etree._Element:
    return fn("probe", E.create_supdoc(E.supdocid(supdoc_id), E.supdocname("probe"), E.supdocfoldername(folder)))


def delete(kind: str, key: str) -> etree._Element:
    return fn(f"rm-{key}", E(f"delete_{kind}", key=key))


def test_attachment_probe_round_trip(sim: SimulatorServer) -> None:
    root = call(sim, create_folder("PEX acceptance probe"), create_attachment("PEX acceptance probe"))
    # Like recorded create_supdoc answers, the key is a number (the record number), not the supdocid.
    assert [result(root, i).findtext("key") for i in (0, 1)] == ["PEX acceptance probe", "35"]
    assert [a.supdoc_id for a in sim.attachments] == ["ATT-00001"]
    listed = result(
        call(
            sim,
            fn(
                "ls",
                E.get_list(
                    E.filter(E.expression(E.field("supdocname"), E.operator("="), E.value("probe"))), object="supdoc"
                ),
            ),
        )
    )
    assert [(row.findtext("recordno"), row.findtext("supdocid")) for row in listed.iterfind("data/supdoc")] == [
        ("35", "ATT-00001")
    ]
    duplicate = result(call(sim, create_folder("PEX acceptance probe")))
    assert error_text(duplicate, "errormessage/error") == {
        "errorno": "BL34000061",
        "description": "",
        "description2": "Another Attachment Folder with the given value(s) PEX acceptance probe already exists",
        "correction": "Use a unique value instead.",
    }
    root = call(sim, delete("supdoc", "ATT-00001"), delete("supdocfolder", "PEX acceptance probe"))
    assert [result(root, i).findtext("key") for i in (0, 1)] == ["ATT-00001", "PEX acceptance probe"]
    assert sim.attachments == () and sim.folder_names == ("Receipts",)
    gone = result(call(sim, delete("supdoc", "ATT-00001")))
    assert gone.findtext("status") == "failure"
    assert sim.log.records[-1].writes == ("delete_supdoc",)


def test_attachment_needs_folder_and_numbering(start: Callable[..., SimulatorServer]) -> None:
    no_folder = result(call(start(), create_attachment("Missing")))
    assert no_folder.findtext("status") == "failure"
    manual = start(company("no-autonumbering"))
    failed = result(call(manual, create_attachment("Receipts")))
    assert failed.findtext("status") == "failure"
    assert error_text(failed, "errormessage/error")["description2"] == "Attachment ID is required"
    assert manual.attachments == ()
    named = result(call(manual, create_attachment("Receipts", "R-1")))
    assert named.findtext("key") == "35"
    assert [a.supdoc_id for a in manual.attachments] == ["R-1"]


def test_fail_deletes_flag(start: Callable[..., SimulatorServer]) -> None:
    server = start(fail_deletes=True)
    call(server, create_folder("Tmp"))
    failed = result(call(server, delete("supdocfolder", "Tmp")))
    assert failed.findtext("status") == "failure"
    assert server.folder_names == ("Receipts", "Tmp")


def test_unsupported_function(sim: SimulatorServer) -> None:
    failed = result(call(sim, fn("prefs", E.get_companyprefs(application="GEN"))))
    assert failed.findtext("status") == "failure"
    assert failed.findtext("function") == "get_companyprefs"
    assert failed.findtext("errormessage/error/errorno") == "BL03000018"


def test_functions_are_independent_and_in_order(sim: SimulatorServer) -> None:
    root = call(sim, read_user(), read_gl("", obj="NOPE"), fn("dims", E.getDimensions()))
    assert [(r.findtext("function"), r.findtext("controlid"), r.findtext("status")) for r in root.iter("result")] == [
        ("readByName", "user", "success"),
        ("readByQuery", "gl", "failure"),
        ("getDimensions", "dims", "success"),
    ]


def test_transaction_rolls_back(sim: SimulatorServer) -> None:
    root = call(sim, create_folder("Tmp"), create_attachment("Missing"), transaction=True)
    assert [r.findtext("status") for r in root.iter("result")] == ["aborted", "failure"]
    assert result(root, 0).findtext("errormessage/error/errorno") == "XL03000009"
    assert sim.folder_names == ("Receipts",)


def test_session_from_get_api_session(sim: SimulatorServer) -> None:
    api = result(call(sim, fn("session", E.getAPISession()))).find("data/api")
    assert api is not None
    assert [c.tag for c in api] == ["sessionid", "endpoint", "locationid"]
    assert api.findtext("endpoint") == sim.url and api.findtext("locationid") == ""
    session_id = api.findtext("sessionid", "")
    root = call(sim, read_user(), auth=E.sessionid(session_id))
    assert root.findtext("operation/authentication/userid") == "pex_connector"
    assert result(root).findtext("status") == "success"
    record = sim.log.records[-1]
    assert (record.auth_kind, record.user_id, record.company_id) == ("session", "pex_connector", "ACME")
    invalid = call(sim, read_user(), auth=E.sessionid("not-a-session"))
    assert invalid.findtext("operation/authentication/status") == "failure"
    assert invalid.findtext("operation/errormessage/error/description2") == "Invalid session"


def test_compact_response_without_whitespace(sim: SimulatorServer) -> None:
    response = post(sim, envelope(read_user(), whitespace=False))
    assert b"\n  " not in response.content


# -- rejected requests (deliberately not schema-valid: they bypass envelope())


def control_errors(response: requests.Response) -> list[str]:
    assert response.status_code == 200
    root = parse(response.content)
    assert root.findtext("control/status") == "failure" and root.find("operation") is None
    assert {e.findtext("errorno") for e in root.iter("error")} == {"XL03000003"}
    return [e.findtext("description2", "") for e in root.iter("error")]


def test_malformed_xml(sim: SimulatorServer) -> None:
    body = envelope(read_user()).replace(b"</keys>", b"</key>")
    [message] = control_errors(post(sim, body))
    assert message.startswith("XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch: keys")
    assert control_errors(post(sim, b""))


def test_schema_invalid_request(sim: SimulatorServer) -> None:
    body = envelope(read_user()).replace(b"<controlid>ctl-1</controlid>", b"")
    [message] = control_errors(post(sim, body))
    assert message == (
        "XML Parse schema error: Error 1871: Element 'uniqueid': This element is not expected."
        " Expected is ( controlid ). Line: 2, column: 0."
    )


def test_doctype_rejected(sim: SimulatorServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top-secret-contents")
    doctype = f'<!DOCTYPE request [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
    body = envelope(read_user()).replace(b"?>\n", b"?>\n" + doctype + b"\n", 1)
    response = post(sim, body)
    assert control_errors(response) == ["XML Parse schema error: DOCTYPE is not allowed."]
    assert b"top-secret" not in response.content


def test_http_method_and_path(sim: SimulatorServer) -> None:
    got = requests.get(sim.url, timeout=5)
    assert got.status_code == 405 and got.headers["Allow"] == "POST"
    assert requests.post(sim.url.replace("xmlgw", "other"), data=b"<x/>", timeout=5).status_code == 404


# -- the request log


def test_request_log(sim: SimulatorServer) -> None:
    call(sim, read_user(), read_gl(""))
    call(sim, create_folder("Tmp"), delete("supdocfolder", "Tmp"))
    post(sim, b"not xml")
    records = sim.log.records
    assert sim.log.count == len(records) == 3
    first, second, third = records
    assert (first.auth_kind, first.sender_id, first.user_id, first.company_id) == (
        "login", "PEX MPP", "pex_connector", "ACME",
    )  # fmt: skip
    assert first.functions == ("readByName", "readByQuery") and first.writes == ()
    assert second.writes == ("create_supdocfolder", "delete_supdocfolder")
    assert (third.auth_kind, third.functions, third.http_status) == ("none", (), 200)
    sage_schema().assertValid(parse(first.raw))
    assert USER_SECRET.encode() in first.raw and USER_SECRET not in repr(first)
    sim.log.clear()
    assert sim.log.count == 0


# -- faults


def test_http_error_faults(sim: SimulatorServer) -> None:
    sim.inject(faults.HttpError(500))
    sim.inject(faults.HttpError(503))
    sim.inject(faults.HttpError(524))
    body = envelope(create_folder("Tmp"))
    statuses = [post(sim, body) for _ in range(3)]
    assert [r.status_code for r in statuses] == [500, 503, 524]
    assert all(r.headers["Content-Type"].startswith("text/plain") for r in statuses)
    assert statuses[2].text == "524 A Timeout Occurred\n"
    # Only the 524 reached the backend: the folder exists although the client never saw the response.
    assert sim.folder_names == ("Receipts", "Tmp")
    assert [r.http_status for r in sim.log.records] == [500, 503, 524]
    assert post(sim, envelope(read_user())).status_code == 200


def test_rate_limited(sim: SimulatorServer) -> None:
    sim.inject(faults.RateLimited())
    response = post(sim, envelope(read_user()))
    assert response.status_code == 429 and response.headers["Content-Type"].startswith("text/xml")
    root = parse(response.content)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/errorno") == "GW-0010"


def test_non_intacct_bodies(sim: SimulatorServer) -> None:
    sim.inject(faults.MaintenancePage())
    sim.inject(faults.EmptyBody())
    sim.inject(faults.ForeignXml())
    sim.inject(faults.ForeignXml("html"))
    body = envelope(read_user())
    page, empty, foo, html = (post(sim, body) for _ in range(4))
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert page.text.startswith("<!DOCTYPE html>") and "Temporarily Off-line" in page.text
    assert empty.status_code == 200 and empty.content == b""
    assert parse(foo.content).tag == "foo"
    assert parse(html.content).tag == "html"


def test_truncated(sim: SimulatorServer) -> None:
    body = envelope(read_user())
    whole = post(sim, body).content
    sim.inject(faults.Truncated())
    cut = post(sim, body).content
    # The two answers differ only in their session timestamps (same length), which may tick between them.
    assert len(whole) // 2 == len(cut) > 0 and whole[:100] == cut[:100]
    with pytest.raises(etree.XMLSyntaxError):
        parse(cut)


def test_xxe_body_is_not_resolved_by_the_simulator(sim: SimulatorServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top-secret-contents")
    sim.inject(faults.XxeBody(secret))
    response = post(sim, envelope(read_user()))
    assert f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">'.encode() in response.content
    assert b"top-secret" not in response.content
    root = parse(response.content)
    assert "top-secret" not in etree.tostring(root).decode()


def test_billion_laughs(sim: SimulatorServer) -> None:
    sim.inject(faults.BillionLaughs())
    response = post(sim, envelope(read_user()))
    assert b'<!ENTITY lol9 "&lol8;&lol8;' in response.content and len(response.content) < 2000
    # Recent libxml2 refuses the document outright; older ones parse it without expanding anything.
    try:
        root = parse(response.content)
    except etree.XMLSyntaxError:
        return
    assert len(etree.tostring(root)) < 2000


@pytest.mark.parametrize("declare_length", [True, False])
def test_huge_body_is_streamed(sim: SimulatorServer, declare_length: bool) -> None:
    assert faults.HugeBody().size == 100 * 1024 * 1024
    sim.inject(faults.HugeBody(megabytes=2, declare_length=declare_length))
    with post(sim, envelope(read_user()), stream=True) as response:
        assert ("Content-Length" in response.headers) is declare_length
        total = sum(len(chunk) for chunk in response.iter_content(256 * 1024))
    assert total == 2 * 1024 * 1024


def test_slow_body_trips_read_timeout(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.SlowBody(pause=0.5, chunk_size=16))
    with (
        pytest.raises(requests.exceptions.ConnectionError),
        post(sim, envelope(read_user()), timeout=(2, 0.2), stream=True) as response,
    ):
        response.content  # noqa: B018
    assert post(sim, envelope(read_user())).status_code == 200


def test_slow_body_arrives_intact(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.SlowBody(pause=0.01, chunk_size=512))
    root = parse(post(sim, envelope(read_user())).content)
    assert result(root).findtext("status") == "success"


def test_slow_headers_drip_the_status_line(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.SlowHeaders(pause=0.5, chunk_size=1))
    body = envelope(read_user())
    request = b"POST %s HTTP/1.1\r\nHost: sim\r\nContent-Length: %d\r\n\r\n" % (GATEWAY_PATH.encode(), len(body))
    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as client:
        client.sendall(request + body)
        first = client.recv(1024)
    assert first == b"H", "one byte, then a pause"
    # Logged before its first byte left, as every answer is.
    assert sim.log.records[-1].http_status == 200


def test_a_client_resetting_between_requests_is_no_simulator_error(
    sim: SimulatorServer, capfd: pytest.CaptureFixture[str]
) -> None:
    body = envelope(read_user())
    request = b"POST %s HTTP/1.1\r\nHost: sim\r\nContent-Length: %d\r\n\r\n" % (GATEWAY_PATH.encode(), len(body))
    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as client:
        client.sendall(request + body)
        assert client.recv(16).startswith(b"HTTP/1.1 200")
        time.sleep(0.2)
        # Closed with the rest of the answer unread and linger 0: a reset, while the handler waits for more.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.3)
    assert post(sim, body).status_code == 200
    assert "Traceback" not in capfd.readouterr().err


def test_slow_headers_then_the_whole_answer(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.SlowHeaders(pause=0.01, chunk_size=16))
    response = post(sim, envelope(read_user()))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert result(parse(response.content)).findtext("status") == "success"


def test_huge_headers_stay_inside_http_client_limits(sim: SimulatorServer) -> None:
    sim.inject(faults.HugeHeaders())
    response = post(sim, envelope(read_user()))
    fillers = [name for name in response.headers if name.startswith("X-Filler-")]
    assert len(fillers) == 90 and {len(response.headers[name]) for name in fillers} == {60 * 1024}
    assert result(parse(response.content)).findtext("status") == "success"


def test_delay_trips_timeout(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.Delay(1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(sim, envelope(read_user()), timeout=(2, 0.2))
    assert post(sim, envelope(read_user())).status_code == 200


def test_dropped_connection(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.DropConnection())
    with pytest.raises(requests.exceptions.ConnectionError):
        post(sim, envelope(read_user()))
    assert sim.log.records[-1].http_status is None


def test_reset_mid_response(sim: SimulatorServer) -> None:
    sim.inject(connection_faults.ResetMidResponse())
    with pytest.raises(requests.exceptions.RequestException):
        post(sim, envelope(read_user()))
    assert post(sim, envelope(read_user())).status_code == 200


def test_mismatched_control_ids(sim: SimulatorServer) -> None:
    sim.inject(faults.MismatchedControlIds())
    root = parse(post(sim, envelope(read_user(), read_gl(""))).content)
    control_ids = [r.findtext("controlid") for r in root.iter("result")]
    assert len(control_ids) == 2 and not {"user", "gl"} & set(control_ids)


def test_fail_deletes_fault_applies_once(sim: SimulatorServer) -> None:
    call(sim, create_folder("Tmp"))
    sim.inject(faults.FailDeletes())
    assert result(call(sim, delete("supdocfolder", "Tmp"))).findtext("status") == "failure"
    assert result(call(sim, delete("supdocfolder", "Tmp"))).findtext("status") == "success"


def test_fault_counts_and_order(sim: SimulatorServer) -> None:
    body = envelope(read_user())
    sim.inject(faults.HttpError(503), times=2)
    sim.inject(faults.HttpError(500))
    assert [post(sim, body).status_code for _ in range(4)] == [503, 503, 500, 200]
    sim.inject(faults.HttpError(502), times=None)
    assert [post(sim, body).status_code for _ in range(3)] == [502, 502, 502]
    assert sim.pending_faults == 1
    sim.clear_faults()
    assert post(sim, body).status_code == 200
    with pytest.raises(ValueError, match="times"):
        sim.inject(faults.EmptyBody(), times=0)


# -- the server


def test_latency_and_concurrency(start: Callable[..., SimulatorServer]) -> None:
    server = start(latency=0.2)
    body = envelope(read_user())
    statuses: list[int] = []
    began = time.monotonic()
    threads = [threading.Thread(target=lambda: statuses.append(post(server, body).status_code)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    assert statuses == [200] * 4 and server.log.count == 4
    assert 0.2 <= elapsed < 0.8


def test_close_is_prompt_with_a_response_in_flight(start: Callable[..., SimulatorServer]) -> None:
    server = start()
    server.inject(connection_faults.Delay(30))
    outcome: list[object] = []

    def slow_client() -> None:
        try:
            outcome.append(post(server, envelope(read_user()), timeout=10).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    client = threading.Thread(target=slow_client)
    client.start()
    deadline = time.monotonic() + 2
    while server.pending_faults and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    server.close()
    assert time.monotonic() - began < 1.0
    client.join(timeout=2)
    assert not client.is_alive() and isinstance(outcome[0], requests.RequestException)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(server.url, data=b"<x/>", timeout=1)
    server.close()


def run_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_pex_intacct.simulator", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_command_line(stop_signal: signal.Signals) -> None:
    process = run_cli("ready", "--schema", str(SCHEMA_PATH), "--latency", "0")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/ia/xml/xmlgw.phtml")
        shipped = envelope(read_user(), sender_password="sim-sender-password", auth=login(password="sim-user-password"))
        response = requests.post(url, data=shipped, timeout=5)
        assert parse(response.content).findtext("operation/result/status") == "success"
        process.send_signal(stop_signal)
        assert process.wait(timeout=5) == 0
    finally:
        process.kill()
        process.communicate()


def test_command_line_bad_scenario() -> None:
    process = run_cli("no-such-scenario")
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "unknown scenario 'no-such-scenario'" in stderr
