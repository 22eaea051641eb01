"""The bundled checks end to end: pytester runs against the simulator, one company per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from conftest import AFTER_SIGN_IN_IDS, ALL_IDS, ATTEST, NETWORK_IDS
from conftest import scenario_variant as variant
from pytest_pex_intacct.simulator import fault_wire


def test_ready_company_is_accepted_in_one_request(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator("ready")
    run = run_checks(server, *ATTEST)
    assert run.result.ret == 0
    assert run.verdict == "accepted"
    assert run.outcomes["UDD-READ"] == "not-applicable"
    assert run.outcomes["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    for requirement_id in NETWORK_IDS:
        assert run.outcomes[requirement_id] == "passed", requirement_id
    assert server.log.count == 1
    assert server.log.records[0].writes == ()
    run.result.stdout.fnmatch_lines(["*pex-intacct verdict for ACME: ACCEPTED*"])


def test_everything_requested_takes_two_requests_plus_two_for_the_probe(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("ready")
    run = run_checks(server, "--intacct-udd", "--intacct-write-probe")
    assert run.result.ret == 0
    assert set(run.outcomes.values()) == {"passed"}
    assert server.log.count == 4
    assert [record.writes for record in server.log.records] == [
        (),
        (),
        ("create_supdocfolder", "create_supdoc"),
        ("delete_supdoc", "delete_supdocfolder"),
    ]
    assert server.attachments == ()
    assert "PEX acceptance probe" not in server.folder_names


def test_every_request_validates_against_the_schema(
    simulator: Callable[..., Any], run_checks: Any, intacct_schema: Any
) -> None:
    from lxml import etree

    server = simulator("ready", schema=None)
    run_checks(server, "--intacct-udd", "--intacct-write-probe")
    assert server.log.count == 4
    for record in server.log.records:
        assert intacct_schema.validate(etree.fromstring(record.raw)), intacct_schema.error_log


@pytest.mark.parametrize(
    ("scenario", "requirement_id", "observed"),
    [
        ("misc-failures", "STEP3-WEB-SERVICES-USER", "LOGINDISABLED=false"),
        ("user-in-entity", "STEP3-ROOT-LEVEL", "MEGAENTITYID="),
        ("no-email-flat", "STEP3-EMAIL", "every e-mail field USERINFO returned is empty: CONTACTINFO.EMAIL1"),
        ("misc-failures", "STEP3-USER-TYPE", "employee user"),
        ("limited-admin", "STEP3-ADMIN-FULL", "Limited"),
        ("misc-failures", "STEP3-ROLE", "roles: none"),
        ("misc-failures", "STEP4-NORMAL-BALANCE", "STATUS=inactive"),
    ],
)
def test_user_and_gl_requirements_fail_with_what_was_observed(
    simulator: Callable[..., Any], run_checks: Any, scenario: str, requirement_id: str, observed: str
) -> None:
    run = run_checks(simulator(scenario))
    assert run.result.ret == 1
    assert run.verdict == "not-accepted"
    entry = run.requirement(requirement_id)
    assert entry["outcome"] == "failed"
    assert observed in entry["observed"]
    assert entry["remediation"]
    run.result.stdout.fnmatch_lines([f"*{requirement_id} failed:*", "*observed:*", "*where to fix:*", "*remediation:*"])


def test_credit_normal_balance_fails(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator(variant(gl_normal_balance="credit")))
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "failed"
    assert "NORMALBALANCE=credit" in run.requirement("STEP4-NORMAL-BALANCE")["observed"]


def test_gl_account_by_number(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("ready"), "--intacct-gl-account=6700")
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "passed"


@pytest.mark.parametrize("scenario", ["misconfigured", "sender-inactive"])
def test_unauthorised_sender_fails_and_blocks_the_rest(
    simulator: Callable[..., Any], run_checks: Any, scenario: str
) -> None:
    run = run_checks(simulator(scenario))
    assert run.result.ret == 1
    assert run.verdict == "not-accepted"
    assert run.outcomes["STEP2-SENDER-ID"] == "failed"
    assert "not authorized" in run.requirement("STEP2-SENDER-ID")["observed"]
    for requirement_id in ["STEP2-WEB-SERVICES", "STEP3-USER-SIGN-IN", *AFTER_SIGN_IN_IDS]:
        assert run.outcomes[requirement_id] == "blocked", requirement_id
        assert run.requirement(requirement_id)["blocked_by"] == "STEP2-SENDER-ID"
    run.result.stdout.fnmatch_lines(["*BLOCKED*"])


@pytest.mark.parametrize("level", ["authentication", "control"])
def test_web_services_off_fails_at_either_level(simulator: Callable[..., Any], run_checks: Any, level: str) -> None:
    run = run_checks(simulator(variant("web-services-off", web_services_off_level=level)))
    assert run.outcomes["STEP2-WEB-SERVICES"] == "failed"
    for requirement_id in ["STEP2-SENDER-ID", "STEP3-USER-SIGN-IN", *AFTER_SIGN_IN_IDS]:
        assert run.requirement(requirement_id)["blocked_by"] == "STEP2-WEB-SERVICES"
    assert run.verdict == "not-accepted"


def test_wrong_user_password_fails_sign_in_and_leaves_the_sender_unverified(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("ready"), user_password="not-the-password")
    assert run.outcomes["STEP3-USER-SIGN-IN"] == "failed"
    assert "Sign-in information is incorrect" in run.requirement("STEP3-USER-SIGN-IN")["observed"]
    # The same answer comes for a wrong company ID, which proves nothing about its authorizations.
    assert run.outcomes["STEP2-SENDER-ID"] == "blocked"
    assert run.requirement("STEP2-SENDER-ID")["blocked_by"] == "STEP3-USER-SIGN-IN"
    assert run.outcomes["STEP2-WEB-SERVICES"] == "blocked"
    for requirement_id in AFTER_SIGN_IN_IDS:
        assert run.requirement(requirement_id)["blocked_by"] == "STEP3-USER-SIGN-IN"
    assert run.verdict == "not-accepted"


def test_gateway_401_refusal_blames_nobody(simulator: Callable[..., Any], run_checks: Any) -> None:
    """HTTP 401 / XMLGW_JPP0002 does not say whether PEX's or the user's credentials are wrong."""
    run = run_checks(simulator(variant(signin_failure_style="gateway401")), user_password="wrong")
    for requirement_id in ("STEP2-WEB-SERVICES", "STEP2-SENDER-ID", "STEP3-USER-SIGN-IN"):
        assert run.outcomes[requirement_id] == "error", requirement_id
    observed = run.requirement("STEP3-USER-SIGN-IN")["observed"]
    assert "XMLGW_JPP0002" in observed and "INTACCT_SENDER_PASSWORD" in observed
    assert run.verdict == "incomplete"


def test_a_wrong_company_id_never_shows_the_sender_green(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("misconfigured"), company="ACMEX")
    assert run.outcomes["STEP3-USER-SIGN-IN"] == "failed"
    assert run.outcomes["STEP2-SENDER-ID"] == "blocked"
    assert "passed" not in run.outcomes.values()


def test_inactive_user_cannot_sign_in(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator(variant(user_status="inactive")))
    assert run.outcomes["STEP3-USER-SIGN-IN"] == "failed"


def test_wrong_pex_sender_password_is_an_error_not_the_customers_fault(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("ready"), sender_password="wrong-sender-password")
    assert run.result.ret == 1
    assert run.verdict == "incomplete"
    assert set(run.outcomes.values()) <= {"error", "manual", "not-applicable"}
    assert "PEX's own credential problem" in run.requirement("STEP2-SENDER-ID")["observed"]
    run.result.stdout.fnmatch_lines(["*could not be verified (error, not the company's setup)*"])
    assert "Traceback" not in run.result.stdout.str()


def test_network_failure_is_an_error_for_every_check(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator("ready")
    url = server.url
    server.close()
    run = run_checks(None, endpoint=url)
    assert run.result.ret == 1
    assert run.verdict == "incomplete"
    for requirement_id in NETWORK_IDS:
        assert run.outcomes[requirement_id] == "error", requirement_id
        assert "refused" in run.requirement(requirement_id)["observed"]
    # Decided without Intacct, so a failed snapshot does not change them.
    assert run.outcomes["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    assert run.outcomes["UDD-READ"] == "not-applicable"


def test_write_probe_refused_without_autonumbering_needs_a_person_and_cleans_up(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    """What Intacct answers without numbering is undocumented: its refusal is not proof enough for `failed`."""
    server = simulator("no-autonumbering")
    run = run_checks(server, "--intacct-write-probe")
    assert run.outcomes["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    observed = run.requirement("STEP1-ATTACHMENT-NUMBERING")["observed"]
    assert "refused an attachment created without an ID (BL01001973 Attachment ID is required)" in observed
    assert "not documented. A person confirms it in Intacct (Applications > Company > Setup tab" in observed
    assert server.attachments == ()
    assert "PEX acceptance probe" not in server.folder_names
    run.result.stdout.fnmatch_lines(
        ["*To conclude it, run without --intacct-write-probe, confirm it in Intacct*--intacct-attest=STEP1-*"]
    )


def test_write_probe_left_without_a_number_fails(simulator: Callable[..., Any], run_checks: Any) -> None:
    """An attachment Intacct keeps with an empty supdocid is evidence: nothing numbered it."""
    server = simulator("ready")
    server.inject(EditedAnswer(set_field("supdocid", "")), times=None)
    run = run_checks(server, "--intacct-write-probe")
    entry = run.requirement("STEP1-ATTACHMENT-NUMBERING")
    assert entry["outcome"] == "failed"
    assert "listing it shows an empty supdocid" in entry["observed"]
    assert "by hand" in entry["observed"]


def test_write_probe_reports_what_it_could_not_delete(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator("ready", fail_deletes=True)
    run = run_checks(server, "--intacct-write-probe")
    observed = run.requirement("STEP1-ATTACHMENT-NUMBERING")["observed"]
    assert "CLEAN-UP FAILED" in observed
    assert "by hand" in observed
    run.result.stdout.fnmatch_lines(["WRITE PROBE LEFT DATA IN COMPANY ACME: *by hand*"])


def test_an_attestation_intacct_settled_is_said_to_be_unused(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("ready"), *ATTEST, "--intacct-attest=STEP3-ROOT-LEVEL")
    assert run.outcomes["STEP3-ROOT-LEVEL"] == "passed"
    assert run.requirement("STEP3-ROOT-LEVEL")["attested_by"] is None
    run.result.stdout.fnmatch_lines(["--intacct-attest=STEP3-ROOT-LEVEL was not used: it is passed, not manual"])
    assert "--intacct-attest=STEP1-ATTACHMENT-NUMBERING was not used" not in run.result.stdout.str()


def test_manual_attachment_numbering_counts_only_when_attested(simulator: Callable[..., Any], run_checks: Any) -> None:
    unattested = run_checks(simulator("ready"))
    assert unattested.requirement("STEP1-ATTACHMENT-NUMBERING")["attested_by"] is None
    assert unattested.outcomes["STEP1-ATTACHMENT-NUMBERING"] == "manual"
    assert unattested.verdict == "incomplete"
    assert unattested.result.ret == 1
    unattested.result.stdout.fnmatch_lines(["*MANUAL*"])

    attested = run_checks(simulator("ready"), *ATTEST)
    entry = attested.requirement("STEP1-ATTACHMENT-NUMBERING")
    assert entry["outcome"] == "manual"
    assert entry["attested_by"] == "Dana Smith <dana@pex.example>"
    assert attested.verdict == "accepted"


@pytest.mark.parametrize(
    ("scenario", "outcome"), [("udd-unreadable", "failed"), ("no-udds", "not-applicable"), ("ready", "passed")]
)
def test_udd_read(simulator: Callable[..., Any], run_checks: Any, scenario: str, outcome: str) -> None:
    server = simulator(scenario)
    run = run_checks(server, "--intacct-udd")
    assert run.outcomes["UDD-READ"] == outcome
    assert server.log.count == (1 if scenario == "no-udds" else 2)


def test_json_lists_every_requirement_once_in_catalogue_order(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("ready"), "-k", "EMAIL")
    document = run.document
    assert document["schema"] == 2
    assert document["company"] == "ACME"
    assert document["mode"] == "live"
    assert [entry["id"] for entry in document["requirements"]] == ALL_IDS
    assert run.outcomes["STEP3-EMAIL"] == "passed"
    unselected = run.requirement("STEP3-ROLE")
    assert unselected["outcome"] == "not-run"
    assert "not selected" in unselected["observed"]
    assert run.verdict == "incomplete"
    assert run.result.ret == 1
    for entry in document["requirements"]:
        assert set(entry) >= {"id", "title", "outcome", "observed", "remediation", "blocked_by", "attested_by"}


def test_verbose_output_and_junit_carry_the_requirement(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    junit = pytester.path / "junit.xml"
    run = run_checks(simulator("limited-admin"), "-v", f"--junitxml={junit}")
    run.result.stdout.fnmatch_lines(["*[[]STEP3-ADMIN-FULL[]] FAILED*"])
    text = junit.read_text()
    assert 'name="requirement" value="STEP3-ADMIN-FULL"' in text
    assert 'name="outcome" value="failed"' in text
    assert 'name="where_to_fix"' in text


def test_xdist_gives_the_same_results_from_one_snapshot(simulator: Callable[..., Any], run_checks: Any) -> None:
    serial_server = simulator("misc-failures")
    serial = run_checks(serial_server, "--intacct-udd", subprocess=True)
    parallel_server = simulator("misc-failures")
    parallel = run_checks(parallel_server, "--intacct-udd", "-n", "2", subprocess=True)
    assert parallel.outcomes == serial.outcomes
    assert parallel.verdict == serial.verdict == "not-accepted"
    assert parallel.result.ret == serial.result.ret == 1
    strip = [{k: v for k, v in entry.items()} for entry in parallel.document["requirements"]]
    assert strip == serial.document["requirements"]
    assert parallel_server.log.count == serial_server.log.count == 2


# -- unverifiable readings are pytest ERRORs in setup (docs/outcomes.md) ---------------------------------


@dataclass(frozen=True)
class EditedAnswer(fault_wire.Fault):
    """The gateway's genuine answer with its XML edited: record shapes the scenario files cannot express."""

    edit: Callable[[etree._Element], None]

    def deliver(self, wire: fault_wire.Wire, real: fault_wire.RealResponse) -> None:
        response = real()
        root = etree.fromstring(response.body)
        self.edit(root)
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        fault_wire.send_response(wire, dataclasses.replace(response, body=body))


