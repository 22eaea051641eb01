"""The fleet page (report/fleet_page.py) from hand-made fleet summaries and company documents.

The keys of ``_fleet.json`` that other parts of the run add (``baseline``, ``drift_cause``,
``failing_since``, ``history``) are written here by hand, as the contract gives them: the page
renders each only when it is there.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html as lxml_html

from pytest_pex_intacct.report.fleet_matrix import FOLD_ACCEPTED_OVER, MATRIX_ID
from pytest_pex_intacct.report.fleet_page import fleet_title, render_fleet_summary
from pytest_pex_intacct.report.verify import FLEET_REPORT, NotAReport, verify_html
from pytest_pex_intacct.requirements import CATALOGUE
from pytest_pex_intacct.run.fleet_summary import fleet_verdict
from pytest_pex_intacct.verdict import Outcome, RequirementResult, results_document

SIGNER = "Dana Smith <dana@pex.example>"
ROLE, ADMIN, BALANCE = "STEP3-ROLE", "STEP3-ADMIN-FULL", "STEP4-NORMAL-BALANCE"
OUTAGE = "Intacct answered HTTP 503 (Service Unavailable) three times; try again later"


def document(company: str, **outcomes: str) -> dict[str, Any]:
    """A company's results document: every requirement passed unless ``outcomes`` says otherwise
    (keys with _ for -); STEP1 attested, UDD-READ not applicable."""
    chosen = {key.replace("_", "-"): value for key, value in outcomes.items()}
    results = []
    for requirement in CATALOGUE:
        outcome = chosen.get(requirement.id, "passed")
        observed, blocked_by, attested = f"{requirement.id} as Intacct shows it", None, None
        if requirement.id == "STEP1-ATTACHMENT-NUMBERING" and outcome == "passed":
            outcome, attested = "manual", SIGNER
        if requirement.id == "UDD-READ" and outcome == "passed":
            outcome = "not-applicable"
        if outcome == "blocked":
            blocked_by, observed = ROLE, f"not checked: {ROLE} failed first"
        if outcome == "error":
            observed = OUTAGE
        results.append(RequirementResult(requirement, Outcome(outcome), observed, blocked_by, attested))
    return results_document(
        company_id=company,
        mode="replay",
        results=results,
        plugin_version="0.3.0",
        user_id="pex_connector",
        sender_id="PEX MPP",
        started_at="2026-12-03T02:00:00Z",
        finished_at="2026-12-03T02:00:05Z",
        signoff=None,
        ticket=None,
        cassette=f"{company}.yaml",
    )


def fleet_of(documents: dict[str, dict[str, object]], **extra: Any) -> dict[str, Any]:
    entries = []
    for company, one in documents.items():
        entry: dict[str, object] = {
            "company": company,
            "verdict": one["verdict"],
            "counts": one["counts"],
            "failed": [],
            "digest": {"algorithm": "sha256", "value": "ab" * 32},
        }
        entry.update(extra.pop(company, {}))
        entries.append(entry)
    return {
        "schema": 1,
        "fleet": "fleet.toml",
        "shard": None,
        "mode": "replay",
        "started_at": "2026-12-03T02:00:00Z",
        "finished_at": "2026-12-03T02:01:00Z",
        "verdict": fleet_verdict([verdict_of(one) for one in documents.values()]),
        "companies": entries,
        **extra,
    }


def verdict_of(one: dict[str, object]) -> Any:
    return one["verdict"]


def page(fleet: dict[str, Any], documents: dict[str, dict[str, object]]) -> Any:
    return lxml_html.fromstring(f"<html><body>{render_fleet_summary(fleet, documents)}</body></html>")


def texts(elements: list[Any]) -> list[str]:
    return [" ".join(element.text_content().split()) for element in elements]


def spaced(elements: list[Any]) -> list[str]:
    """Each element's text with a space between its pieces (a folded list reads apart from its line)."""
    return [" ".join(" ".join(element.itertext()).split()) for element in elements]


@pytest.fixture
def five() -> dict[str, dict[str, object]]:
    return {
        "ACME": document("ACME"),
        "BETA": document("BETA", STEP3_ROLE="failed", STEP4_NORMAL_BALANCE="blocked"),
        "GAMMA": document("GAMMA", **{requirement.id.replace("-", "_"): "error" for requirement in CATALOGUE[1:6]}),
        "DELTA": document("DELTA", STEP3_ADMIN_FULL="failed"),
        "OMEGA": document("OMEGA"),
    }


