"""Take the company snapshot for a run: the one place that knows about modes.

``live`` talks to Intacct; ``record`` talks to Intacct through the recorder (vcrpy loads only
then); ``replay`` answers from the cassette and needs neither vcrpy nor the HTTP stack.
"""

from __future__ import annotations

import uuid

from ..config.option import Mode
from ..config.settings import Settings
from ..facts.snapshot import CompanySnapshot, gather_snapshot
from ..intacct.client import IntacctClient
from ..intacct.envelope import SenderCredentials


def take_snapshot(settings: Settings, write_probe_selected: bool = True) -> CompanySnapshot:
    run_id = uuid.uuid4().hex[:12]
    if settings.mode == Mode.REPLAY:
        from .replay import replay_snapshot

        return replay_snapshot(settings, run_id, write_probe_selected)
    from ..intacct.transport import HttpTransport

    network = settings.network
    # Resolved from the environment before any read: a fleet's read threads never touch os.environ.
    transport = HttpTransport.resolved(network.timeouts, dict(network.proxies), network.ca_bundle)
    client = IntacctClient(
        settings.endpoint, SenderCredentials(settings.sender_id, settings.sender_password), transport
    )
    try:
        if settings.mode == Mode.LIVE:
            return gather_snapshot(client, settings, run_id, write_probe_selected=write_probe_selected)
        return _recorded(client, settings, run_id, write_probe_selected)
    finally:
        client.close()


def _recorded(client: IntacctClient, settings: Settings, run_id: str, write_probe_selected: bool) -> CompanySnapshot:
    from .record import recording

    with recording(settings) as recorder:
        snapshot = gather_snapshot(client, settings, run_id, write_probe_selected=write_probe_selected)
        # Decided inside the block: the cassette is written when it ends.
        snapshot = recorder.kept_if_verified(snapshot)
    leak = recorder.leak()
    return CompanySnapshot.unavailable(settings, leak) if leak else snapshot
