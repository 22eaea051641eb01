"""Where a fleet run's baseline came from: an earlier run's ``--intacct-json`` directory, or the run history.

Drift does not care which: either gives one baseline document per company (``Fleet.baselines``). The
fleet summary names the source, so a reader knows what "changed" is measured against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .drift import baseline_taken_at
from .history import History


@dataclass(frozen=True)
class BaselineSource:
    source: Literal["directory", "history"]
    # The --intacct-baseline value as given, or the history file's name.
    name: str
    # When the baseline run started (UTC), if known.
    taken_at: str | None

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "name": self.name, "taken_at": self.taken_at}


def from_directory(given: str, documents: Mapping[str, Mapping[str, object]]) -> BaselineSource:
    """The latest start among the documents used: a directory may hold documents of several runs."""
    times = [when for document in documents.values() if (when := baseline_taken_at(document))]
    return BaselineSource("directory", given, max(times, default=None))


def from_history(
    history: History, fleet: str, shard: str | None, companies: Sequence[str]
) -> tuple[BaselineSource | None, dict[str, Mapping[str, object]]]:
    """The history's last run of this fleet (and shard), and its documents of this run's companies.

    No earlier run: no baseline. A company the last run did not check shows no drift.
    """
    last = history.last_run(fleet, shard)
    if last is None:
        return None, {}
    documents = {company: last.documents[company] for company in companies if company in last.documents}
    return BaselineSource("history", history.name, last.started_at), documents