def test_the_header_says_the_counts_and_the_fleets_verdict_in_the_fleets_words(five: Any) -> None:
    fleet = fleet_of(five, shard="2/4")
    assert fleet_title(fleet) == "5 companies: 2 not accepted, 1 incomplete, 2 accepted · PEX Sage Intacct fleet report"
    header = page(fleet, five).find(".//header")
    assert header.get("class") == "pex-verdict pex-fleet-head bad"
    lines = texts(header.findall("*"))
    assert lines[1] == "5 companies: 2 not accepted, 1 incomplete, 2 accepted"
    assert lines[2].startswith("Fleet NOT ACCEPTED: at least one company failed a requirement")
    assert lines[3] == "checked 2026-12-03 02:01 UTC · mode replay · shard 2/4"
    # No chart without a history, no "changed since" without a baseline.
    assert header.find(".//svg") is None
    assert page(fleet, five).find_class("pex-changes") == []


@pytest.mark.parametrize(
    ("verdicts", "headline", "word"),
    [
        (["accepted"], "1 company: 1 accepted", "Fleet ACCEPTED: every company is accepted"),
        (["accepted", "incomplete"], "2 companies: 1 incomplete, 1 accepted", "Fleet INCOMPLETE: nothing failed"),
        ([], "0 companies", "Fleet ACCEPTED"),
    ],
)
def test_the_headline_matches_the_counts_whatever_they_are(verdicts: list[str], headline: str, word: str) -> None:
    documents = {
        f"C{index}": document(f"C{index}", **({} if one == "accepted" else {"STEP2_SENDER_ID": "error"}))
        for index, one in enumerate(verdicts)
    }
    fleet = fleet_of(documents)
    fleet["verdict"] = "accepted" if not verdicts else fleet["verdict"]
    header = page(fleet, documents).find(".//header")
    assert header.findtext("h1") == headline
    assert texts([header.find("p[@class='pex-next']")])[0].startswith(word)


def test_no_customer_banner_and_the_ticket_note_once(five: Any) -> None:
    markup = render_fleet_summary(fleet_of(five), five)
    assert "DRAFT" not in markup and "run the check again" not in markup and "Sign-off" not in markup
    assert markup.count("What goes on a company&#x27;s ticket") + markup.count("What goes on a company's ticket") == 1


def test_baseline_and_history_in_the_header(five: Any) -> None:
    fleet = fleet_of(
        five,
        baseline={"source": "directory", "name": "runs/signed-off/", "taken_at": "2026-11-01T02:00:00Z"},
        history={
            "file": "fleet.sqlite",
            "runs": [{"started_at": "x", "accepted": 1, "companies": 5}] * 11
            + [{"started_at": "y", "accepted": 2, "companies": 5}],
        },
    )
    header = page(fleet, five).find(".//header")
    facts = texts(header.find_class("pex-counts"))[0]
    assert facts.endswith("compared with the baseline runs/signed-off/ of 2026-11-01")
    assert header.findtext(".//figcaption") == "accepted companies over the last 12 runs: 1 → 2 (of 5)"
    fleet["baseline"] = {"source": "history", "name": "fleet.sqlite", "taken_at": None}
    facts = texts(page(fleet, five).find(".//header").find_class("pex-counts"))[0]
    assert facts.endswith("compared with the last run in the history fleet.sqlite (its date unknown)")


def test_what_changed_by_cause_regressions_first_with_the_rest_folded(five: Any) -> None:
    blocked = {"id": BALANCE, "before": "passed", "after": "blocked", "regression": True, "blocked_by": ROLE}
    fleet = fleet_of(
        five,
        baseline={"source": "directory", "name": "signed-off/", "taken_at": "2026-11-01T02:00:00Z"},
        ACME={
            "drift_cause": {
                "id": ADMIN,
                "before": "failed",
                "after": "passed",
                "regression": False,
                "since": "2026-11-01T02:00:00Z",
                "folded": [],
            },
            "failing_since": None,
        },
        BETA={
            "drift_cause": {
                "id": ROLE,
                "before": "passed",
                "after": "failed",
                "regression": True,
                "since": "2026-11-01T02:00:00Z",
                "folded": [blocked],
            },
            "failing_since": "2026-12-01T02:00:00Z",
        },
        GAMMA={"drift_cause": None, "failing_since": "2026-11-20T02:00:00Z"},
        DELTA={
            "drift_cause": {
                "id": ADMIN,
                "before": "passed",
                "after": "failed",
                "regression": True,
                "since": "2026-10-01T02:00:00Z",
                "folded": [],
            }
        },
        OMEGA={"drift_cause": None},
    )
    section = page(fleet, five).find_class("pex-changes")[0]
    assert texts([section.find("h2")]) == ["Changed since the baseline signed-off/ of 2026-11-01"]
    assert texts(section.findall(".//h3")) == [
        "Regressions · 2 companies",
        "Improvements and other changes · 1 company",
    ]
    lines = section.xpath(".//div[@id='pex-intacct-drift']/ul/li")
    assert spaced(lines) == [
        "BETA STEP3-ROLE passed → failed regression failing since 2026-12-01 1 more: now blocked by it "
        "STEP4-NORMAL-BALANCE passed → blocked",
        "DELTA STEP3-ADMIN-FULL passed → failed regression compared with its run of 2026-10-01",
        "ACME STEP3-ADMIN-FULL failed → passed",
    ]
    assert [line.get("class") for line in lines] == ["bad", "bad", "good"]
    folded = lines[0].find("details")
    assert folded is not None and folded.get("open") is None
    assert lines[0].find("a").get("href") == "#pex-intacct-company-BETA"


