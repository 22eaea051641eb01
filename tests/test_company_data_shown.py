"""What a company's data puts in front of a reader: escaped and bounded, in every artefact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree

from conftest import ATTEST
from pytest_pex_intacct.outside_text import MAX_SHOWN, shown
from pytest_pex_intacct.simulator import fault_wire

BIDI = "\u202e"
HUGE_LABEL = f"Project {BIDI}epyt" + "x" * 200_000


@dataclass(frozen=True)
class HostileLabel(fault_wire.Fault):
    """The genuine answer, with a UDD's label made 200 KB long and holding a bidi override."""

    def deliver(self, wire: fault_wire.Wire, real: fault_wire.RealResponse) -> None:
        response = real()
        root = etree.fromstring(response.body)
        for label in root.iter("termLabel"):
            label.text = HUGE_LABEL
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        fault_wire.send_response(wire, replace(response, body=body))


def test_shown_escapes_controls_and_bidi_and_says_when_it_cut() -> None:
    assert shown("plain text\nnext line") == "plain text\nnext line"
    assert shown(f"a\x1b[2Jb{BIDI}c") == "a\\x1b[2Jb\\u202ec"
    cut = shown("y" * (MAX_SHOWN + 10))
    assert cut.startswith("y" * MAX_SHOWN) and cut.endswith(f"(cut: {MAX_SHOWN + 10} characters in all)")


def test_a_huge_hostile_label_is_escaped_and_cut_in_every_artefact(
    simulator: Callable[..., Any], run_checks: Any, tmp_path: Path
) -> None:
    server = simulator("ready")
    server.inject(HostileLabel(), times=None)
    junit, report = tmp_path / "junit.xml", tmp_path / "report.html"
    run = run_checks(server, *ATTEST, "--intacct-udd", "-rA", f"--junitxml={junit}", f"--html={report}",
                     "--self-contained-html")  # fmt: skip
    observed = run.requirement("UDD-READ")["observed"]
    assert "\\u202e" in observed and "(cut: " in observed
    assert len(observed) < MAX_SHOWN + 100
    for name, text in {
        "stdout": run.result.stdout.str(),
        "json": run.json_path.read_text(encoding="utf-8"),
        "junit": junit.read_text(encoding="utf-8"),
        "html": report.read_text(encoding="utf-8"),
    }.items():
        assert BIDI not in text, f"a bidi override reaches {name} raw"
        assert "x" * 10_000 not in text, f"the 200 KB label reaches {name} whole"
