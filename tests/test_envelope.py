"""The request envelope: every function the product can send, built into a full request, is valid v3.0 XML.

Validation is against Sage's own schema (``tests/data/sage/api.lxml.xsd``, the v3.0 ``api.xsd``
made compilable by libxml2). Values are checked to be escaped by lxml and to round-trip, and
credentials to appear nowhere but where they belong.
"""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from collections.abc import Sequence

import pytest
from lxml import etree

from conftest import make_settings
from pytest_pex_intacct.facts.registry import read_functions
from pytest_pex_intacct.intacct import functions as functions_module
from pytest_pex_intacct.intacct.envelope import (
    DTD_VERSION,
    LoginCredentials,
    SenderCredentials,
    build_request,
    serialize,
)
from pytest_pex_intacct.intacct.errors import ConfigurationError
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

SENDER_PASSWORD = "Snd-Pw-7f3e9c"
USER_PASSWORD = "Usr-Pw-b41d02"
SENDER = SenderCredentials("PEX MPP", SENDER_PASSWORD)
LOGIN = LoginCredentials("pex_connector", "ACME", USER_PASSWORD)
LOGIN_IN_ENTITY = LoginCredentials("pex_connector", "ACME", USER_PASSWORD, location_id="E100")

AUTHENTICATIONS: dict[str, LoginCredentials] = {
    "login": LOGIN,
    "login-with-location": LOGIN_IN_ENTITY,
}

# One or more instances of every function class of functions.py (see test_every_function_class_is_covered).
FUNCTIONS: dict[str, IntacctFunction] = {
    "readByName": ReadByName("f-user", "USERINFO", ("pex_connector",)),
    "readByName-two-keys": ReadByName("f-users", "USERINFO", ("a", "b"), fields="LOGINID,ADMIN"),
    "query-or-any-case": Query(
        "f-gl", "GLACCOUNT", ("RECORDNO", "TITLE"), (("ACCOUNTNO", "6000"), ("TITLE", "6000")), case_insensitive=True
    ),
    "get_list-supdoc": ListSupdocs("f-supdoc", "PEX acceptance probe run-1"),
    "query": Query("f-roles", "ROLEUSERS", ("USERLOGINID", "ROLENAME"), (("USERLOGINID", "pex_connector"),)),
    "getDimensions": GetDimensions("f-dimensions"),
    "get_list-supdocfolder": ListSupdocFolders("f-folders", "PEX acceptance probe"),
    "create_supdocfolder": CreateSupdocFolder("f-mkdir", "PEX acceptance probe"),
    "create_supdocfolder-with-description": CreateSupdocFolder("f-mkdir2", "PEX acceptance probe", "made by PEX"),
    "create_supdoc": CreateSupdoc("f-doc", "PEX probe document", "PEX acceptance probe"),
    "delete_supdoc": DeleteSupdoc("f-rm", "17"),
    "delete_supdocfolder": DeleteSupdocFolder("f-rmdir", "PEX acceptance probe"),
}

# Characters that must be escaped in XML, quotes, a CDATA terminator, an injection attempt and non-ASCII.
NASTY = 'Zoë & "Söhne" <GmbH> O\'Brien ]]> </password><userid>root</userid> € 日本'


def assert_valid(schema: etree.XMLSchema, request: etree._Element) -> None:
    """Validate both the built tree and what goes on the wire (the serialized bytes, parsed back)."""
    for document in (request, etree.fromstring(serialize(request))):
        if not schema.validate(document):
            pytest.fail(f"request is not valid v3.0 XML: {schema.error_log}\n{etree.tostring(document).decode()}")


def wire(request: etree._Element) -> etree._Element:
    """The request as Intacct would see it: serialized, then parsed."""
    return etree.fromstring(serialize(request))


def must_find(element: etree._Element, path: str) -> etree._Element:
    found = element.find(path)
    assert found is not None, f"no {path} in {etree.tostring(element)!r}"
    return found


def attributes(element: etree._Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.attrib.items()}


def tags(element: etree._Element) -> list[str]:
    return [str(child.tag) for child in element]


