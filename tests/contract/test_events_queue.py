"""Events go to a real Storage queue (Azurite) through azure-storage-queue."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from galleryflow.azure import events
from galleryflow.azure.errors import GatewayError, InvalidRequest, Transient
from galleryflow.settings import AzureSettings


def _settings(connection_string: str, queue: str = "galleryflow-events") -> AzureSettings:
    return AzureSettings.from_env(
        {
            "GALLERYFLOW_EVENTS_CONNECTION_STRING": connection_string,
            "GALLERYFLOW_EVENTS_QUEUE": queue,
            "GALLERYFLOW_ARM_RETRY_TOTAL": "0",
        }
    )


def _read_all(connection_string: str, queue: str) -> list[dict]:
    reader = QueueClient.from_connection_string(connection_string, queue)
    messages = list(reader.receive_messages(messages_per_page=32, visibility_timeout=30))
    return [json.loads(m.content) for m in messages]


def test_publish_creates_the_queue_and_sends_versioned_json(azurite):
    settings = _settings(azurite.connection_string)  # a fresh Azurite: the queue is missing
    sent = events.publish_event(
        "run-started",
        "pub-123",
        {"version": "1.2.3", "regions": ["westeurope"]},
        event_id="pub-123:run-started",
        time="2026-11-23T10:00:00Z",
        settings=settings,
    )
    events.publish_event("captured", "pub-123", {"version": "1.2.3"}, settings=settings)

    received = _read_all(azurite.connection_string, "galleryflow-events")
    assert received[0] == {
        "type": "galleryflow.run-started.v1",
        "id": "pub-123:run-started",
        "time": "2026-11-23T10:00:00Z",
        "run_id": "pub-123",
        "data": {"version": "1.2.3", "regions": ["westeurope"]},
    }
    assert received[0] == sent
    assert received[1]["type"] == "galleryflow.captured.v1"
    assert received[1]["time"].endswith("Z") and len(received[1]["id"]) == 32
    assert len(received) == 2


def test_every_documented_event_type_is_accepted(azurite_shared):
    azurite = azurite_shared
    settings = _settings(azurite.connection_string, queue="all-types")
    for event_type in sorted(events.EVENT_TYPES):
        events.publish_event(event_type, "run-1", {}, settings=settings)
    received = _read_all(azurite.connection_string, "all-types")
    assert sorted(e["type"] for e in received) == sorted(
        f"galleryflow.{t}.v1" for t in events.EVENT_TYPES
    )
    assert {
        "run-started",
        "patched",
        "skipped",
        "captured",
        "region-replicated",
        "promoted",
        "pruned",
        "failed",
        "rolled-back",
        "approved",
        "rejected",
        "cancelled",
        "version-changed",
        "mirror-failed",
    } == events.EVENT_TYPES


def test_unknown_event_type_and_oversized_event_are_refused_before_sending(azurite_shared):
    azurite = azurite_shared
    settings = _settings(azurite.connection_string, queue="refused")
    with pytest.raises(ValueError, match="unknown event type 'started'"):
        events.publish_event("started", "run-1", {}, settings=settings)
    with pytest.raises(ValueError, match="64 KiB"):
        events.publish_event("failed", "run-1", {"log": "x" * 70_000}, settings=settings)
    reader = QueueClient.from_connection_string(azurite.connection_string, "refused")
    with pytest.raises(ResourceNotFoundError):
        reader.get_queue_properties()


def test_unreachable_queue_service_is_a_transient_gateway_error(azurite):
    settings = _settings(azurite.connection_string, queue="gone")
    azurite.stop()
    with pytest.raises(GatewayError) as caught:
        events.publish_event("failed", "run-1", {}, settings=settings)
    assert isinstance(caught.value, Transient)
    assert caught.value.retryable
    assert "AccountKey" not in str(caught.value.to_dict())


def test_events_need_a_connection_string_or_service_uri():
    from galleryflow.settings import SettingsError

    with pytest.raises(SettingsError, match="GALLERYFLOW_EVENTS_CONNECTION_STRING"):
        events.publish_event("failed", "run-1", {}, settings=AzureSettings.from_env({}))


def test_an_invalid_queue_name_is_an_invalid_request_with_storages_code(azurite_shared):
    settings = _settings(azurite_shared.connection_string, queue="Bad_Queue")
    with pytest.raises(InvalidRequest) as caught:
        events.publish_event("failed", "run-1", {}, settings=settings)
    assert caught.value.status == 400
    assert caught.value.code == "InvalidResourceName"
    assert type(caught.value.code) is str
    assert not caught.value.retryable
