"""Azurite started with a location under the state dir keeps queued events across a restart."""

from __future__ import annotations

import json

from azure.storage.queue import QueueClient

from galleryflow.azure import events
from galleryflow.azure.clients import clear_client_caches
from galleryflow.settings import AzureSettings
from sandbox.azurite import start_azurite


def test_events_survive_an_azurite_restart_with_on_disk_state(tmp_path):
    state = tmp_path / "state"
    first = start_azurite(state, in_memory=False)
    try:
        settings = AzureSettings.from_env(
            {"GALLERYFLOW_EVENTS_CONNECTION_STRING": first.connection_string}
        )
        events.publish_event("pruned", "run-9", {"deleted": ["1.0.0"]}, settings=settings)
        port = first.queue_port
    finally:
        first.stop()
    clear_client_caches()
    assert (state / "azurite").is_dir() and any((state / "azurite").iterdir())

    second = start_azurite(state, in_memory=False, port=port)
    try:
        reader = QueueClient.from_connection_string(second.connection_string, "galleryflow-events")
        received = [json.loads(m.content) for m in reader.receive_messages()]
    finally:
        second.stop()
    assert [(e["type"], e["run_id"], e["data"]) for e in received] == [
        ("galleryflow.pruned.v1", "run-9", {"deleted": ["1.0.0"]})
    ]
    assert not first.process.alive() and not second.process.alive()
