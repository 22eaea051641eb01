"""Recordings outlive upgrades: an older recording that lacks a read still replays what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from pytest_pex_intacct import __version__
from pytest_pex_intacct.requirements import CATALOGUE

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "cassettes" / "demo-ready.yaml"


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def without_read(directory: Path, control_id: str) -> Path:
    """The demo recording as an earlier version would have made it, without the read ``control_id``."""
    cassette = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    first = cassette["interactions"][0]
    request = etree.fromstring(_text(first["request"]["body"]).encode("utf-8"))
    response = etree.fromstring(_text(first["response"]["body"]["string"]).encode("utf-8"))
    for root, path in ((request, "operation/content/function"), (response, "operation/result")):
        for element in root.iterfind(path):
            if element.get("controlid") == control_id or element.findtext("controlid") == control_id:
                element.getparent().remove(element)  # type: ignore[union-attr]
    first["request"]["body"] = etree.tostring(request, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    first["response"]["body"]["string"] = etree.tostring(response, encoding="unicode")
    cassette["metadata"]["recorded"]["plugin_version"] = "0.1.0"
    path = directory / "demo-ready.yaml"
    path.write_text(yaml.safe_dump(cassette), encoding="utf-8")
    return path


def replay(run_checks: Any, cassettes: Path) -> Any:
    return run_checks(
        None,
        "--intacct-mode=replay",
        f"--intacct-cassettes={cassettes}",
        company="demo-ready",
        sender_password=None,
        user_password=None,
        subprocess=True,
    )


@pytest.mark.parametrize(("control_id", "fact"), [("gl-account", "gl_account"), ("roles-catalogue", "roles")])
def test_a_recording_without_a_read_replays_the_rest_and_says_to_record_again(
    run_checks: Any, tmp_path: Path, control_id: str, fact: str
) -> None:
    needing = {requirement.id for requirement in CATALOGUE if requirement.fact == fact}
    without_read(tmp_path, control_id)
    run = replay(run_checks, tmp_path)
    outcomes = run.outcomes
    assert {requirement for requirement, outcome in outcomes.items() if outcome == "error"} == needing
    assert "failed" not in outcomes.values()
    judged = {requirement.id for requirement in CATALOGUE} - needing
    assert {outcomes[requirement] for requirement in judged} == {"passed"}
    assert run.verdict == "incomplete"
    for requirement in needing:
        observed = run.requirement(requirement)["observed"]
        assert "predates this check" in observed and "made by pytest-pex-intacct 0.1.0" in observed
        assert "record the demos again" in observed or "record it again" in observed
    assert "ReplayMismatch" not in run.result.stdout.str()


def test_a_recording_by_a_newer_version_is_one_usage_line(run_checks: Any, tmp_path: Path) -> None:
    cassette = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    major, minor, patch = (int(part) for part in __version__.split(".")[:3])
    cassette["metadata"]["recorded"]["plugin_version"] = f"{major}.{minor + 1}.{patch}"
    (tmp_path / "demo-ready.yaml").write_text(yaml.safe_dump(cassette), encoding="utf-8")
    run = replay(run_checks, tmp_path)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in run.result.stderr.lines if line.strip()]
    assert len(lines) == 1, lines
    assert f"newer than this {__version__}" in lines[0] and "upgrade" in lines[0]


def test_a_recording_whose_version_is_no_version_is_one_usage_line(run_checks: Any, tmp_path: Path) -> None:
    cassette = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    cassette["metadata"]["recorded"]["plugin_version"] = 12345
    (tmp_path / "demo-ready.yaml").write_text(yaml.safe_dump(cassette), encoding="utf-8")
    run = replay(run_checks, tmp_path)
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR
    assert "plugin_version is not a version number" in run.result.stderr.str()
