"""The bounded pool of company reads (``fleet/reads.py``) with the read itself handed in."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_pex_intacct.config.option import Mode
from pytest_pex_intacct.fleet import reads
from pytest_pex_intacct.fleet.reads import READER_SWITCH_INTERVAL, FleetReads


def pool(monkeypatch: pytest.MonkeyPatch) -> tuple[FleetReads, list[str]]:
    read: list[str] = []

    def take_snapshot(settings: Any, write_probe_selected: bool) -> str:
        read.append(settings.company_id)
        return f"snapshot of {settings.company_id}"

    monkeypatch.setattr(reads, "take_snapshot", take_snapshot)
    fleet = SimpleNamespace(mode=Mode.LIVE, concurrency=2, company=lambda company: SimpleNamespace(company_id=company))
    return FleetReads(fleet), read  # type: ignore[arg-type]


def test_each_company_is_read_once_and_let_go_when_its_checks_are_done(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet_reads, read = pool(monkeypatch)
    before = sys.getswitchinterval()
    fleet_reads.start({"ACME": False, "BETA": False})
    assert sys.getswitchinterval() == pytest.approx(min(before, READER_SWITCH_INTERVAL))
    assert fleet_reads.snapshot("ACME", False) == "snapshot of ACME"
    assert fleet_reads.snapshot("ACME", False) == "snapshot of ACME"
    assert fleet_reads.snapshot("BETA", False) == "snapshot of BETA"
    assert sorted(read) == ["ACME", "BETA"]
    fleet_reads.release("ACME")
    # Asked again after its checks were done (a bug), a released company says so instead of reading again.
    with pytest.raises(RuntimeError, match="released after its checks were done"):
        fleet_reads.snapshot("ACME", False)
    assert sorted(read) == ["ACME", "BETA"]
    assert fleet_reads.under_way == {}
    fleet_reads.close()
    assert sys.getswitchinterval() == before