# --- schema validity ---------------------------------------------------------------------------


def test_every_function_class_is_covered() -> None:
    classes = {
        cls.__name__
        for _, cls in inspect.getmembers(functions_module, inspect.isclass)
        if cls.__module__ == functions_module.__name__ and dataclasses.is_dataclass(cls) and hasattr(cls, "body")
    }
    assert classes == {type(function).__name__ for function in FUNCTIONS.values()}


@pytest.mark.parametrize("auth_name", AUTHENTICATIONS)
@pytest.mark.parametrize("function_name", FUNCTIONS)
def test_each_function_builds_a_schema_valid_request(
    intacct_schema: etree.XMLSchema, function_name: str, auth_name: str
) -> None:
    request = build_request(SENDER, AUTHENTICATIONS[auth_name], [FUNCTIONS[function_name]], control_id="c-1")
    assert_valid(intacct_schema, request)


@pytest.mark.parametrize("auth_name", AUTHENTICATIONS)
def test_all_functions_in_one_request_are_schema_valid(intacct_schema: etree.XMLSchema, auth_name: str) -> None:
    assert_valid(intacct_schema, build_request(SENDER, AUTHENTICATIONS[auth_name], list(FUNCTIONS.values())))


@pytest.mark.parametrize("auth_name", AUTHENTICATIONS)
def test_functions_with_nasty_values_are_schema_valid(intacct_schema: etree.XMLSchema, auth_name: str) -> None:
    functions: list[IntacctFunction] = [
        ReadByName("n1", "USERINFO", (NASTY,)),
        ListSupdocs("n2", NASTY),
        Query("n3", "USERROLES", ("USERID",), (("USERID", NASTY),)),
        ListSupdocFolders("n4", NASTY),
        CreateSupdocFolder("n5", NASTY, NASTY),
        CreateSupdoc("n6", NASTY, NASTY),
        DeleteSupdoc("n7", NASTY),
        DeleteSupdocFolder("n8", NASTY),
    ]
    assert_valid(intacct_schema, build_request(SENDER, AUTHENTICATIONS[auth_name], functions))


@pytest.mark.parametrize("write_probe", [False, True], ids=["no-probe", "probe"])
@pytest.mark.parametrize("udd", [False, True], ids=["no-udd", "udd"])
@pytest.mark.parametrize("auth_name", AUTHENTICATIONS)
def test_product_read_batch_is_schema_valid(
    intacct_schema: etree.XMLSchema, auth_name: str, udd: bool, write_probe: bool
) -> None:
    functions = read_functions(make_settings(udd=udd, write_probe=write_probe))
    assert_valid(intacct_schema, build_request(SENDER, AUTHENTICATIONS[auth_name], functions))


@pytest.mark.parametrize("write_probe", [False, True], ids=["no-probe", "probe"])
@pytest.mark.parametrize("udd", [False, True], ids=["no-udd", "udd"])
def test_product_read_batch_contents(udd: bool, write_probe: bool) -> None:
    functions = read_functions(make_settings(udd=udd, write_probe=write_probe))
    names = [function.name for function in functions]
    assert ("getDimensions" in names) == udd
    assert ("get_list" in names) == write_probe
    assert {"readByName", "query"} <= set(names)
    assert not any(is_write_function(name) for name in names), "the batched read must never write"
    control_ids = [function.control_id for function in functions]
    assert len(set(control_ids)) == len(control_ids) and all(control_ids)


def test_product_read_batch_looks_names_up_whatever_the_case(intacct_schema: etree.XMLSchema) -> None:
    gl_account = 'O\'Brien <&> "Zoë" \\ 6000'
    functions = read_functions(make_settings(gl_account=gl_account))
    request = build_request(SENDER, LOGIN, functions)
    assert_valid(intacct_schema, request)
    root = wire(request)
    gl = [query for query in root.iterfind(".//query") if query.findtext("object") == "GLACCOUNT"]
    assert len(gl) == 1
    # Number or title, sent verbatim (lxml escapes), compared whatever the case.
    assert [(e.findtext("field"), e.findtext("value")) for e in gl[0].iterfind("filter/or/equalto")] == [
        ("ACCOUNTNO", gl_account),
        ("TITLE", gl_account),
    ]
    assert gl[0].findtext("options/caseinsensitive") == "true"
    # Every lookup of the user id ignores case; readByName sends it verbatim.
    for query in root.iterfind(".//query"):
        if query.find("filter") is not None:
            assert query.findtext("options/caseinsensitive") == "true", query.findtext("object")
    assert root.findtext(".//readByName/keys") == "pex_connector"


