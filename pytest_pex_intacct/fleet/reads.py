"""Every company's snapshot read at most once, at most ``--intacct-concurrency`` companies at a time.

Each company is one ordinary company run (``recording/company_reading.take_snapshot``: one batched
request, two with UDD, plus the probe's), with its own client, connection and time budget, so one
company's outage, refusal or timeout holds one slot of the pool for its own budget and touches no
other company's answer. No pytest here.

The readers are daemon threads, not a ``ThreadPoolExecutor``'s: the interpreter waits at exit for an
executor's threads, so a Ctrl-C would end the run only once the slowest company's gateway had answered
or its budget had run out (minutes). A read still under way when the run ends is abandoned instead, and
:attr:`FleetReads.under_way` names it, so the run can say so.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future

from ..config.option import Mode
from ..facts.snapshot import CompanySnapshot
from ..recording.company_reading import take_snapshot
from .fleet_settings import Fleet

# Seconds a thread waits for the interpreter while reads are under way (sys.setswitchinterval).
READER_SWITCH_INTERVAL = 0.0001
# What a company's read becomes once its snapshot is let go: asked again, it says so (a bug, never silence).
_RELEASED: Future[CompanySnapshot] = Future()
_RELEASED.set_exception(RuntimeError("the company's snapshot was released after its checks were done"))
# A company to read: its id, whether its write probe is selected, and where its snapshot goes.
_Read = tuple[str, bool, Future[CompanySnapshot]]


class FleetReads:
    def __init__(self, fleet: Fleet, concurrency: int | None = None) -> None:
        """``concurrency``: reads at a time (default the fleet's; an xdist worker is given its part)."""
        self.fleet = fleet
        # vcrpy records by patching the HTTP stack of the whole process: two recordings at once would
        # write each other's requests. A recorded fleet is therefore read one company at a time.
        self._workers = 1 if fleet.mode == Mode.RECORD else (concurrency or fleet.concurrency)
        self._threads: list[threading.Thread] = []
        self._queue: queue.SimpleQueue[_Read | None] = queue.SimpleQueue()
        self._futures: dict[str, Future[CompanySnapshot]] = {}
        self._probes: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._switch_interval: float | None = None

    def start(self, wanted: Mapping[str, bool]) -> None:
        """Start reading these companies (company id → whether its write probe is selected), in this order."""
        if self._switch_interval is None:
            # The checks keep the main thread busy while the reads wait on their gateways. A reader whose
            # answer has come waits for the interpreter up to the switch interval (5 ms) at every step of
            # reading it: a tenth more per company at a thousand companies. Until the reads are closed,
            # a waiting reader gets it within READER_SWITCH_INTERVAL.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, READER_SWITCH_INTERVAL))
        with self._lock:
            for company_id, write_probe_selected in wanted.items():
                if company_id in self._futures:
                    continue
                future: Future[CompanySnapshot] = Future()
                self._futures[company_id] = future
                self._probes[company_id] = write_probe_selected
                self._queue.put((company_id, write_probe_selected, future))
                # One reader per waiting company, up to the bound: a small fleet starts only what it needs.
                if len(self._threads) < min(self._workers, len(self._futures)):
                    reader = threading.Thread(
                        target=self._read, name=f"pex-intacct-company-{len(self._threads)}", daemon=True
                    )
                    reader.start()
                    self._threads.append(reader)

    def snapshot(self, company_id: str, write_probe_selected: bool) -> CompanySnapshot:
        """The company's snapshot, reading it now if it was not started."""
        self.start({company_id: write_probe_selected})
        # Waiting here is interruptible: Ctrl-C raises KeyboardInterrupt in the run at once.
        return self._futures[company_id].result()

    def release(self, company_id: str) -> None:
        """Let go of a company's snapshot once its checks are done (its read is not made again)."""
        with self._lock:
            future = self._futures.get(company_id)
            if future is not None and future.done():
                self._futures[company_id] = _RELEASED

    @property
    def started(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._futures)

    @property
    def under_way(self) -> dict[str, bool]:
        """The companies being read right now (company id → whether its write probe was selected)."""
        with self._lock:
            return {company: self._probes[company] for company, future in self._futures.items() if future.running()}

    def close(self) -> None:
        """Drop the reads not yet begun (an interrupted run); those under way are left to end, or to be
        abandoned when the process exits."""
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
        with self._lock:
            for future in self._futures.values():
                future.cancel()  # only a read that has not begun can be cancelled
            for _ in self._threads:
                self._queue.put(None)

    def _read(self) -> None:
        while (read := self._queue.get()) is not None:
            company_id, write_probe_selected, future = read
            if not future.set_running_or_notify_cancel():
                continue
            try:
                snapshot = take_snapshot(self.fleet.company(company_id), write_probe_selected)
            except BaseException as error:  # handed to the waiting check, as an executor would
                future.set_exception(error)
            else:
                future.set_result(snapshot)