def remove_fields(*tags: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        for tag in tags:
            for element in list(root.iter(tag)):
                element.getparent().remove(element)  # type: ignore[union-attr]

    return edit


def set_field(tag: str, text: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        for element in root.iter(tag):
            element.text = text

    return edit


def add_user_field(tag: str, text: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        record = next(root.iter("USERINFO"))
        etree.SubElement(record, tag).text = text

    return edit


def fail_result(control_id: str) -> Callable[[etree._Element], None]:
    """Turn one function's result into an Intacct failure (e.g. an object the role may not read)."""
    return fail_result_with(control_id, "BL01001973", "You do not have permission for API operation READ_BY_QUERY")


def fail_result_with(control_id: str, errorno: str, description2: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        result = next(r for r in root.iter("result") if r.findtext("controlid") == control_id)
        for child in list(result):
            if child.tag not in ("function", "controlid"):
                result.remove(child)
        etree.SubElement(result, "status").text = "failure"
        error = etree.SubElement(etree.SubElement(result, "errormessage"), "error")
        etree.SubElement(error, "errorno").text = errorno
        etree.SubElement(error, "description2").text = description2

    return edit


def junit_case(path: Path, requirement_id: str) -> etree._Element:
    cases = etree.parse(str(path)).getroot().iter("testcase")
    return next(case for case in cases if f"[{requirement_id}]" in case.get("name", ""))


def assert_setup_error(run: Any, junit: Path, requirement_id: str, reason: str) -> None:
    """Outcome error, and pytest's error shape (not a failure) in the terminal and in JUnit."""
    entry = run.requirement(requirement_id)
    assert entry["outcome"] == "error"
    assert reason in entry["observed"]
    assert run.verdict == "incomplete"
    assert run.result.ret == 1
    outcomes = run.result.parseoutcomes()
    # Each requirement that errs is a pytest error (a requirement judged on the same field errs with it).
    errors = [entry["id"] for entry in run.document["requirements"] if entry["outcome"] == "error"]
    assert requirement_id in errors
    assert outcomes.get("errors") == len(errors)
    assert "failed" not in outcomes
    run.result.stdout.fnmatch_lines([f"*ERROR at setup of *{requirement_id}*", "*could not be verified (error*"])
    case = junit_case(junit, requirement_id)
    error = case.find("error")
    assert error is not None
    assert case.find("failure") is None
    assert "could not be verified (error, not the company's setup)" in (error.text or "")
    assert reason in (error.text or "")


@pytest.mark.parametrize(
    ("changes", "requirement_id", "reason"),
    [
        (
            {"user_admin": "Superuser"},
            "STEP3-ADMIN-FULL",
            "ADMIN has a value this tool does not recognise ('Superuser')",
        ),
        ({"user_admin": ""}, "STEP3-ADMIN-FULL", "USERINFO ADMIN has an empty value"),
        ({"user_user_type": ""}, "STEP3-USER-TYPE", "USERINFO USERTYPE has an empty value"),
        ({"user_user_type": "wizard user"}, "STEP3-USER-TYPE", "does not recognise ('wizard user')"),
    ],
)
def test_unrecognised_or_empty_user_field_is_a_setup_error(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    changes: dict[str, str],
    requirement_id: str,
    reason: str,
) -> None:
    junit = pytester.path / "junit.xml"
    run = run_checks(simulator(variant(**changes)), *ATTEST, f"--junitxml={junit}")
    assert_setup_error(run, junit, requirement_id, reason)


@pytest.mark.parametrize(
    ("edit", "requirement_id", "reason"),
    [
        (remove_fields("ADMIN"), "STEP3-ADMIN-FULL", "USERINFO has no ADMIN field (fields seen: "),
        (set_field("LOGINDISABLED", ""), "STEP3-WEB-SERVICES-USER", "LOGINDISABLED has an empty value"),
        (remove_fields("CONTACTINFO"), "STEP3-EMAIL", "USERINFO carries no e-mail field (fields seen: "),
        (set_field("NORMALBALANCE", "sideways"), "STEP4-NORMAL-BALANCE", "NORMALBALANCE is not debit or credit"),
        (remove_fields("STATUS"), "STEP4-NORMAL-BALANCE", "STATUS=(missing); STATUS is not active or inactive"),
    ],
)
def test_missing_or_unrecognised_field_in_the_answer_is_a_setup_error(
    simulator: Callable[..., Any],
    run_checks: Any,
    pytester: pytest.Pytester,
    edit: Callable[[etree._Element], None],
    requirement_id: str,
    reason: str,
) -> None:
    server = simulator("ready")
    server.inject(EditedAnswer(edit))
    junit = pytester.path / "junit.xml"
    run = run_checks(server, *ATTEST, f"--junitxml={junit}")
    assert_setup_error(run, junit, requirement_id, reason)


def test_unreadable_roleusers_without_a_direct_role_is_a_setup_error(
    simulator: Callable[..., Any], run_checks: Any, pytester: pytest.Pytester
) -> None:
    server = simulator(variant(user_roles=[]))
    server.inject(EditedAnswer(fail_result("roles-computed")))
    junit = pytester.path / "junit.xml"
    run = run_checks(server, *ATTEST, f"--junitxml={junit}")
    assert_setup_error(
        run,
        junit,
        "STEP3-ROLE",
        "ROLEUSERS unreadable (BL01001973 You do not have permission for API operation READ_BY_QUERY); "
        "USERROLES lists no direct role, and roles inherited from user groups cannot be seen",
    )


def test_unreadable_roleusers_with_a_direct_role_passes(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator("ready")
    server.inject(EditedAnswer(fail_result("roles-computed")))
    run = run_checks(server, *ATTEST)
    assert run.outcomes["STEP3-ROLE"] == "passed"
    assert run.requirement("STEP3-ROLE")["observed"] == "roles: 'PEX Connector' (from USERROLES)"
    assert run.verdict == "accepted"


def test_email_in_a_later_field_passes_when_the_first_is_empty(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator(variant(user_email=""))
    server.inject(EditedAnswer(add_user_field("ACCOUNTEMAIL", "ap@acme.example")))
    run = run_checks(server, *ATTEST)
    assert run.outcomes["STEP3-EMAIL"] == "passed"
    assert run.requirement("STEP3-EMAIL")["observed"] == "ACCOUNTEMAIL='ap@acme.example'"


def test_without_entity_fields_the_root_level_needs_a_person_even_when_unrestricted(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("no-entity-fields"), *ATTEST)
    assert run.outcomes["STEP3-ROOT-LEVEL"] == "manual"
    observed = run.requirement("STEP3-ROOT-LEVEL")["observed"]
    assert "USERINFO has no MEGAENTITY fields" in observed
    assert "UNRESTRICTED=true" in observed


def test_top_level_that_no_field_establishes_is_manual_never_passed(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("no-entity-fields")
    server.inject(EditedAnswer(fail_result("restriction")), times=None)
    run = run_checks(server, *ATTEST)
    entry = run.requirement("STEP3-ROOT-LEVEL")
    assert entry["outcome"] == "manual"
    assert "nothing establishes where the user was created" in entry["observed"]
    assert run.verdict == "incomplete"
    attested = run_checks(
        server, "--intacct-attest=STEP1-ATTACHMENT-NUMBERING", "--intacct-attest=STEP3-ROOT-LEVEL",
        "--intacct-signoff=Dana Smith <dana@pex.example>",
    )  # fmt: skip
    entry = attested.requirement("STEP3-ROOT-LEVEL")
    assert (entry["outcome"], entry["attested_by"]) == ("manual", "Dana Smith <dana@pex.example>")
    assert attested.verdict == "accepted"


def test_requirements_a_stopped_run_never_reached_say_so(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("limited-admin"), "-x")
    assert run.result.ret == 1
    assert run.outcomes["STEP3-ADMIN-FULL"] == "failed"
    later = run.requirement("STEP4-NORMAL-BALANCE")
    assert later["outcome"] == "not-run"
    assert later["observed"].startswith("not run: the run stopped before it")
    assert run.verdict == "not-accepted"


# --- Real-company shapes: each test would have caught a belief the first version held ---------------


def test_email_only_in_a_second_contact_field_passes(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("email-secondary"), *ATTEST)
    assert run.outcomes["STEP3-EMAIL"] == "passed"
    assert run.requirement("STEP3-EMAIL")["observed"] == "CONTACTINFO.EMAIL2='ap@acme.example'"
    assert run.verdict == "accepted"


def test_empty_email_remediation_names_the_guide_field(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("no-email-flat"))
    remediation = run.requirement("STEP3-EMAIL")["remediation"]
    assert '"Email address"' in remediation and "step 3.4" in remediation.lower()


def test_user_based_permissions_make_the_role_not_applicable(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("user-based-permissions"), *ATTEST)
    entry = run.requirement("STEP3-ROLE")
    assert entry["outcome"] == "not-applicable"
    assert "user-based permissions" in entry["observed"] and "ROLES" in entry["observed"]
    assert "assign" not in (entry["remediation"] or "")
    assert run.verdict == "accepted"
    assert run.result.ret == 0


def test_empty_role_listings_need_a_person_who_may_attest(simulator: Callable[..., Any], run_checks: Any) -> None:
    """An empty ROLES listing may be user-based permissions or roles this user cannot see: never a verdict."""
    run = run_checks(simulator("user-based-empty-roles"), *ATTEST)
    entry = run.requirement("STEP3-ROLE")
    assert entry["outcome"] == "manual"
    assert "ROLES lists none" in entry["observed"] and "user-based" in entry["observed"]
    assert run.verdict == "incomplete"
    attested = run_checks(simulator("user-based-empty-roles"), *ATTEST, "--intacct-attest=STEP3-ROLE")
    assert attested.requirement("STEP3-ROLE")["attested_by"] == "Dana Smith <dana@pex.example>"
    assert attested.verdict == "accepted"


def test_a_user_stored_in_another_case_is_named_to_run_again_with_within_one_request(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    """USERINFO keys the user as stored: the run names that ID rather than spend a second request."""
    server = simulator(variant(user_login_id="PEX_Connector", signin_user_id_any_case=True))
    run = run_checks(server, *ATTEST)
    assert server.log.count == 1
    entry = run.requirement("STEP3-ADMIN-FULL")
    assert entry["outcome"] == "error"
    assert "found 'PEX_Connector': run again with --intacct-user=PEX_Connector" in entry["observed"]
    again = run_checks(simulator(variant(user_login_id="PEX_Connector", signin_user_id_any_case=True)), *ATTEST,
                       "--intacct-user=PEX_Connector")  # fmt: skip
    assert again.verdict == "accepted"


def test_role_based_company_whose_user_has_no_role_still_fails(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator(variant(user_roles=[])), *ATTEST)
    assert run.outcomes["STEP3-ROLE"] == "failed"
    assert run.verdict == "not-accepted"


def test_roles_are_found_for_a_login_id_stored_in_another_case(simulator: Callable[..., Any], run_checks: Any) -> None:
    """ROLEUSERS may store the login as typed at creation: the filter must not miss it by case."""
    server = simulator("ready")
    server.inject(EditedAnswer(set_field("USERLOGINID", "PEX_Connector")))
    run = run_checks(server, *ATTEST)
    assert run.outcomes["STEP3-ROLE"] == "passed"


@pytest.mark.parametrize("typed", ["pex gl account", "PEX GL ACCOUNT"])
def test_gl_account_title_is_found_whatever_the_case(
    simulator: Callable[..., Any], run_checks: Any, typed: str
) -> None:
    run = run_checks(simulator("ready"), *ATTEST, f"--intacct-gl-account={typed}")
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "passed"
    lower = run_checks(simulator("gl-lower-case"), *ATTEST)
    assert lower.outcomes["STEP4-NORMAL-BALANCE"] == "passed"
    assert "'pex gl account'" in lower.requirement("STEP4-NORMAL-BALANCE")["observed"]


def test_no_account_with_the_guides_example_title_asks_for_the_customers_account(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("gl-missing"), *ATTEST)
    entry = run.requirement("STEP4-NORMAL-BALANCE")
    assert entry["outcome"] == "error"
    assert "--intacct-gl-account" in entry["observed"] and "create" not in entry["observed"].lower()
    assert run.verdict == "incomplete"


def test_a_named_account_that_does_not_exist_fails(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("ready"), *ATTEST, "--intacct-gl-account=9999")
    assert run.outcomes["STEP4-NORMAL-BALANCE"] == "failed"


def test_a_read_the_role_may_not_make_names_the_missing_permission(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("read-refused"), *ATTEST)
    entry = run.requirement("STEP4-NORMAL-BALANCE")
    assert entry["outcome"] == "error"
    assert "General Ledger application: Accounts (List, View)" in entry["observed"]
    assert "PL04000005" in entry["observed"] and "full permissions" in entry["observed"]
    # The refusal of one object costs only the requirement that needed it.
    assert run.outcomes["STEP3-ADMIN-FULL"] == "passed"


@pytest.mark.parametrize("unreadable", ["USERINFO", "ROLEUSERS,USERROLES"])
def test_refused_user_and_role_reads_name_their_permission(
    simulator: Callable[..., Any], run_checks: Any, unreadable: str
) -> None:
    run = run_checks(simulator(variant(unreadable_objects=unreadable.split(","))), *ATTEST)
    requirement_id = "STEP3-ADMIN-FULL" if unreadable == "USERINFO" else "STEP3-ROLE"
    entry = run.requirement(requirement_id)
    assert entry["outcome"] == "error"
    assert "may not" in entry["observed"] and "(List, View)" in entry["observed"]


def test_a_top_level_user_restricted_to_an_entity_passes_with_a_note(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    run = run_checks(simulator("restricted-to-entity"), *ATTEST)
    assert run.outcomes["STEP3-ROOT-LEVEL"] == "passed"
    observed = run.requirement("STEP3-ROOT-LEVEL")["observed"]
    assert "MEGAENTITYID, MEGAENTITYKEY, MEGAENTITYNAME empty" in observed
    assert "UNRESTRICTED=false, locations limited to: E100" in observed
    assert "PEX sees only those entities' data" in observed
    assert "failed" not in run.outcomes.values()


def test_udd_with_no_records_is_manual_not_passed(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("udd-empty"), *ATTEST, "--intacct-udd")
    entry = run.requirement("UDD-READ")
    assert entry["outcome"] == "manual"
    assert "no records" in entry["observed"]


def test_udd_probe_asks_only_for_fields_platform_objects_have(simulator: Callable[..., Any], run_checks: Any) -> None:
    server = simulator("ready")
    run = run_checks(server, *ATTEST, "--intacct-udd")
    assert run.outcomes["UDD-READ"] == "passed"
    probe = etree.fromstring(server.log.records[1].raw)
    assert [field.text for field in probe.iter("field")] == ["id", "name"]


def test_udd_probe_failing_for_another_reason_is_an_error_saying_so(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("ready")
    server.inject(EditedAnswer(lambda root: None))  # the first request passes untouched
    server.inject(EditedAnswer(fail_result_with("udd-0", "BL01001973", "Invalid fields list id,name")))
    run = run_checks(server, *ATTEST, "--intacct-udd")
    entry = run.requirement("UDD-READ")
    assert entry["outcome"] == "error"
    assert "other than permission" in entry["observed"] and "Invalid fields list" in entry["observed"]


def test_gateway_400_refusal_says_credentials_were_refused(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator(variant(signin_failure_style="gateway400")), user_password="wrong")
    for requirement_id in ("STEP2-WEB-SERVICES", "STEP2-SENDER-ID", "STEP3-USER-SIGN-IN"):
        assert run.outcomes[requirement_id] == "error", requirement_id
    observed = run.requirement("STEP3-USER-SIGN-IN")["observed"]
    assert "GW-0011" in observed
    assert "credentials refused: PEX's sender password or the customer's user password" in observed
    assert "check PEX's sender settings" not in observed


@pytest.mark.parametrize("supdoc_key", ["recordno", "supdocid"])
def test_probe_confirms_the_key_then_deletes_and_says_it_used_a_number(
    simulator: Callable[..., Any], run_checks: Any, supdoc_key: str
) -> None:
    server = simulator(variant(supdoc_key=supdoc_key))
    run = run_checks(server, "--intacct-write-probe")
    entry = run.requirement("STEP1-ATTACHMENT-NUMBERING")
    assert entry["outcome"] == "passed"
    assert "confirmed by listing it" in entry["observed"]
    assert "one number of the Attachments sequence" in entry["observed"]
    assert server.attachments == ()


def test_a_failure_shows_the_checks_assertion_over_typed_facts(simulator: Callable[..., Any], run_checks: Any) -> None:
    run = run_checks(simulator("limited-admin"))
    run.result.stdout.fnmatch_lines(
        [
            "*STEP3-ADMIN-FULL failed: Admin Privileges is Full (Step 3.6 of the setup guide)",
            "*observed:*ADMIN='Limited'",
            "*check:*assert web_services_user.admin_privileges is AdminPrivileges.FULL"
            "*(evaluated: assert AdminPrivileges.LIMITED is AdminPrivileges.FULL)",
        ]
    )


def test_an_asked_for_udd_read_that_cannot_be_verified_leaves_the_run_incomplete(
    simulator: Callable[..., Any], run_checks: Any
) -> None:
    server = simulator("ready")
    server.inject(EditedAnswer(lambda root: None))
    server.inject(EditedAnswer(fail_result_with("udd-0", "BL01001973", "Invalid fields list id,name")))
    run = run_checks(server, *ATTEST, "--intacct-udd")
    assert run.outcomes["UDD-READ"] == "error"
    assert run.requirement("UDD-READ")["mandatory"] is True
    assert run.verdict == "incomplete"
    assert run.result.ret == 1
    unasked = run_checks(simulator("ready"), *ATTEST)
    assert unasked.requirement("UDD-READ")["mandatory"] is False
    assert unasked.verdict == "accepted"
