"""Parsing Intacct responses: every saved sample, the three status levels, errors, and hostile bodies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from conftest import SAMPLES
from pytest_pex_intacct.intacct.errors import (
    ErrorDetail,
    ProtocolError,
    describe_errors,
)
from pytest_pex_intacct.intacct.response import (
    MAX_RESPONSE_BYTES,
    AuthenticationBlock,
    Record,
    Response,
    Result,
    element_to_record,
    parse_response,
    split_support_id,
)

SAMPLE_FILES = sorted(SAMPLES.glob("*.xml"))

SampleCheck = Callable[[bytes], None]
CHECKS: dict[str, SampleCheck] = {}


def checks(name: str) -> Callable[[SampleCheck], SampleCheck]:
    def register(check: SampleCheck) -> SampleCheck:
        CHECKS[name] = check
        return check

    return register


def ok_response(results: str = "", authentication: str | None = None) -> bytes:
    """A control- and authentication-successful response around the given ``<result>`` elements."""
    if authentication is None:
        authentication = (
            "<authentication><status>success</status><userid>pex_connector</userid>"
            "<companyid>ACME</companyid><locationid></locationid></authentication>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status>'
        "<senderid>PEX MPP</senderid><controlid>c</controlid><uniqueid>false</uniqueid>"
        f"<dtdversion>3.0</dtdversion></control><operation>{authentication}{results}</operation></response>"
    ).encode()


def control_failure(errors: str) -> bytes:
    return (
        f"<response><control><status>failure</status></control><errormessage>{errors}</errormessage></response>"
    ).encode()


def error_xml(errorno: str, description: str = "", description2: str = "", correction: str = "") -> str:
    return (
        f"<error><errorno>{errorno}</errorno><description>{description}</description>"
        f"<description2>{description2}</description2><correction>{correction}</correction></error>"
    )


def walk(value: object) -> Iterator[Record]:
    """Every record dict reachable from a value (dicts, and lists/tuples of them)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from walk(child)


# --- every sample ------------------------------------------------------------------------------


def test_the_samples_are_there() -> None:
    assert SAMPLES.is_dir(), f"Intacct samples are missing: {SAMPLES}"
    assert len(SAMPLE_FILES) >= 12


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[path.name for path in SAMPLE_FILES])
def test_sample(path: Path) -> None:
    check = CHECKS.get(path.name)
    assert check is not None, f"new sample {path.name}: add a @checks({path.name!r}) function saying what it shows"
    check(path.read_bytes())