def test_a_summary_from_before_drift_cause_shows_its_drift_list_by_its_first_change(five: Any) -> None:
    fleet = fleet_of(
        five,
        BETA={
            "drift": [
                {"id": ROLE, "before": "passed", "after": "failed", "regression": True},
                {"id": BALANCE, "before": "passed", "after": "blocked", "regression": True},
            ]
        },
        ACME={"drift": []},
    )
    section = page(fleet, five).find_class("pex-changes")[0]
    assert texts([section.find("h2")]) == ["Changed since the baseline"]
    assert spaced(section.xpath(".//div[@id='pex-intacct-drift']/ul/li")) == [
        "BETA STEP3-ROLE passed → failed regression 1 more changed STEP4-NORMAL-BALANCE passed → blocked"
    ]
    quiet = fleet_of({"ACME": five["ACME"]}, ACME={"drift_cause": None})
    assert spaced(page(quiet, five).find_class("pex-changes")) == [
        "Changed since the baseline No requirement changed outcome."
    ]


def test_the_matrix_failures_first_with_failing_since(five: Any) -> None:
    fleet = fleet_of(five, BETA={"failing_since": "2026-12-01T02:00:00Z"}, GAMMA={"failing_since": None})
    matrix = page(fleet, five).get_element_by_id(MATRIX_ID)
    rows = matrix.xpath(".//tbody/tr")
    assert [row.xpath("string(th)") for row in rows] == ["BETA", "DELTA", "GAMMA", "ACME", "OMEGA"]
    assert [row.xpath("string(td[1])") for row in rows] == ["not accepted"] * 2 + ["incomplete"] + ["accepted"] * 2
    assert [row.xpath("string(td[2])") for row in rows] == ["2026-12-01", "", "", "", ""]
    header = [cell.text_content() for cell in matrix.xpath(".//thead/tr/th")]
    assert header == ["Company", "Verdict", "Failing since", *(requirement.id for requirement in CATALOGUE)]
    beta = [(cell.text, cell.get("class"), cell.get("title")) for cell in rows[0].xpath("td")[2:]]
    assert beta[0] == ("A", "g", None)
    assert (ROLE in [requirement.id for requirement in CATALOGUE]) and ("✗", "b", f"{ROLE}: Failed") in beta
    assert ("B", "w", f"{BALANCE}: Blocked") in beta
    assert beta[-1] == ("n/a", "q", None)


def test_many_accepted_companies_are_folded_under_one_line_of_the_matrix() -> None:
    documents = {f"OK{index:03d}": document(f"OK{index:03d}") for index in range(FOLD_ACCEPTED_OVER + 1)}
    documents["BAD"] = document("BAD", STEP3_ROLE="failed")
    matrix = page(fleet_of(documents), documents).get_element_by_id(MATRIX_ID)
    tables = matrix.findall(".//table")
    assert [len(table.xpath("tbody/tr")) for table in tables] == [1, FOLD_ACCEPTED_OVER + 1]
    folded = matrix.find("details")
    assert folded is not None and folded.get("open") is None
    assert texts([folded.find("summary")]) == [f"{FOLD_ACCEPTED_OVER + 1} accepted companies, every requirement met"]


