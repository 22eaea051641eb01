"""The simulated company's mutable side (attachment folders, attachments, API sessions) and who is calling.

Everything a write or getAPISession changes lives in one CompanyState, so a failed transaction can
roll all of it back by restoring a copy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .scenario import Scenario, User

# What "now" is to the simulated company: session times and creation dates. The demo recorder hands
# in a fixed one, so that a recording made on any day gives the same bytes.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC).astimezone()


@dataclass(frozen=True)
class Attachment:
    supdoc_id: str
    name: str
    folder: str
    record_no: int
    created: date
    created_by: str


@dataclass(frozen=True)
class Folder:
    name: str
    description: str
    parent: str
    created: date
    created_by: str


@dataclass(frozen=True)
class Identity:
    """Who an authenticated operation runs as."""

    user: User
    company_id: str
    location_id: str


@dataclass
class CompanyState:
    folders: dict[str, Folder]
    attachments: dict[str, Attachment]
    sessions: dict[str, Identity]
    next_attachment: int = 1
    # Record numbers are never reused, even after a delete; 35 as in a recorded create_supdoc answer.
    next_record: int = 35

    @classmethod
    def initial(cls, scenario: Scenario, today: date) -> CompanyState:
        return cls(
            folders={name: Folder(name, "", "", today, "Admin") for name in scenario.supdoc_folders},
            attachments={},
            sessions={},
        )

    def copy(self) -> CompanyState:
        return dataclasses.replace(
            self, folders=dict(self.folders), attachments=dict(self.attachments), sessions=dict(self.sessions)
        )


@dataclass(frozen=True)
class CallContext:
    """What one function call runs against: the scenario, the company's state, the caller, gateway options."""

    scenario: Scenario
    state: CompanyState
    identity: Identity
    endpoint: str
    fail_deletes: bool
    today: date