@checks("function-failure-multiple-errors.xml")
def check_function_failure_multiple_errors(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_ok and response.authenticated
    assert response.control_errors == () and response.authentication_errors == ()
    assert response.authentication == AuthenticationBlock(
        status="success",
        user_id="UUUUU",
        company_id="XXXXXXXXXXX",
        location_id="",
        session_timestamp="2018-11-24T12:23:45-08:00",
        session_timeout="",
    )
    (result,) = response.results
    assert (result.status, result.function, result.control_id) == ("failure", "create", "testFunctionId")
    assert not result.ok
    # A failed create still carries <data>.
    assert result.has_data
    assert result.data_attributes == {"listtype": "objects", "count": "1"}
    assert result.records == ({"RECORDNO": "1424", "PROJECTID": "Fellow PD2"},)
    assert result.key is None
    assert result.errors == (
        ErrorDetail(
            errorno="BL34000061",
            description2="Another Project with the given value(s) Fellow PD1  already exists",
            correction="Use a unique value instead.",
        ),
        ErrorDetail(errorno="BL01001973", description2="Could not create project record!"),
        ErrorDetail(errorno="BL01001973", description2="Error while saving the Project info"),
    )
    assert not result.ok
    message = describe_errors(result.errors)
    for text in ("BL34000061", "already exists", "Use a unique value instead.", "Could not create project record!"):
        assert text in message
    assert message.count("BL01001973") == 2


@checks("gateway-401-signin-incorrect-XMLGW_JPP0002.xml")
def check_gateway_401(body: bytes) -> None:
    response = parse_response(body, http_status=401)
    assert response.http_status == 401
    assert response.control_status == "failure" and not response.control_ok and not response.authenticated
    assert response.authentication is None and response.authentication_errors == () and response.results == ()
    # The gateway puts the text in description, not description2.
    assert response.control_errors == (
        ErrorDetail(
            errorno="XMLGW_JPP0002", description="Sign-in information is incorrect. Please check your request."
        ),
    )
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "XMLGW_JPP0002" in message and "Sign-in information is incorrect" in message


@checks("invalid-sender-credentials-control-failure.xml")
def check_invalid_sender(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_status == "failure" and not response.authenticated
    assert response.authentication is None and response.results == () and response.authentication_errors == ()
    assert response.control_errors == (
        ErrorDetail(errorno="XL03000006", description2="Incorrect Intacct XML Partner ID or password."),
    )
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "Incorrect Intacct XML Partner ID or password." in message


@checks("login-failure-signin-information-incorrect.xml")
def check_login_failure(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_ok and not response.authenticated
    assert response.control_errors == ()
    assert response.authentication == AuthenticationBlock("failure", "xml_gateway", "XXXXX", "")
    assert response.results == ()
    assert response.authentication_errors == (
        ErrorDetail(errorno="XL03000006", description2="Sign-in information is incorrect"),
    )
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "XL03000006" in message and "Sign-in information is incorrect" in message


@checks("multi-function-mixed-success-failure.xml")
def check_mixed_results(body: bytes) -> None:
    response = parse_response(body)
    assert response.authenticated
    assert response.authentication is not None
    assert response.authentication.location_id == "*****"
    assert response.authentication.session_timeout == "2019-05-30T18:29:53-07:00"
    assert [(r.status, r.function, r.control_id) for r in response.results] == [
        ("failure", "read", "testFunctionId"),
        ("success", "read", "abcdef"),
        ("failure", "read", "testFunctionId"),
    ]
    first, second, third = response.results
    assert first.errors == (ErrorDetail(errorno="Invalid fields list x"),)
    assert third.errors == (ErrorDetail(errorno="Invalid fields list y"),)
    assert not first.has_data and first.records == () and first.data_attributes == {}
    assert second.ok and second.errors == ()
    assert second.data_attributes == {"listtype": "APBILL", "count": "1"}
    assert second.records == (
        {"RECORDNO": "16747", "VENDORID": "407258", "VENDORNAME": "FOSSE BOB", "RECORDID": "E18-6465"},
    )
    # Lookup by control id: the first of duplicates.
    assert response.result("testFunctionId") is first
    assert response.result("abcdef") is second
    assert not third.ok
    message = describe_errors(third.errors)
    assert "Invalid fields list y" in message


@checks("readbyquery-empty-result.xml")
def check_readbyquery_empty(body: bytes) -> None:
    response = parse_response(body)
    (result,) = response.results
    assert result.ok and result.function == "readByQuery" and result.control_id == "testControlId"
    assert result.has_data and result.records == ()
    assert result.data_attributes == {
        "listtype": "department",
        "count": "0",
        "totalcount": "0",
        "numremaining": "0",
        "resultId": "",
    }


@checks("readbyquery-with-data-and-read-two-results.xml")
def check_readbyquery_with_data(body: bytes) -> None:
    response = parse_response(body)
    assert response.authenticated
    assert response.authentication is not None
    assert response.authentication.session_timestamp == "2018-11-24T15:29:48-08:00"
    query, read = response.results
    assert (query.status, query.function, query.control_id) == (
        "success",
        "readByQuery",
        "e2a84020-e094-4dd8-97ed-6447592ecd47",
    )
    assert query.data_attributes == {
        "listtype": "project",
        "count": "5",
        "totalcount": "35",
        "numremaining": "30",
        "resultId": "7765623336W-ne68CoA4gAAEEhD7EAAAAP4",
    }
    assert [record["RECORDNO"] for record in query.records] == ["989", "1002", "4", "5", "990"]
    assert query.records[0] == {"RECORDNO": "989", "PROJECTID": "A17-ADVC", "NAME": "Advisory Council"}
    assert (read.function, read.control_id) == ("read", "19c628be-6bb3-4798-b535-c373b1186584")
    assert read.data_attributes == {"listtype": "PROJECT", "count": "1"}
    assert read.records == ({"RECORDNO": "1423", "PROJECTID": "Fellow PD1", "NAME": "Program Development1"},)


@checks("sender-not-authorized-for-company.xml")
def check_sender_not_authorized(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_ok and not response.authenticated
    assert response.authentication == AuthenticationBlock("failure", "test_user_id", "test_company_id", "")
    (error,) = response.authentication_errors
    assert error.errorno == "XL03000006"
    assert error.description == "Invalid Web Services Authorization"
    # &#039; character references are decoded.
    assert error.description2 == (
        "The sender ID 'test_sender_id' is not authorized to make Web Services requests to company ID "
        "'test_company_id'."
    )
    assert (
        error.correction == "Contact the company administrator to grant Web Services authorization to this sender ID."
    )
    assert error.support_id == ""
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "Invalid Web Services Authorization" in message
    assert "(correction: Contact the company administrator" in message


@checks("session-invalid.xml")
def check_session_invalid(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_ok and not response.authenticated
    assert response.authentication == AuthenticationBlock("failure", "", "", "")
    assert response.authentication_errors == (ErrorDetail(errorno="XL03000006", description2="Invalid session q...."),)
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "Invalid session" in message


@checks("transaction-true-aborted-and-failed.xml")
def check_transaction_aborted(body: bytes) -> None:
    response = parse_response(body)
    assert response.authenticated
    aborted, failed = response.results
    assert (aborted.status, aborted.control_id) == ("aborted", "func1UnitTest")
    assert (failed.status, failed.control_id) == ("failure", "func2UnitTest")
    assert not aborted.ok and not failed.ok
    rolled_back = "The entire transaction in this operation has been rolled back due to an error."
    assert aborted.errors == (ErrorDetail(errorno="XL03000009", description2=rolled_back),)
    assert failed.errors == (
        ErrorDetail(errorno="Get API Session Failed", description2="Something went wrong"),
        ErrorDetail(errorno="XL03000009", description2=rolled_back),
    )
    assert not aborted.ok
    assert aborted.status == "aborted"


@checks("unknown-object-readbyquery-failure.xml")
def check_unknown_object(body: bytes) -> None:
    (result,) = parse_response(body).results
    assert (result.status, result.function) == ("failure", "readByQuery")
    assert result.errors == (ErrorDetail(errorno="Query Failed", description2="Object definition BADOBJECT not found"),)
    assert not result.has_data and result.records == ()


@checks("xml-parse-error-control-failure.xml")
def check_xml_parse_error(body: bytes) -> None:
    response = parse_response(body)
    assert response.control_status == "failure"
    assert [error.errorno for error in response.control_errors] == ["XL03000003", "XL03000003"]
    assert all(error.description2.startswith("XML Parse schema error:") for error in response.control_errors)
    assert "PROJECTID line 18" in response.control_errors[0].description2
    assert "CUSTOMER" in response.control_errors[1].description2
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert len(response.control_errors) == 2
    assert message.count("XL03000003") == 2


# --- getDimensions, cut out of its fragment ----------------------------------------------------


# Written for this suite in the documented getDimensions format (the public recordings of it carry no
# licence that allows vendoring them): a standard dimension and a user-defined one.
GETDIMENSIONS_RESULT = """<result><status>success</status><function>getDimensions</function>
<controlid>a747918b-bbd1-47c3-a4d4-f368b35fb19a</controlid><data><dimensions>
<dimension><objectName>DEPARTMENT</objectName><objectLabel>Department</objectLabel><termLabel>Department</termLabel>
<userDefinedDimension>false</userDefinedDimension><enabledInGL>true</enabledInGL></dimension>
<dimension><objectName>PLACE</objectName><objectLabel>Place</objectLabel><termLabel>Place</termLabel>
<userDefinedDimension>true</userDefinedDimension><enabledInGL>true</enabledInGL></dimension>
</dimensions></data></result>"""


def getdimensions_result() -> Result:
    (parsed,) = parse_response(ok_response(GETDIMENSIONS_RESULT)).results
    return parsed


def test_getdimensions_result_cut_into_a_proper_response() -> None:
    result = getdimensions_result()
    assert result.ok and result.function == "getDimensions"
    assert result.control_id == "a747918b-bbd1-47c3-a4d4-f368b35fb19a"
    assert result.has_data and result.data_attributes == {} and result.errors == ()
    (record,) = result.records
    assert "dimension" in record
    names = [entry.get("objectName") for entry in walk(result.records) if "objectName" in entry]
    assert names and names[0] == "DEPARTMENT"
    first = next(entry for entry in walk(result.records) if entry.get("objectName") == "DEPARTMENT")
    assert first == {
        "objectName": "DEPARTMENT",
        "objectLabel": "Department",
        "termLabel": "Department",
        "userDefinedDimension": "false",
        "enabledInGL": "true",
    }


def test_getdimensions_result_keeps_every_dimension() -> None:
    (record,) = getdimensions_result().records
    dimensions = record["dimension"]
    assert isinstance(dimensions, list)
    assert [entry["objectName"] for entry in dimensions] == ["DEPARTMENT", "PLACE"]
    assert dimensions[1] == {
        "objectName": "PLACE",
        "objectLabel": "Place",
        "termLabel": "Place",
        "userDefinedDimension": "true",
        "enabledInGL": "true",
    }


def test_repeated_elements_become_lists() -> None:
    element = etree.fromstring(
        "<USER><ROLE><NAME>A</NAME></ROLE><ROLE><NAME>B</NAME></ROLE><ROLE><NAME>C</NAME></ROLE>"
        "<TAG>x</TAG><TAG>y</TAG><ONE>1</ONE></USER>"
    )
    assert element_to_record(element) == {
        "ROLE": [{"NAME": "A"}, {"NAME": "B"}, {"NAME": "C"}],
        "TAG": [{"": "x"}, {"": "y"}],
        "ONE": "1",
    }


# --- constructed responses ---------------------------------------------------------------------


def test_support_id_is_split_from_description2() -> None:
    response = parse_response(
        control_failure(
            error_xml("XL03000006", description2="Incorrect Intacct XML Partner ID or password. [Support ID: abc123]")
        )
    )
    (error,) = response.control_errors
    assert error.description2 == "Incorrect Intacct XML Partner ID or password."
    assert error.support_id == "abc123"
    assert error.text == "Incorrect Intacct XML Partner ID or password."
    assert str(error) == "XL03000006 Incorrect Intacct XML Partner ID or password. [Support ID: abc123]"
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert message.count("[Support ID: abc123]") == 1


def test_support_id_from_description_and_description2_prefers_description2() -> None:
    response = parse_response(
        control_failure(
            error_xml("E1", description="One. [Support ID: first]", description2="Two. [Support ID: second]")
        )
    )
    (error,) = response.control_errors
    assert (error.description, error.description2, error.support_id) == ("One.", "Two.", "second")


def test_support_id_in_description_only() -> None:
    (error,) = parse_response(control_failure(error_xml("E1", description="Bad. [Support ID: d-1]"))).control_errors
    assert (error.description, error.description2, error.support_id) == ("Bad.", "", "d-1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bad thing. [Support ID: abc123]", ("Bad thing.", "abc123")),
        ("Bad thing.[Support ID:abc123]  ", ("Bad thing.", "abc123")),
        ("Bad thing. [Support ID:  fJOw~Y8t6O%2Bp4N ]", ("Bad thing.", "fJOw~Y8t6O%2Bp4N")),
        ("[Support ID: only]", ("", "only")),
        ("No support id here", ("No support id here", "")),
        ("Mid [Support ID: x] text", ("Mid [Support ID: x] text", "")),
        ("", ("", "")),
    ],
)
def test_split_support_id(text: str, expected: tuple[str, str]) -> None:
    assert split_support_id(text) == expected


def test_error_detail_text_and_str() -> None:
    assert str(ErrorDetail(errorno="")) == "(no errorno)"
    error = ErrorDetail("E9", "Desc", "Desc2", "Fix it", "s-1")
    assert error.text == "Desc Desc2"
    assert str(error) == "E9 Desc Desc2 (correction: Fix it) [Support ID: s-1]"
    assert describe_errors(()) == "no error details given"
    assert describe_errors((ErrorDetail("A"), ErrorDetail("B", "b"))) == "A; B b"


def test_error_without_optional_fields() -> None:
    (error,) = parse_response(control_failure("<error><errorno>GW-0010</errorno></error>")).control_errors
    assert error == ErrorDetail(errorno="GW-0010")


def test_gateway_error_with_only_a_status_and_a_request_id() -> None:
    body = control_failure(
        "<error><errorno>GW-0011</errorno><description>Invalid Request [Request ID: r-9]</description></error>"
    )
    (error,) = parse_response(body, http_status=400).control_errors
    assert error.errorno == "GW-0011" and error.description == "Invalid Request [Request ID: r-9]"


def test_result_with_a_key() -> None:
    results = (
        "<result><status>success</status><function>create_supdoc</function><controlid>doc</controlid>"
        "<key> 42 </key></result>"
        "<result><status>success</status><function>create_supdocfolder</function><controlid>dir</controlid>"
        "<key/></result>"
    )
    doc, folder = parse_response(ok_response(results)).results
    assert doc.key == "42" and not doc.has_data and doc.records == ()
    assert folder.key == ""


def test_nested_records_and_text_are_stripped() -> None:
    results = (
        "<result><status>success</status><function>readByQuery</function><controlid>u</controlid>"
        '<data listtype="USERINFO" count="1"><USERINFO><LOGINID>\n  pex_connector  \n</LOGINID>'
        "<CONTACTINFO><EMAIL1>ap@acme.example</EMAIL1><CONTACTNAME/></CONTACTINFO>"
        "<!-- a comment --><?pi dropped?><DESC><![CDATA[a < b & c]]></DESC></USERINFO></data></result>"
    )
    (result,) = parse_response(ok_response(results)).results
    assert result.records == (
        {
            "LOGINID": "pex_connector",
            "CONTACTINFO": {"EMAIL1": "ap@acme.example", "CONTACTNAME": ""},
            "DESC": "a < b & c",
        },
    )


def test_control_success_without_authentication_block_is_not_authenticated() -> None:
    response = parse_response(ok_response(authentication=""))
    assert response.control_ok and response.authentication is None and not response.authenticated
    assert not response.authenticated
    message = describe_errors(response.control_errors + response.authentication_errors)
    assert "no error details given" in message


def test_result_lookup_for_a_missing_control_id() -> None:
    response = parse_response(ok_response())
    with pytest.raises(ProtocolError, match="'nope'"):
        response.result("nope")


def test_http_status_is_kept() -> None:
    assert parse_response(ok_response(), http_status=299).http_status == 299
    assert parse_response(control_failure(error_xml("GW-0010")), http_status=429).http_status == 429


def test_control_failure_ignores_an_operation() -> None:
    body = (
        b"<response><control><status>failure</status></control><operation><authentication><status>success"
        b"</status></authentication><result><status>success</status><function>read</function>"
        b"<controlid>x</controlid></result></operation></response>"
    )
    response = parse_response(body)
    assert response.control_status == "failure"
    assert response.authentication is None and response.results == () and not response.authenticated


def test_response_with_an_xml_declaration_in_another_encoding() -> None:
    body = ok_response(
        "<result><status>success</status><function>read</function><controlid>x</controlid>"
        "<data><A><B>Zoë</B></A></data></result>"
    ).decode()
    latin = body.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    (result,) = parse_response(latin).results
    assert result.records == ({"B": "Zoë"},)


def test_a_successful_response_is_authenticated_and_its_result_ok() -> None:
    response = parse_response(
        ok_response("<result><status>success</status><function>read</function><controlid>x</controlid></result>")
    )
    assert response.authenticated and response.results[0].ok


def test_response_and_result_defaults() -> None:
    result = Result(status="success", function="read", control_id="x")
    assert result.ok and result.records == () and result.data_attributes == {} and result.key is None
    response = Response("success", (), AuthenticationBlock("success", "u", "c", ""), (), (result,))
    assert response.http_status == 200 and response.authenticated


# --- refused bodies ------------------------------------------------------------------------------


SECRET = "TOP-SECRET-c0ffee-4242"


def xxe_body(target: Path) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE response [<!ENTITY xxe SYSTEM "{target.as_uri()}">]>\n'
        "<response><control><status>failure</status></control><errormessage><error>"
        "<errorno>&xxe;</errorno><description>&xxe;</description></error></errormessage></response>"
    ).encode()


def assert_secret_not_in(error: BaseException) -> None:
    for text in (str(error), repr(error), getattr(error, "message", ""), *map(str, error.args)):
        assert SECRET not in text


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    with pytest.raises(ProtocolError, match="DOCTYPE") as raised:
        parse_response(xxe_body(secret_file))
    assert_secret_not_in(raised.value)


def test_parameter_entity_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{secret_file.as_uri()}"> %p;]>'
        "<response><control><status>success</status></control></response>"
    ).encode()
    with pytest.raises(ProtocolError) as raised:
        parse_response(body)
    assert_secret_not_in(raised.value)


def test_external_entity_in_utf16_never_leaks(tmp_path: Path) -> None:
    """Whatever happens to a UTF-16 XXE body, the file's content is not read into the result."""
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    body = xxe_body(secret_file).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    try:
        response = parse_response(body)
    except ProtocolError as error:
        assert_secret_not_in(error)
    else:
        assert SECRET not in repr(response)


def test_doctype_in_utf16_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    body = xxe_body(secret_file).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(ProtocolError):
        parse_response(body)


def billion_laughs(encoding: str = "UTF-8") -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE response [{"".join(entities)}]>\n'
        "<response><control><status>failure</status></control><errormessage><error>"
        "<errorno>&lol9;</errorno></error></errormessage></response>"
    )
    return text.encode(encoding.lower())


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_billion_laughs_is_refused_quickly(encoding: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ProtocolError) as raised:
        parse_response(billion_laughs(encoding))
    assert time.perf_counter() - started < 1.0
    assert "lollollol" not in str(raised.value)