def test_schema_catches_a_misordered_login(intacct_schema: etree.XMLSchema) -> None:
    """Guards the validity tests above: the schema really enforces element order."""
    request = build_request(SENDER, LOGIN, [GetDimensions("x")])
    login = request.find("operation/authentication/login")
    assert login is not None
    password = login.find("password")
    assert password is not None
    login.remove(password)
    login.insert(1, password)  # password before companyid
    assert not intacct_schema.validate(request)


# --- envelope structure ------------------------------------------------------------------------


def test_request_top_level_order() -> None:
    request = build_request(SENDER, LOGIN, [GetDimensions("x")])
    assert request.tag == "request"
    assert tags(request) == ["control", "operation"]
    operation = request.find("operation")
    assert operation is not None
    assert attributes(operation) == {"transaction": "false"}
    assert tags(operation) == ["authentication", "content"]


def test_control_block_order_and_values() -> None:
    control = wire(build_request(SENDER, LOGIN, [GetDimensions("x")], control_id="ctl-42")).find("control")
    assert control is not None
    assert tags(control) == ["senderid", "password", "controlid", "uniqueid", "dtdversion", "includewhitespace"]
    assert control.findtext("senderid") == "PEX MPP"
    assert control.findtext("password") == SENDER_PASSWORD
    assert control.findtext("controlid") == "ctl-42"
    # Reads must be repeatable: uniqueid true would make Intacct refuse a retried request.
    assert control.findtext("uniqueid") == "false"
    assert control.findtext("dtdversion") == DTD_VERSION == "3.0"
    assert control.findtext("includewhitespace") == "false"


def test_default_control_id_is_a_fresh_uuid() -> None:
    first = build_request(SENDER, LOGIN, [GetDimensions("x")]).findtext("control/controlid")
    second = build_request(SENDER, LOGIN, [GetDimensions("x")]).findtext("control/controlid")
    assert first and second and first != second
    assert str(uuid.UUID(first)) == first


def test_login_order_companyid_before_password() -> None:
    login = wire(build_request(SENDER, LOGIN, [GetDimensions("x")])).find("operation/authentication/login")
    assert login is not None
    assert tags(login) == ["userid", "companyid", "password"]
    assert [child.text for child in login] == ["pex_connector", "ACME", USER_PASSWORD]


def test_login_with_location_id_ends_with_locationid() -> None:
    login = wire(build_request(SENDER, LOGIN_IN_ENTITY, [GetDimensions("x")])).find("operation/authentication/login")
    assert login is not None
    assert tags(login) == ["userid", "companyid", "password", "locationid"]
    assert login.findtext("locationid") == "E100"


def test_login_with_empty_location_id_has_no_locationid() -> None:
    login_credentials = LoginCredentials("pex_connector", "ACME", USER_PASSWORD, location_id="")
    login = build_request(SENDER, login_credentials, [GetDimensions("x")]).find("operation/authentication/login")
    assert login is not None
    assert tags(login) == ["userid", "companyid", "password"]


def test_each_function_is_wrapped_with_its_control_id_in_order() -> None:
    functions = list(FUNCTIONS.values())
    content = wire(build_request(SENDER, LOGIN, functions)).find("operation/content")
    assert content is not None
    assert tags(content) == ["function"] * len(functions)
    assert [wrapper.get("controlid") for wrapper in content] == [function.control_id for function in functions]
    for wrapper, function in zip(content, functions, strict=True):
        assert list(attributes(wrapper)) == ["controlid"]
        assert tags(wrapper) == [function.name]


# --- function bodies ---------------------------------------------------------------------------


