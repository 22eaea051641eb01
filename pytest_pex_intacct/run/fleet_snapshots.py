"""Where a fleet check's snapshot comes from: the company reads, started as early as is safe.

Alone, a run reads every selected company through one bounded pool (``fleet/reads.py``); a worker of
xdist reads its share (``xdist_scheduling.py``) through its part of the pool. When nothing can leave a
company out of the run, the reads start before the checks are even collected.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..facts.snapshot import CompanySnapshot
from ..fleet.fleet_settings import Fleet
from ..fleet.reads import FleetReads
from ..requirements import ATTACHMENT_NUMBERING
from .outcomes import requirement_of_item
from .xdist_scheduling import worker_index, worker_share


class FleetSnapshots:
    def __init__(self, config: pytest.Config, fleet: Fleet, every_check: bool) -> None:
        """``every_check``: the run collects every bundled check (no node ids or paths were given)."""
        self.config = config
        self.fleet = fleet
        self.every_check = every_check
        self.is_worker = hasattr(config, "workerinput")
        self._reads: FleetReads | None = None
        # Company id → whether its write probe check is selected (the one write ever made).
        self._wanted: dict[str, bool] = {}

    def snapshot(self, session: pytest.Session, company_id: str) -> CompanySnapshot:
        if self._reads is None:
            self._start(_wanted(session), first=company_id)
        assert self._reads is not None
        return self._reads.snapshot(company_id, self._wanted.get(company_id, False))

    def start_after_collection(self, session: pytest.Session) -> None:
        # A worker of xdist that could not start before collection (-k, node ids …) knows its share once
        # its collection is final, before the controller has even sent it: reading starts then.
        if self.is_worker and self._reads is None and not self.config.option.collectonly:
            self._start(_wanted(session))

    def start_before_collection(self) -> None:
        # Collecting twelve thousand checks takes seconds: when nothing can leave a company (or its probe
        # check) out, the reads need not wait for it.
        if self._selects_everything():
            self._start({settings.company_id: True for settings in self.fleet.companies})

    def release(self, company_id: str) -> None:
        if self._reads is not None:
            self._reads.release(company_id)

    @property
    def under_way(self) -> dict[str, bool]:
        return self._reads.under_way if self._reads is not None else {}

    def close(self) -> None:
        if self._reads is not None:
            self._reads.close()

    def _selects_everything(self) -> bool:
        option = self.config.option
        if (
            not self.every_check
            or option.collectonly
            or option.keyword
            or option.markexpr
            or any(getattr(option, name, None) for name in ("deselect", "lf", "stepwise", "stepwise_skip"))
        ):
            return False
        # A worker's share depends only on which companies are selected (xdist_scheduling.worker_share):
        # all of them here. xdist's controller runs no check, so it reads nothing.
        return self.is_worker or (not getattr(option, "numprocesses", None) and getattr(option, "dist", "no") == "no")

    def _start(self, wanted: dict[str, bool], first: str | None = None) -> None:
        self._wanted = wanted
        share, concurrency = self._share(list(wanted))
        if self.is_worker and first is not None:
            # Reached before its collection was seen whole (not the usual way): its share from here on.
            share = share[share.index(first) :] if first in share else []
        self._reads = FleetReads(self.fleet, concurrency)
        self._reads.start({company: wanted[company] for company in share})

    def _share(self, companies: list[str]) -> tuple[list[str], int]:
        """The companies this process reads up front, and how many at a time: all, or a worker's share
        with its part of --intacct-concurrency (so the fleet as a whole never exceeds it)."""
        if not self.is_worker:
            return companies, self.fleet.concurrency
        workerinput: dict[str, Any] = getattr(self.config, "workerinput", {})
        workers = int(workerinput.get("workercount", 1))
        index = worker_index(str(workerinput.get("workerid", "")))
        # xdist names the worker that replaces a crashed one gwN, gwN+1 …: it has no share, and reads what
        # it is sent (what the crashed one had not finished) as it reaches it.
        if index is None or not 0 <= index < workers:
            return [], 1
        return worker_share(companies, index, workers), max(1, self.fleet.concurrency // workers)


def _wanted(session: pytest.Session) -> dict[str, bool]:
    """The selected companies in the collection's final order (after --ff, --nf or a shuffling plugin: the
    order xdist's controller shares them out in), each with whether its write probe check is selected."""
    from .fleet_run import company_of_item

    wanted: dict[str, bool] = {}
    for item in session.items:
        company, requirement = company_of_item(item), requirement_of_item(item)
        if company is not None and requirement is not None:
            wanted[company] = wanted.get(company, False) or requirement.id == ATTACHMENT_NUMBERING
    return wanted
