"""How the checks are spread over pytest-xdist workers: every check of one company on one worker.

A single company is one scope, so one worker reads it once. A fleet is also shared out up front: worker
K of N is sent every N-th company (by company id) at once, and knows which ones without being told, so
it reads them all through its own bounded pool while it checks the first.
Sent one company at a time, as xdist's LoadScope does, a worker could only read the company it was
checking: the workers replaced the read pool, and more workers made a fleet slower.

(xdist's own ``loadgroup`` cannot keep a company together with pytest 9.2: it renames items through an
attribute pytest no longer reads.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_WORKER_ID = re.compile(r"gw(\d+)")


def worker_index(worker_id: str) -> int | None:
    """``gw3`` → 3: xdist names its workers gw0 … gw(N-1), and a restarted worker keeps its name."""
    matched = _WORKER_ID.fullmatch(worker_id)
    return int(matched.group(1)) if matched else None


def scopes_in_order(nodeids: Iterable[str], scope_of: Callable[[str], str]) -> list[str]:
    """The scopes of a collection, each once, in the order their first check is collected."""
    return list(dict.fromkeys(scope_of(nodeid) for nodeid in nodeids))


def worker_share(scopes: list[str], index: int, workers: int) -> list[str]:
    """Worker ``index`` of ``workers``'s scopes, in the order given: every ``workers``-th of them sorted,
    from the ``index``-th. Sorted, the share depends only on which scopes there are, not on the order a
    plugin (``--ff``, ``--nf``, a shuffler) collected them in: a worker works it out from the fleet's
    companies before its collection is done, and the controller from the collection."""
    mine = set(sorted(scopes)[index::workers])
    return [scope for scope in scopes if scope in mine]


def make_scheduler(config: Any, log: Any, scope_of: Callable[[str], str], up_front: bool) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class OneScopePerWorker(LoadScopeScheduling):  # type: ignore[misc]
        """LoadScope by our scopes, with its bookkeeping made linear: xdist finds each node id with
        ``list.index`` and counts a node's pending checks over all its scopes after every report, which
        is quadratic over a fleet's twelve thousand checks."""

        def __init__(self, config: Any, log: Any) -> None:
            super().__init__(config, log)
            self._pending: dict[Any, int] = {}
            self._positions: dict[Any, dict[str, int]] = {}

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _pending_of(self, workload: dict[str, dict[str, bool]]) -> int:
            for node, assigned in self.assigned_work.items():
                if assigned is workload:
                    return self._pending.get(node, 0)
            return int(super()._pending_of(workload))  # a crashed node's work, no longer assigned

        def _send(self, node: Any, units: dict[str, dict[str, bool]]) -> None:
            assigned = self.assigned_work.setdefault(node, {})
            nodeids: list[str] = []
            for scope, unit in units.items():
                assigned[scope] = unit
                nodeids += [nodeid for nodeid, done in unit.items() if not done]
            self._pending[node] = self._pending.get(node, 0) + len(nodeids)
            if nodeids:
                if node not in self._positions:
                    collection = self.registered_collections[node]
                    self._positions[node] = {nodeid: index for index, nodeid in enumerate(collection)}
                node.send_runtest_some([self._positions[node][nodeid] for nodeid in nodeids])

        def _assign_work_unit(self, node: Any) -> None:
            scope, unit = self.workqueue.popitem(last=False)
            self._send(node, {scope: unit})

        def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
            nodeid = self.registered_collections[node][item_index]
            unit = self.assigned_work[node][self._split_scope(nodeid)]
            if not unit[nodeid]:
                unit[nodeid] = True
                self._pending[node] -= 1
            self._reschedule(node)

        def remove_node(self, node: Any) -> str | None:
            crashed: str | None = super().remove_node(node)
            self._pending.pop(node, None)
            return crashed

    class SharedUpFront(OneScopePerWorker):
        collection: list[str] | None

        def schedule(self) -> None:
            indexes = {node: worker_index(str(node.gateway.id)) for node in self.nodes}
            if (
                self.collection is not None
                or sorted(index for index in indexes.values() if index is not None) != list(range(len(self.nodes)))
                or not self._check_nodes_have_same_collection()
            ):
                # A second call (a node added) or workers named otherwise: one scope at a time, as xdist does.
                super().schedule()
                return
            collection: list[str] = list(next(iter(self.registered_collections.values())))
            self.collection = collection
            scopes = scopes_in_order(collection, scope_of)
            work: dict[str, dict[str, bool]] = {scope: {} for scope in scopes}
            for nodeid in collection:
                work[scope_of(nodeid)][nodeid] = False
            for node, index in indexes.items():
                assert index is not None
                self._send(node, {scope: work[scope] for scope in worker_share(scopes, index, len(self.nodes))})
                # Everything is sent: the worker stops once it has run its share.
                node.shutdown()

    return (SharedUpFront if up_front else OneScopePerWorker)(config, log)