def body_of(function: IntacctFunction) -> etree._Element:
    wrapper = wire(build_request(SENDER, LOGIN, [function])).find("operation/content/function")
    assert wrapper is not None and len(wrapper) == 1
    return wrapper[0]


def test_get_dimensions_is_empty() -> None:
    body = body_of(GetDimensions("b"))
    assert body.tag == "getDimensions" and len(body) == 0 and not body.attrib and not body.text


def test_read_by_name_body() -> None:
    body = body_of(ReadByName("u", "USERINFO", ("a", "b")))
    assert tags(body) == ["object", "keys", "fields"]
    assert [child.text for child in body] == ["USERINFO", "a,b", "*"]


def test_query_with_or_and_case_insensitive_body() -> None:
    body = body_of(Query("g", "GLACCOUNT", ("RECORDNO",), (("ACCOUNTNO", "6000"), ("TITLE", "6000")), True, pagesize=5))
    assert tags(body) == ["object", "select", "filter", "pagesize", "options"]
    assert [(e.findtext("field"), e.findtext("value")) for e in body.iterfind("filter/or/equalto")] == [
        ("ACCOUNTNO", "6000"),
        ("TITLE", "6000"),
    ]
    assert body.findtext("pagesize") == "5"
    assert body.findtext("options/caseinsensitive") == "true"


def test_query_equal_to_body() -> None:
    body = body_of(Query("r", "ROLEUSERS", ("USERLOGINID", "ROLENAME"), (("USERLOGINID", "pex_connector"),)))
    assert tags(body) == ["object", "select", "filter", "pagesize"]
    assert body.findtext("object") == "ROLEUSERS"
    assert [field.text for field in body.findall("select/field")] == ["USERLOGINID", "ROLENAME"]
    equalto = body.find("filter/equalto")
    assert equalto is not None
    assert [(child.tag, child.text) for child in equalto] == [("field", "USERLOGINID"), ("value", "pex_connector")]
    assert body.findtext("pagesize") == "2000"


def test_list_supdoc_folders_body() -> None:
    body = body_of(ListSupdocFolders("l", "PEX acceptance probe"))
    assert body.tag == "get_list" and attributes(body) == {"object": "supdocfolder"}
    expression = body.find("filter/expression")
    assert expression is not None
    assert [(child.tag, child.text) for child in expression] == [
        ("field", "name"),
        ("operator", "="),
        ("value", "PEX acceptance probe"),
    ]


def test_create_supdoc_folder_body() -> None:
    assert tags(body_of(CreateSupdocFolder("c", "F"))) == ["supdocfoldername"]
    body = body_of(CreateSupdocFolder("c", "F", "D"))
    assert [(child.tag, child.text) for child in body] == [("supdocfoldername", "F"), ("supdocfolderdescription", "D")]


def test_create_supdoc_asks_intacct_to_number_it() -> None:
    body = body_of(CreateSupdoc("d", "Doc", "Folder"))
    assert tags(body) == ["supdocid", "supdocname", "supdocfoldername"]
    assert not body.findtext("supdocid")
    assert body.findtext("supdocname") == "Doc"
    assert body.findtext("supdocfoldername") == "Folder"


@pytest.mark.parametrize("function", [DeleteSupdoc("x", "17"), DeleteSupdocFolder("y", "17")], ids=lambda f: f.name)
def test_delete_bodies_carry_the_key_attribute(function: IntacctFunction) -> None:
    body = body_of(function)
    assert body.tag == function.name
    assert attributes(body) == {"key": "17"} and len(body) == 0


# --- refused requests --------------------------------------------------------------------------


def test_no_functions_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        build_request(SENDER, LOGIN, [])


@pytest.mark.parametrize(
    "functions",
    [
        [GetDimensions("same"), GetDimensions("same")],
        [ReadByName("a", "USERINFO", ("u",)), GetDimensions("b"), GetDimensions("a")],
        [GetDimensions("")],
        [GetDimensions("ok"), GetDimensions("")],
    ],
    ids=["duplicate", "duplicate-not-adjacent", "empty", "one-empty"],
)
def test_duplicate_or_empty_control_ids_are_refused(functions: Sequence[IntacctFunction]) -> None:
    with pytest.raises(ConfigurationError, match="unique and non-empty"):
        build_request(SENDER, LOGIN, functions)


