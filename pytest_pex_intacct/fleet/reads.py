"""Every company's snapshot read at most once, at most ``--intacct-concurrency`` companies at a time.

Each company is one ordinary company run (``company/company_run.take_snapshot``: one batched
request, two with UDD, plus the probe's), with its own client, connection and time budget, so one
company's outage, refusal or timeout holds one slot of the pool for its own budget and touches no
other company's answer. No pytest here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from ..config.option import Mode
from ..facts.snapshot import CompanySnapshot
from ..recording.company_reading import take_snapshot
from .fleet_settings import Fleet


class FleetReads:
    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        # vcrpy records by patching the HTTP stack of the whole process: two recordings at once would
        # write each other's requests. A recorded fleet is therefore read one company at a time.
        workers = 1 if fleet.mode == Mode.RECORD else fleet.concurrency
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pex-intacct-company")
        self._futures: dict[str, Future[CompanySnapshot]] = {}
        self._lock = threading.Lock()

    def start(self, wanted: Mapping[str, bool]) -> None:
        """Start reading these companies (company id → whether its write probe is selected), in this order."""
        with self._lock:
            for company_id, write_probe_selected in wanted.items():
                if company_id not in self._futures:
                    settings = self.fleet.company(company_id)
                    self._futures[company_id] = self._pool.submit(take_snapshot, settings, write_probe_selected)

    def snapshot(self, company_id: str, write_probe_selected: bool) -> CompanySnapshot:
        """The company's snapshot, reading it now if it was not started."""
        self.start({company_id: write_probe_selected})
        return self._futures[company_id].result()

    @property
    def started(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._futures)

    def close(self) -> None:
        # Reads not yet begun are dropped (an interrupted run); those under way end within their budget.
        self._pool.shutdown(wait=False, cancel_futures=True)
