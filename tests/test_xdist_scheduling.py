"""How a fleet is shared over xdist workers (``run/xdist_scheduling.py``), with stand-ins for xdist's nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from pytest_pex_intacct.run.fleet_run import company_of_nodeid
from pytest_pex_intacct.run.xdist_scheduling import make_scheduler, scopes_in_order, worker_index, worker_share

REQUIREMENTS = ["STEP2-WEB-SERVICES", "STEP3-ROLE", "STEP4-NORMAL-BALANCE"]


@dataclass(eq=False)
class Node:
    """What the scheduler uses of xdist's WorkerController."""

    name: str
    sent: list[list[int]] = field(default_factory=list)
    shutting_down: bool = False

    @property
    def gateway(self) -> Any:
        return SimpleNamespace(id=self.name)

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.append(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def collection(companies: list[str]) -> list[str]:
    return [f"test_x.py::test_y[{company}-{requirement}]" for company in companies for requirement in REQUIREMENTS]


def scheduled(companies: list[str], nodes: list[Node]) -> Any:
    config = SimpleNamespace(
        getvalue=lambda name: [f"{len(nodes)}*popen"] if name == "tx" else None,
        option=SimpleNamespace(loadscopereorder=False),
    )
    scheduler = make_scheduler(config, None, lambda nodeid: company_of_nodeid(nodeid) or nodeid, up_front=True)
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, collection(companies))
    scheduler.schedule()
    return scheduler


def companies_sent(node: Node, companies: list[str]) -> list[str]:
    ids = collection(companies)
    return scopes_in_order([ids[index] for batch in node.sent for index in batch], company_of_nodeid)  # type: ignore[arg-type]


def test_each_worker_is_sent_its_whole_share_at_once_and_knows_it_without_being_told() -> None:
    companies = [f"C{number:02d}" for number in range(7)]
    nodes = [Node("gw0"), Node("gw1")]
    scheduler = scheduled(companies, nodes)
    for node in nodes:
        # One message with every check of its companies, then nothing more: it reads them all at once.
        assert len(node.sent) == 1 and node.shutting_down
        index = worker_index(node.name)
        assert index is not None
        # The worker works out the same share from the same collection (run/fleet_snapshots.py).
        assert companies_sent(node, companies) == worker_share(companies, index, len(nodes))
    shares = [companies_sent(node, companies) for node in nodes]
    assert sorted(shares[0] + shares[1]) == companies and not set(shares[0]) & set(shares[1])
    assert scheduler.has_pending
    # Reports come back: the scheduler's count of what is pending follows, and the run ends when all are in.
    for node in nodes:
        for index in node.sent[0]:
            scheduler.mark_test_complete(node, index)
    assert not scheduler.has_pending and scheduler.tests_finished


def test_a_crashed_worker_s_companies_go_to_the_worker_that_replaces_it() -> None:
    companies = ["ACME", "BETA", "GAMMA", "DELTA"]
    nodes = [Node("gw0"), Node("gw1")]
    scheduler = scheduled(companies, nodes)
    scheduler.mark_test_complete(nodes[1], nodes[1].sent[0][0])
    crashed = scheduler.remove_node(nodes[1])
    assert crashed == collection(companies)[nodes[1].sent[0][1]]
    # xdist starts a worker with a new name (gw2); it is sent what gw1 had not finished, and reads those
    # companies as it reaches them.
    replacement = Node("gw2")
    scheduler.add_node(replacement)
    scheduler.add_node_collection(replacement, collection(companies))
    scheduler.schedule()
    done: set[int] = set()
    while pending := [index for batch in replacement.sent for index in batch if index not in done]:
        for index in pending:
            scheduler.mark_test_complete(replacement, index)
            done.add(index)
    assert sorted(done) == sorted(nodes[1].sent[0][1:])


def test_workers_named_otherwise_fall_back_to_one_company_at_a_time() -> None:
    companies = ["ACME", "BETA", "GAMMA"]
    nodes = [Node("gw0"), Node("remote-1")]
    scheduled(companies, nodes)
    assert all(len(batch) == len(REQUIREMENTS) for node in nodes for batch in node.sent)


def test_worker_shares() -> None:
    assert worker_share(["A", "B", "C", "D", "E"], 0, 2) == ["A", "C", "E"]
    assert worker_share(["A", "B", "C", "D", "E"], 1, 2) == ["B", "D"]
    assert worker_share(["E", "D", "C", "B", "A"], 0, 2) == ["E", "C", "A"]
    assert worker_index("gw12") == 12 and worker_index("gw") is None and worker_index("x-gw1") is None
    assert scopes_in_order(["a1", "a2", "b1", "a3"], lambda nodeid: nodeid[0]) == ["a", "b"]


class RecordedReads:
    """Stands in for fleet/reads.FleetReads: what a worker starts reading up front."""

    started: ClassVar[list[str]] = []

    def __init__(self, fleet: Any, concurrency: int) -> None:
        self.concurrency = concurrency

    def start(self, wanted: dict[str, bool]) -> None:
        RecordedReads.started = list(wanted)


def worker_snapshots(monkeypatch: Any, worker: str, workers: int, companies: list[str], keyword: str = "") -> Any:
    from pytest_pex_intacct.run import fleet_snapshots

    RecordedReads.started = []
    monkeypatch.setattr(fleet_snapshots, "FleetReads", RecordedReads)
    config = SimpleNamespace(
        workerinput={"workerid": worker, "workercount": workers},
        option=SimpleNamespace(collectonly=False, keyword=keyword, markexpr=""),
    )
    fleet = SimpleNamespace(concurrency=8, companies=[SimpleNamespace(company_id=one) for one in sorted(companies)])
    return fleet_snapshots.FleetSnapshots(config, fleet, every_check=True)  # type: ignore[arg-type]


def test_a_worker_reads_its_share_before_collection_whatever_order_the_checks_are_collected_in(
    monkeypatch: Any,
) -> None:
    companies = [f"C{number}" for number in range(8)]
    snapshots = worker_snapshots(monkeypatch, "gw1", 2, companies)
    snapshots.start_before_collection()
    assert RecordedReads.started == ["C1", "C3", "C5", "C7"]
    assert snapshots._reads.concurrency == 4
    # The controller shares the collection out the same way, in whatever order --ff or a shuffler left it.
    shuffled = ["C6", "C3", "C0", "C7", "C1", "C4", "C2", "C5"]
    assert sorted(worker_share(shuffled, 1, 2)) == RecordedReads.started
    assert worker_share(shuffled, 1, 2) == ["C3", "C7", "C1", "C5"]


def test_a_worker_with_checks_left_out_reads_its_share_once_its_collection_is_final(monkeypatch: Any) -> None:
    companies = [f"C{number}" for number in range(8)]
    snapshots = worker_snapshots(monkeypatch, "gw0", 2, companies, keyword="C1 or C2 or C5")
    snapshots.start_before_collection()
    assert RecordedReads.started == []
    snapshots._start({"C5": False, "C1": True, "C2": False})
    assert RecordedReads.started == ["C5", "C1"]


def test_the_worker_replacing_a_crashed_one_has_no_share(monkeypatch: Any) -> None:
    # xdist names it anew (gw2 of 2 workers): it reads no company its predecessor finished, only what it is
    # sent, as it reaches it.
    replacement = worker_snapshots(monkeypatch, "gw2", 2, ["C0", "C1", "C2"])
    replacement.start_before_collection()
    assert RecordedReads.started == []
