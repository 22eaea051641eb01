"""The faults a simulator has been told to inject, in order, each for a number of requests (or all)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from .fault_wire import Fault


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None
    # Only requests for this company (a fleet gateway); None: any request.
    company: str | None = None


class FaultQueue:
    """Faults in injection order; each entry answers ``remaining`` requests (None: all of them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[_Entry] = deque()

    def add(self, fault: Fault, times: int | None, company: str | None = None) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for every request), got {times}")
        with self._lock:
            self._entries.append(_Entry(fault, times, company))

    @property
    def for_companies(self) -> bool:
        with self._lock:
            return any(entry.company is not None for entry in self._entries)

    def take(self, company: str | None = None) -> Fault | None:
        """The first fault that applies to a request for ``company``."""
        with self._lock:
            entry = next((one for one in self._entries if one.company is None or one.company == company), None)
            if entry is None:
                return None
            if entry.remaining is not None:
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._entries.remove(entry)
            return entry.fault

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
