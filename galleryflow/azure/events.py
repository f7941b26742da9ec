"""Run events on a Storage queue: versioned JSON, one message per event.

Message body (UTF-8 JSON text, no base64):
`{"type": "galleryflow.<event>.v1", "id", "time", "run_id", "data"}`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError

from galleryflow.azure.clients import queue_client
from galleryflow.azure.errors import translate
from galleryflow.settings import AzureSettings

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "run-started",
        "patched",
        "skipped",  # skip_when_current: nothing captured (data.reason)
        "captured",
        "region-replicated",
        "promoted",
        "pruned",
        "failed",
        "rolled-back",
        # audit: who decided on an approval gate, or cancelled (data.by is the principal)
        "approved",
        "rejected",
        "cancelled",
        "version-changed",
        "mirror-failed",  # a mirror gallery's copy failed (the primary stays live)
    }
)
SCHEMA_VERSION = 1
# Storage queue messages are limited to 64 KiB.
MAX_MESSAGE_BYTES = 64 * 1024


def _envelope(
    event_type: str, run_id: str, data: dict[str, Any], event_id: str | None, time: str | None
) -> dict[str, Any]:
    """Build (and validate) the event envelope `publish_event` sends."""
    if event_type not in EVENT_TYPES:
        raise ValueError(
            f"unknown event type {event_type!r}; expected one of {sorted(EVENT_TYPES)}"
        )
    return {
        "type": f"galleryflow.{event_type}.v{SCHEMA_VERSION}",
        "id": event_id or uuid.uuid4().hex,
        "time": time or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "run_id": run_id,
        "data": data,
    }


def publish_event(
    event_type: str,
    run_id: str,
    data: dict[str, Any],
    *,
    event_id: str | None = None,
    time: str | None = None,
    settings: AzureSettings | None = None,
) -> dict[str, Any]:
    """Send one event to the events queue (created when missing) and return the envelope.

    Pass a deterministic `event_id` (e.g. "<run_id>:captured") from an activity so that
    consumers can drop the duplicate a retried activity sends.
    """
    event = _envelope(event_type, run_id, data, event_id, time)
    body = json.dumps(event, separators=(",", ":"), sort_keys=True)
    if len(body.encode()) > MAX_MESSAGE_BYTES:
        raise ValueError(
            f"event {event['type']} is {len(body.encode())} bytes; the limit is 64 KiB"
        )
    client = queue_client(settings)
    try:
        try:
            client.send_message(body)
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):  # created by another worker
                client.create_queue()
            client.send_message(body)
    except AzureError as exc:
        raise translate(exc, f"queue:{client.queue_name}") from exc
    return event
