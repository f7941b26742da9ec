"""Notify: one versioned JSON event on the events queue."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import events
from galleryflow.durable.names import Activity


@guarded
def _emit(payload: Payload) -> Payload:
    sent = events.publish_event(
        payload["kind"],
        payload["run_id"],
        payload.get("data") or {},
        event_id=payload.get("event_id"),
        time=payload.get("time"),
    )
    return {"type": sent["type"], "id": sent["id"]}


@bp.activity_trigger(input_name="payload", activity=Activity.EMIT_EVENT)
def emit_event(payload: Payload) -> Payload:
    """{"kind": "captured", "run_id", "event_id", "time", "data"} -> {"type", "id"}.

    `event_id` is deterministic per run and step, so a consumer can drop the duplicate a
    retried activity sends.
    """
    return _emit(payload)