def test_each_company_folded_with_the_rows_to_act_on(five: Any) -> None:
    fleet = fleet_of(five, BETA={"failing_since": "2026-12-01T02:00:00Z"})
    rendered = page(fleet, five)
    details = rendered.xpath("//section[contains(@class, 'pex-companies')]/details")
    assert [one.get("id") for one in details] == [
        f"pex-intacct-company-{name}" for name in ("BETA", "DELTA", "GAMMA", "ACME", "OMEGA")
    ]
    # Two not accepted: few enough to be open; the others closed.
    assert [one.get("open") is not None for one in details] == [True, True, False, False, False]
    assert texts([details[0].find("summary")]) == [
        "BETA NOT ACCEPTED · failing since 2026-12-01 · 12 requirements: 8 passed, 1 confirmed by a person, "
        "1 failed, 1 blocked, 1 not applicable"
    ]
    rows = details[0].xpath(".//tbody/tr")
    assert [row.get("class") for row in rows] == ["bad", "warn"]
    failed = texts(rows[0].findall("td"))
    assert failed[0] == "Failed" and failed[2] == f"{ROLE} as Intacct shows it"
    assert "Roles information > Add Role" in failed[3]
    assert texts(rows[1].findall("td"))[3] == f"Fix {ROLE} first."
    met = texts(details[0].find_class("pex-met")[0].findall("li"))
    assert met[0].startswith("Passed: STEP2-WEB-SERVICES, STEP2-SENDER-ID")
    assert met[-1] == f"STEP1-ATTACHMENT-NUMBERING attested by {SIGNER}"
    # An outage is told once: the other rows point back to the first.
    gamma = texts(details[2].xpath(".//tbody/tr/td[3]"))
    assert gamma[0] == OUTAGE and gamma[1:] == [f"The same as {CATALOGUE[1].id}, above."] * 4
    # An accepted company: nothing to act on, only its compact lines.
    assert details[3].find(".//table") is None
    assert texts(details[3].find_class("pex-digest")) == ["Results document digest: sha256 " + "ab" * 32]


def test_many_not_accepted_companies_are_all_closed() -> None:
    documents = {f"C{index}": document(f"C{index}", STEP3_ROLE="failed") for index in range(4)}
    details = page(fleet_of(documents), documents).xpath("//details[starts-with(@id, 'pex-intacct-company-')]")
    assert len(details) == 4 and all(one.get("open") is None for one in details)


def test_everything_from_the_documents_is_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">\u202e'
    documents = {hostile: document(hostile, STEP3_ROLE="failed")}
    for entry in documents[hostile]["requirements"]:
        entry["observed"] = "</details></section><script>alert(2)</script>\u202egnp.exe"
    fleet = fleet_of(
        documents,
        fleet="<blink>fleet</blink>.toml",
        shard="<em>1/2</em>",
        baseline={"source": "directory", "name": "<script>x</script>", "taken_at": "<u>now</u>"},
        history={"file": "h", "runs": [{"started_at": "<script>", "accepted": 0, "companies": 1}]},
        **{
            hostile: {
                "failing_since": "<script>y</script>",
                "drift_cause": {
                    "id": "<script>",
                    "before": "<kbd>",
                    "after": "<var>",
                    "regression": True,
                    "folded": [
                        {
                            "id": "<sub>",
                            "before": "<sup>",
                            "after": "blocked",
                            "blocked_by": "<small>",
                            "regression": True,
                        }
                    ],
                },
            }
        },
    )
    markup = render_fleet_summary(fleet, documents)
    for tag in ("<img", "<script", "<blink>", "<em>", "<u>", "<kbd>", "<var>", "<sub>", "<sup>", "<small>", "\u202e"):
        assert tag not in markup, tag
    assert "\\u202e" in markup
    rendered = page(fleet, documents)
    anchor = f"pex-intacct-company-{hostile}".replace("\u202e", "\\u202e")
    assert rendered.find(".//section[@class='pex-list pex-companies']/details").get("id") == anchor
    assert rendered.find(".//table[@class='pex-matrix']//a").get("href") == f"#{anchor}"
    assert fleet_title(fleet).startswith("1 company: 1 not accepted")


def test_verify_tells_the_fleet_page_by_its_matrix(five: Any) -> None:
    markup = f"<html><head><title>x</title></head><body>{render_fleet_summary(fleet_of(five), five)}</body></html>"
    with pytest.raises(NotAReport) as refused:
        verify_html(markup, {})
    assert str(refused.value) == FLEET_REPORT


def test_unknown_verdicts_and_outcomes_are_still_shown(five: Any) -> None:
    documents = {"ACME": five["ACME"], "LATER": {**document("LATER"), "verdict": "deferred"}}
    documents["LATER"]["requirements"][1]["outcome"] = "postponed"
    fleet = fleet_of(documents)
    fleet["verdict"] = "something-new"
    rendered = page(fleet, documents)
    assert rendered.find(".//header/h1").text == "2 companies: 1 deferred, 1 accepted"
    assert "a verdict unknown to this version" in rendered.find(".//header").text_content()
    cell = rendered.get_element_by_id(MATRIX_ID).xpath(".//tbody/tr[1]/td")[2]
    assert (cell.text, cell.get("title")) == ("?", "STEP2-WEB-SERVICES: postponed")
