"""The client's guards: no write leaves without opt-in, only usable answers come back, endpoints are checked.

A fake transport stands in for HTTP (no network): it records every POST and answers from a callable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import pytest
from lxml import etree

from conftest import SAMPLES, make_settings
from pytest_pex_intacct.facts.registry import read_functions
from pytest_pex_intacct.intacct.client import Exchange, IntacctClient
from pytest_pex_intacct.intacct.endpoint import DEFAULT_ENDPOINT, validate_endpoint
from pytest_pex_intacct.intacct.envelope import LoginCredentials, SenderCredentials
from pytest_pex_intacct.intacct.errors import (
    ConfigurationError,
    IntacctError,
    ProtocolError,
    ReadOnlyViolation,
    TransportError,
    describe_errors,
)
from pytest_pex_intacct.intacct.functions import (
    CreateSupdoc,
    CreateSupdocFolder,
    DeleteSupdoc,
    DeleteSupdocFolder,
    GetDimensions,
    IntacctFunction,
    ListSupdocFolders,
    ListSupdocs,
    Query,
    ReadByName,
    is_write_function,
)
from pytest_pex_intacct.intacct.response import Response
from pytest_pex_intacct.intacct.transport import HttpTransport
from pytest_pex_intacct.intacct.wire import HttpReply

SENDER_PASSWORD = "Snd-Pw-e1a9c4"
USER_PASSWORD = "Usr-Pw-77b0d3"
SECRETS = (SENDER_PASSWORD, USER_PASSWORD)
SENDER = SenderCredentials("PEX MPP", SENDER_PASSWORD)
LOGIN = LoginCredentials("pex_connector", "ACME", USER_PASSWORD)

WRITES: list[IntacctFunction] = [
    CreateSupdoc("w-doc", "PEX probe document", "PEX acceptance probe"),
    CreateSupdocFolder("w-mkdir", "PEX acceptance probe"),
    DeleteSupdoc("w-rm", "17"),
    DeleteSupdocFolder("w-rmdir", "PEX acceptance probe"),
]
READS: list[IntacctFunction] = [
    GetDimensions("r-dimensions"),
    ReadByName("r-user", "USERINFO", ("pex_connector",)),
    Query("r-gl", "GLACCOUNT", ("ACCOUNTNO",), (("ACCOUNTNO", "6000"),), case_insensitive=True),
    Query("r-roles", "ROLEUSERS", ("ROLENAME",), (("USERLOGINID", "pex_connector"),)),
    ListSupdocs("r-supdocs", "PEX acceptance probe run-1"),
    ListSupdocFolders("r-folders", "PEX acceptance probe"),
]


def answer(request_body: bytes, *, control_ids: Sequence[str] | None = None) -> bytes:
    """A successful Intacct response with one result per function of the request (or per given control id)."""
    request = etree.fromstring(request_body)
    response = etree.Element("response")
    control = etree.SubElement(response, "control")
    etree.SubElement(control, "status").text = "success"
    operation = etree.SubElement(response, "operation")
    authentication = etree.SubElement(operation, "authentication")
    etree.SubElement(authentication, "status").text = "success"
    etree.SubElement(authentication, "userid").text = "pex_connector"
    etree.SubElement(authentication, "companyid").text = "ACME"
    wrappers = request.findall("operation/content/function")
    pairs = [(wrapper[0].tag, wrapper.get("controlid", "")) for wrapper in wrappers]
    if control_ids is not None:
        pairs = [("read", control_id) for control_id in control_ids]
    for name, control_id in pairs:
        result = etree.SubElement(operation, "result")
        etree.SubElement(result, "status").text = "success"
        etree.SubElement(result, "function").text = str(name)
        etree.SubElement(result, "controlid").text = control_id
    return bytes(etree.tostring(response, xml_declaration=True, encoding="UTF-8"))


def xml_reply(body: bytes, status: int = 200) -> HttpReply:
    return HttpReply(status=status, content_type="text/xml; charset=UTF-8", body=body)


@dataclass
class Post:
    url: str
    body: bytes
    idempotent: bool


class FakeTransport:
    """Records every POST; answers with ``respond(body)`` (by default: success for every function)."""

    def __init__(self, respond: Callable[[bytes], HttpReply] | None = None) -> None:
        self.posts: list[Post] = []
        self.closed = False
        self._respond = respond or (lambda body: xml_reply(answer(body)))

    def post(self, url: str, body: bytes, idempotent: bool = True) -> HttpReply:
        self.posts.append(Post(url, body, idempotent))
        return self._respond(body)

    def close(self) -> None:
        self.closed = True


def make_client(transport: FakeTransport, endpoint: str = DEFAULT_ENDPOINT) -> IntacctClient:
    return IntacctClient(endpoint, SENDER, transport=cast(HttpTransport, transport))


def assert_no_secrets(error: BaseException) -> None:
    texts = [str(error), repr(error), *map(str, error.args), *map(repr, error.args)]
    if isinstance(error, IntacctError):
        texts += [error.message, *map(str, error.errors)]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# --- is_write_function ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "create",
        "update",
        "delete",
        "Create",
        "DELETE",
        "create_glaccount",
        "update_glaccount",
        "delete_supdoc",
        "delete_supdocfolder",
        "create_supdoc",
        "create_supdocfolder",
        "CREATE_SUPDOC",
        "update_supdoc",
    ],
)
def test_write_names(name: str) -> None:
    assert is_write_function(name)


@pytest.mark.parametrize(
    "name",
    [
        "readByQuery",
        "readByName",
        "read",
        "readMore",
        "query",
        "get_list",
        "getAPISession",
        "getDimensions",
        "inspect",
    ],
)
def test_read_names(name: str) -> None:
    assert not is_write_function(name)


@pytest.mark.parametrize(
    "name", ["createdBy", "created_by", "apply_arpayment", "reverse_invoice", "void_apbill", "installApp", ""]
)
def test_unknown_functions_count_as_writes(name: str) -> None:
    """Deny by default: only names known to read may be sent without the write-probe opt-in."""
    assert is_write_function(name)


@pytest.mark.parametrize("function", WRITES, ids=lambda f: f.name)
def test_every_write_function_class_is_a_write(function: IntacctFunction) -> None:
    assert is_write_function(function.name)


@pytest.mark.parametrize("function", READS, ids=lambda f: f.name)
def test_every_read_function_class_is_a_read(function: IntacctFunction) -> None:
    assert not is_write_function(function.name)


# --- the read-only guard -------------------------------------------------------------------------


@pytest.mark.parametrize("function", WRITES, ids=lambda f: f.name)
def test_write_is_refused_before_any_traffic(function: IntacctFunction) -> None:
    transport = FakeTransport()
    client = make_client(transport)
    with pytest.raises(ReadOnlyViolation) as raised:
        client.send(LOGIN, [function])
    assert isinstance(raised.value, ConfigurationError)
    assert raised.value.fault == "configuration"
    assert function.name in str(raised.value)
    assert transport.posts == []
    assert client.exchanges == []
    assert_no_secrets(raised.value)


@pytest.mark.parametrize("function", WRITES, ids=lambda f: f.name)
def test_write_is_refused_with_explicit_allow_writes_false(function: IntacctFunction) -> None:
    transport = FakeTransport()
    with pytest.raises(ReadOnlyViolation):
        make_client(transport).send(LOGIN, [function], allow_writes=False)
    assert transport.posts == []


def test_a_write_hidden_in_a_read_batch_refuses_the_whole_batch() -> None:
    transport = FakeTransport()
    functions = [*READS[1:], WRITES[2], *read_functions(make_settings(udd=True, write_probe=True))]
    with pytest.raises(ReadOnlyViolation) as raised:
        make_client(transport).send(LOGIN, functions)
    assert "delete_supdoc" in str(raised.value)
    assert transport.posts == []


def test_every_write_of_a_batch_is_named() -> None:
    transport = FakeTransport()
    with pytest.raises(ReadOnlyViolation) as raised:
        make_client(transport).send(LOGIN, WRITES)
    for function in WRITES:
        assert function.name in str(raised.value)
    assert transport.posts == []


def test_a_write_is_refused_even_when_the_request_would_be_invalid() -> None:
    """The guard runs first: nothing about the request is built or sent."""
    transport = FakeTransport()
    with pytest.raises(ReadOnlyViolation):
        make_client(transport).send(LOGIN, [DeleteSupdoc("same", "1"), GetDimensions("same")])
    assert transport.posts == []


@pytest.mark.parametrize("function", WRITES, ids=lambda f: f.name)
def test_allowed_write_is_sent_once_and_not_idempotent(function: IntacctFunction) -> None:
    transport = FakeTransport()
    client = make_client(transport)
    response = client.send(LOGIN, [function], allow_writes=True)
    (post,) = transport.posts
    assert post.idempotent is False
    assert post.url == DEFAULT_ENDPOINT
    sent = etree.fromstring(post.body).find("operation/content/function")
    assert sent is not None and sent.get("controlid") == function.control_id and sent[0].tag == function.name
    assert response.authenticated and response.results[0].control_id == function.control_id
    assert client.exchanges == [Exchange((function.name,), 200, 1)]


def test_a_batch_with_one_allowed_write_is_not_idempotent() -> None:
    transport = FakeTransport()
    make_client(transport).send(LOGIN, [READS[5], WRITES[1]], allow_writes=True)
    assert [post.idempotent for post in transport.posts] == [False]


@pytest.mark.parametrize("allow_writes", [False, True])
def test_reads_are_sent_idempotent(allow_writes: bool) -> None:
    transport = FakeTransport()
    client = make_client(transport)
    response = client.send(LOGIN, READS, allow_writes=allow_writes)
    (post,) = transport.posts
    assert post.idempotent is True
    assert [result.control_id for result in response.results] == [function.control_id for function in READS]
    assert client.exchanges == [Exchange(tuple(function.name for function in READS), 200, 1)]


@pytest.mark.parametrize("write_probe", [False, True])
@pytest.mark.parametrize("udd", [False, True])
def test_the_product_read_batch_passes_the_guard(udd: bool, write_probe: bool) -> None:
    transport = FakeTransport()
    functions = read_functions(make_settings(udd=udd, write_probe=write_probe))
    response = make_client(transport).send(LOGIN, functions)
    assert [post.idempotent for post in transport.posts] == [True]
    assert len(response.results) == len(functions)


def test_one_request_per_send_and_close_closes_the_transport() -> None:
    transport = FakeTransport()
    client = make_client(transport)
    client.send(LOGIN, [READS[0]])
    client.send(LOGIN, [READS[1], READS[2]])
    assert len(transport.posts) == 2
    assert [exchange.function_names for exchange in client.exchanges] == [
        ("getDimensions",),
        ("readByName", "query"),
    ]
    client.close()
    assert transport.closed


def test_sent_body_carries_the_credentials_only_in_their_elements() -> None:
    transport = FakeTransport()
    make_client(transport).send(LOGIN, READS)
    root = etree.fromstring(transport.posts[0].body)
    assert root.findtext("control/password") == SENDER_PASSWORD
    assert root.findtext("operation/authentication/login/password") == USER_PASSWORD
    assert transport.posts[0].body.count(SENDER_PASSWORD.encode()) == 1
    assert transport.posts[0].body.count(USER_PASSWORD.encode()) == 1


def test_client_repr_has_no_secrets() -> None:
    client = make_client(FakeTransport())
    for secret in SECRETS:
        assert secret not in repr(client) and secret not in str(client)
    assert "PEX MPP" in repr(client) and DEFAULT_ENDPOINT in repr(client)


# --- reading what came back ----------------------------------------------------------------------


def test_401_with_the_gateway_xml_body_is_a_control_failure_response() -> None:
    body = (SAMPLES / "gateway-401-signin-incorrect-XMLGW_JPP0002.xml").read_bytes()
    response = IntacctClient._interpret(HttpReply(401, "text/xml", body))
    assert isinstance(response, Response)
    assert response.http_status == 401 and response.control_status == "failure"
    assert [error.errorno for error in response.control_errors] == ["XMLGW_JPP0002"]


def test_401_with_the_gateway_xml_body_is_returned_by_send() -> None:
    body = (SAMPLES / "gateway-401-signin-incorrect-XMLGW_JPP0002.xml").read_bytes()
    transport = FakeTransport(lambda _: HttpReply(401, "application/xml", body))
    client = make_client(transport)
    response = client.send(LOGIN, READS)
    assert not response.authenticated and response.http_status == 401
    assert client.exchanges == [Exchange(tuple(function.name for function in READS), 401, 1)]
    assert "XMLGW_JPP0002" in describe_errors(response.control_errors)


@pytest.mark.parametrize("status", [200, 400, 401])
@pytest.mark.parametrize("content_type", ["text/xml", "text/html", "text/plain", ""])
def test_xml_body_is_read_whatever_the_content_type(content_type: str, status: int) -> None:
    body = (SAMPLES / "invalid-sender-credentials-control-failure.xml").read_bytes()
    response = IntacctClient._interpret(HttpReply(status, content_type, body))
    assert response.http_status == status
    assert response.control_errors[0].errorno == "XL03000006"


def test_xml_body_without_declaration_after_whitespace_is_read() -> None:
    body = b"\r\n  <response><control><status>failure</status></control></response>"
    response = IntacctClient._interpret(HttpReply(401, "text/html", body))
    assert response.control_status == "failure" and response.control_errors == ()


def test_429_rate_limit_xml_body_is_a_control_failure_response() -> None:
    body = (
        b"<response><control><status>failure</status></control>"
        b"<errormessage><error><errorno>GW-0010</errorno></error></errormessage></response>"
    )
    response = IntacctClient._interpret(HttpReply(429, "text/xml", body, attempts=4))
    assert response.http_status == 429 and response.control_errors[0].errorno == "GW-0010"


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (503, "text/plain", b"Service Unavailable"),
        (503, "text/html", b"<html><body><h1>503 Service Unavailable</h1></body></html>"),
        (502, "text/html", b"<!DOCTYPE html><html><body>Bad gateway</body></html>"),
        (500, "", b""),
        (404, "application/json", b'{"error": "not found"}'),
    ],
    ids=["503-text", "503-html", "502-html-doctype", "500-empty", "404-json"],
)
def test_http_error_without_xml_is_a_transport_error(status: int, content_type: str, body: bytes) -> None:
    with pytest.raises(TransportError) as raised:
        IntacctClient._interpret(HttpReply(status, content_type, body, attempts=3))
    assert raised.value.fault == "transport"
    assert str(status) in str(raised.value) and "3 attempt" in str(raised.value)


def test_http_error_with_unreadable_xml_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="HTTP 500 with an unreadable body"):
        IntacctClient._interpret(HttpReply(500, "text/xml", b"<?xml version='1.0'?><response><control>"))


def test_503_through_send_is_a_transport_error_without_secrets() -> None:
    transport = FakeTransport(lambda _: HttpReply(503, "text/plain", b"Service Unavailable", attempts=4))
    client = make_client(transport)
    with pytest.raises(TransportError) as raised:
        client.send(LOGIN, READS)
    assert len(transport.posts) == 1
    assert client.exchanges[0].http_status == 503 and client.exchanges[0].attempts == 4
    assert_no_secrets(raised.value)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html; charset=utf-8", b"<!DOCTYPE html><html><body>Scheduled maintenance</body></html>"),
        ("text/html", b"<html><head><title>Sign in</title></head><body></body></html>"),
        ("application/xml", b"  <HTML><body>proxy says no</body></HTML>"),
        ("", b"<!doctype html><html></html>"),
        ("text/html", b"Scheduled maintenance"),
    ],
    ids=["html-doctype", "html", "html-as-xml", "html-no-content-type", "text-as-html"],
)
def test_200_html_page_is_a_protocol_error(content_type: str, body: bytes) -> None:
    with pytest.raises(ProtocolError, match="HTML page") as raised:
        IntacctClient._interpret(HttpReply(200, content_type, body))
    assert raised.value.fault == "protocol"


@pytest.mark.parametrize(
    "body",
    [b"", b"OK", b'{"ok": true}', b"<?xml version='1.0'?><request/>", b"<?xml version='1.0'?><response><control>"],
    ids=["empty", "text", "json", "not-response", "truncated"],
)
def test_200_with_unusable_body_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        IntacctClient._interpret(HttpReply(200, "text/xml", body))


def test_an_echo_of_the_request_is_a_protocol_error_without_secrets() -> None:
    """A proxy that reflects our request back: refused, and the passwords in it go nowhere."""
    transport = FakeTransport(lambda body: HttpReply(200, "text/xml", body))
    with pytest.raises(ProtocolError, match="not an Intacct response") as raised:
        make_client(transport).send(LOGIN, READS)
    assert_no_secrets(raised.value)


def test_an_echo_of_the_request_with_an_error_status_is_a_transport_error_without_secrets() -> None:
    transport = FakeTransport(lambda body: HttpReply(400, "text/xml", body))
    with pytest.raises(TransportError) as raised:
        make_client(transport).send(LOGIN, READS)
    assert_no_secrets(raised.value)


# --- results must answer the request -------------------------------------------------------------


@pytest.mark.parametrize(
    "control_ids",
    [
        ["r-user", "someone-else"],
        ["r-user"],
        ["r-user", "r-gl", "r-extra"],
        ["r-user", "r-user"],
        [],
    ],
    ids=["foreign", "missing", "extra", "duplicate", "none"],
)
def test_results_not_matching_the_request_are_a_protocol_error(control_ids: list[str]) -> None:
    transport = FakeTransport(lambda body: xml_reply(answer(body, control_ids=control_ids)))
    with pytest.raises(ProtocolError, match="do not answer the request") as raised:
        make_client(transport).send(LOGIN, [READS[1], READS[2]])
    assert_no_secrets(raised.value)


def test_results_in_another_order_are_accepted() -> None:
    transport = FakeTransport(lambda body: xml_reply(answer(body, control_ids=["r-gl", "r-user"])))
    response = make_client(transport).send(LOGIN, [READS[1], READS[2]])
    assert response.result("r-user").control_id == "r-user"
    assert response.result("r-gl").control_id == "r-gl"


@pytest.mark.parametrize(
    "sample",
    [
        "login-failure-signin-information-incorrect.xml",
        "session-invalid.xml",
        "invalid-sender-credentials-control-failure.xml",
    ],
)
def test_failed_sign_in_without_results_is_returned_not_raised(sample: str) -> None:
    body = (SAMPLES / sample).read_bytes()
    response = make_client(FakeTransport(lambda _: xml_reply(body))).send(LOGIN, READS)
    assert not response.authenticated and response.results == ()


# --- endpoints -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        DEFAULT_ENDPOINT,
        "https://api.intacct.com/ia/xml/xmlgw.phtml",
        "https://na12.intacct.com/ia/xml/xmlgw.phtml",
        "https://api-sandbox.intacct.com:8443/ia/xml/xmlgw.phtml",
        "http://127.0.0.1:8080/ia/xml/xmlgw.phtml",
        "http://localhost:5000/",
        "http://[::1]:8000/ia/xml/xmlgw.phtml",
        "http://LOCALHOST/x",
    ],
)
def test_accepted_endpoints(url: str) -> None:
    assert validate_endpoint(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.intacct.com/ia/xml/xmlgw.phtml",
        "http://10.0.0.5/ia/xml/xmlgw.phtml",
        "http://localhost.evil.example/",
        "http://127.0.0.1.nip.io/",
        "http://[::2]/",
    ],
)
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"plain http|not an Intacct host"):
        validate_endpoint(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://gateway.example.com/ia/xml/xmlgw.phtml",
        "https://intacct.com.evil.example/",
        "https://api.intacct.co/",
        "https://evilintacct.com/",
        "https://10.0.0.5/",
    ],
)
def test_only_intacct_hosts_receive_the_passwords(url: str) -> None:
    with pytest.raises(ConfigurationError, match="not an Intacct host"):
        validate_endpoint(url)


@pytest.mark.parametrize(
    "url",
    [
        f"https://pex:{SENDER_PASSWORD}@api.intacct.com/ia/xml/xmlgw.phtml",
        f"https://:{SENDER_PASSWORD}@api.intacct.com/",
        "https://pex@api.intacct.com/",
        f"http://pex:{SENDER_PASSWORD}@127.0.0.1:8080/",
    ],
    ids=["user-and-password", "password-only", "user-only", "loopback"],
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="must not contain credentials") as raised:
        validate_endpoint(url)
    assert_no_secrets(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "api.intacct.com/ia/xml/xmlgw.phtml",
        "ftp://api.intacct.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https:///ia/xml/xmlgw.phtml",
        "https://api.intacct.com:0/",
        "https://api.intacct.com:99999/",
        "https://api.intacct.com:https/",
        "not a url",
        "https://[::1/x",
        "https://exa mple.intacct.com/",
    ],
)
def test_garbage_endpoints_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="not a valid"):
        validate_endpoint(url)


def test_client_validates_its_endpoint_before_any_traffic() -> None:
    transport = FakeTransport()
    with pytest.raises(ConfigurationError):
        make_client(transport, endpoint="http://api.intacct.com/ia/xml/xmlgw.phtml")
    assert transport.posts == []


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://pex:{SENDER_PASSWORD}@api.intacct.com/",
        f"https://pex:{SENDER_PASSWORD}@api.intacct.com:bad/",
        f"https://pex:{SENDER_PASSWORD}@/",
    ],
    ids=["bad-scheme", "bad-port", "no-host"],
)
def test_malformed_url_with_credentials_does_not_leak_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        validate_endpoint(url)
    assert_no_secrets(raised.value)


@dataclass(frozen=True)
class _Disguised:
    """A function object that claims to read but writes: the guard judges the element that is sent."""

    control_id: str = "disguised"
    name: str = "readByQuery"

    def body(self) -> etree._Element:
        return etree.Element("create_supdoc")


def test_a_write_disguised_as_a_read_is_refused() -> None:
    transport = FakeTransport()
    with pytest.raises(ReadOnlyViolation, match="create_supdoc"):
        make_client(transport).send(LOGIN, [_Disguised()])
    assert transport.posts == []


def test_deletes_may_be_repeated_but_creates_never() -> None:
    transport = FakeTransport()
    client = make_client(transport)
    client.send(LOGIN, [DeleteSupdoc("d", "ATT-1")], allow_writes=True, repeatable_writes=True)
    client.send(LOGIN, [CreateSupdoc("c", "doc", "folder")], allow_writes=True)
    assert [post.idempotent for post in transport.posts] == [True, False]
