"""Take the company snapshot for a run: build the client for the mode, gather, close.

The one place that knows about modes: ``live`` talks to Intacct, ``record`` talks to Intacct
through the recorder, ``replay`` answers from the cassette and never opens a socket.
"""

from __future__ import annotations

import uuid

from .intacct.client import IntacctClient
from .intacct.envelope import SenderCredentials
from .settings import Settings
from .snapshot import CompanySnapshot, gather_snapshot


def take_snapshot(settings: Settings, write_probe_selected: bool = True) -> CompanySnapshot:
    run_id = uuid.uuid4().hex[:12]
    client = IntacctClient(settings.endpoint, SenderCredentials(settings.sender_id, settings.sender_password))
    try:
        if settings.mode == "live":
            return gather_snapshot(client, settings, run_id, write_probe_selected=write_probe_selected)
        return _through_cassette(client, settings, run_id, write_probe_selected)
    finally:
        client.close()


def _through_cassette(
    client: IntacctClient, settings: Settings, run_id: str, write_probe_selected: bool
) -> CompanySnapshot:
    # vcrpy loads only here: an ordinary pytest run, or a live one, never pays for it.
    from .recording import cassette_for, replay_errors

    with cassette_for(settings) as recorder:
        if recorder.problem is not None:
            return CompanySnapshot.unavailable(settings, recorder.problem)

        def explain(message: str) -> str:
            if settings.mode != "replay":
                return message
            # A replay's answers come from the file: an unusable one is the recording's fault.
            return recorder.explain(f"a recorded answer cannot be used ({message})")

        try:
            snapshot = gather_snapshot(client, settings, run_id, explain, write_probe_selected)
        except replay_errors() as error:
            return CompanySnapshot.unavailable(settings, recorder.translate(error) or recorder.explain(str(error)))
    leak = recorder.leak()
    if leak is not None:
        return CompanySnapshot.unavailable(settings, leak)
    return snapshot