@pytest.mark.parametrize("spelling", ["<!DOCTYPE", "<!doctype", "<!ENTITY", "<! DOCTYPE"])
def test_any_doctype_or_entity_declaration_is_refused(spelling: str) -> None:
    body = f'<?xml version="1.0"?>{spelling} response>'.encode() + ok_response().split(b"?>", 1)[1]
    with pytest.raises(ProtocolError):
        parse_response(body)


def test_doctype_after_the_first_4_kb_is_refused() -> None:
    body = b'<?xml version="1.0"?>' + b" " * 5000 + b"<!DOCTYPE response>" + ok_response().split(b"?>", 1)[1]
    with pytest.raises(ProtocolError, match="DOCTYPE"):
        parse_response(body)


def test_body_over_the_size_limit_is_refused_unread() -> None:
    body = ok_response()
    body = body + b" " * (MAX_RESPONSE_BYTES + 1 - len(body))
    assert len(body) == MAX_RESPONSE_BYTES + 1
    with pytest.raises(ProtocolError, match="larger than"):
        parse_response(body)


def test_body_at_the_size_limit_is_parsed() -> None:
    chunk = "<pad/>" + " " * 4090
    body = ok_response(chunk * (MAX_RESPONSE_BYTES // len(chunk) - 1))
    body = body + b" " * (MAX_RESPONSE_BYTES - len(body))
    assert len(body) == MAX_RESPONSE_BYTES
    assert parse_response(body).authenticated


@pytest.mark.parametrize("body", [b"", b"   \r\n\t "], ids=["empty", "whitespace"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="empty body"):
        parse_response(body, http_status=200)


@pytest.mark.parametrize("cut", [10, 60, 200, -20, -1])
def test_truncated_xml(cut: int) -> None:
    body = (SAMPLES / "readbyquery-with-data-and-read-two-results.xml").read_bytes().rstrip()[:cut]
    with pytest.raises(ProtocolError, match="not well-formed"):
        parse_response(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>",
        b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
        b"<html><body>unclosed<br></body></html>",
        b"Service Unavailable",
        b'{"error": "json"}',
    ],
    ids=["html-doctype", "html", "html-not-well-formed", "text", "json"],
)
def test_non_xml_bodies(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_response(body, http_status=200)


@pytest.mark.parametrize(
    "body",
    [
        b"<request><control/></request>",
        b'<?xml version="1.0"?><acknowledgement><status>success</status></acknowledgement>',
        b'<response xmlns="urn:other"><control><status>success</status></control></response>',
    ],
    ids=["request", "async-acknowledgement", "namespaced"],
)
def test_xml_that_is_not_an_intacct_response(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="not an Intacct response"):
        parse_response(body)


@pytest.mark.parametrize(
    "control",
    ["", "<control/>", "<control><status></status></control>", "<control><status>maybe</status></control>"],
    ids=["no-control", "empty-control", "empty-status", "unknown-status"],
)
def test_response_without_a_control_status(control: str) -> None:
    with pytest.raises(ProtocolError, match="no control status"):
        parse_response(f"<response>{control}<operation/></response>".encode())


def test_control_success_without_operation() -> None:
    with pytest.raises(ProtocolError, match="no operation"):
        parse_response(b"<response><control><status>success</status></control></response>")


def test_protocol_errors_name_the_protocol_fault() -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_response(b"<html/>")
    assert repr(raised.value).startswith("ProtocolError(")