# --- escaping and round-trips ------------------------------------------------------------------


def test_nasty_credentials_are_escaped_and_round_trip() -> None:
    sender = SenderCredentials(NASTY, "s" + NASTY)
    login = LoginCredentials(NASTY, "c" + NASTY, "p" + NASTY, location_id="l" + NASTY)
    body = serialize(build_request(sender, login, [GetDimensions("x")], control_id="i" + NASTY))
    assert b"<GmbH>" not in body and b"& " not in body
    assert b"&lt;GmbH&gt;" in body and b"&amp;" in body
    root = etree.fromstring(body)
    assert root.findtext("control/senderid") == NASTY
    assert root.findtext("control/password") == "s" + NASTY
    assert root.findtext("control/controlid") == "i" + NASTY
    assert [child.text for child in must_find(root, "operation/authentication/login")] == [
        NASTY,
        "c" + NASTY,
        "p" + NASTY,
        "l" + NASTY,
    ]
    # The injection attempt stayed text: one login, one userid in it.
    assert len(root.findall(".//userid")) == 1
    assert len(root.findall(".//password")) == 2


# --- credentials never leak ------------------------------------------------------------------------


def test_credential_reprs_hide_passwords() -> None:
    for credentials, secret in ((SENDER, SENDER_PASSWORD), (LOGIN, USER_PASSWORD), (LOGIN_IN_ENTITY, USER_PASSWORD)):
        assert secret not in repr(credentials)
        assert secret not in str(credentials)
    # The non-secret parts stay visible for debugging.
    assert "PEX MPP" in repr(SENDER)
    assert "pex_connector" in repr(LOGIN) and "ACME" in repr(LOGIN) and "E100" in repr(LOGIN_IN_ENTITY)


def test_settings_repr_hides_passwords() -> None:
    settings = make_settings(sender_password=SENDER_PASSWORD, user_password=USER_PASSWORD)
    assert SENDER_PASSWORD not in repr(settings) and USER_PASSWORD not in repr(settings)


@pytest.mark.parametrize("auth_name", AUTHENTICATIONS)
def test_passwords_appear_only_inside_password_elements(auth_name: str) -> None:
    functions = [*read_functions(make_settings(udd=True, write_probe=True)), *FUNCTIONS.values()]
    # read_functions and FUNCTIONS share no control ids; make sure anyway.
    assert len({function.control_id for function in functions}) == len(functions)
    body = serialize(build_request(SENDER, AUTHENTICATIONS[auth_name], functions))
    secrets = [SENDER_PASSWORD, USER_PASSWORD]
    for element in etree.fromstring(body).iter():
        for secret in secrets:
            if element.tag != "password":
                assert secret not in (element.text or ""), element.tag
            assert secret not in (element.tail or "")
            assert all(secret not in value for value in element.attrib.values())
            assert all(secret not in name for name in element.attrib)
    assert body.count(SENDER_PASSWORD.encode()) == 1
    assert body.count(USER_PASSWORD.encode()) == 1


@pytest.mark.parametrize(
    "bad_character",
    ["\udce9", "\ud800"],
    ids=["surrogateescape-from-environ", "lone-surrogate"],
)
def test_unencodable_password_does_not_leak_into_the_exception(bad_character: str) -> None:
    password = f"Leak-Pw-{bad_character}-5c1f"
    with pytest.raises((ConfigurationError, ValueError)) as raised:
        build_request(SenderCredentials("PEX MPP", password), LOGIN, [GetDimensions("x")])
    assert password not in repr(raised.value)
    assert "Leak-Pw-" not in repr(raised.value)
    assert "Leak-Pw-" not in str(raised.value)


def test_control_character_in_password_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        build_request(SenderCredentials("PEX MPP", "pw\x01-8d2a"), LOGIN, [GetDimensions("x")])
