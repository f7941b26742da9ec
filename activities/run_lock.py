"""Run lifetimes through the Durable client: is a run still live (the run lock,
orchestrators/resource_lock.py, asks before it frees a lock whose holder was terminated or
purged without releasing it), stop a child run when its parent is cancelled, and signal a
child what its parent learned."""

from __future__ import annotations

import logging

import azure.durable_functions as df

from activities import bp
from activities.guard import Payload
from galleryflow.durable.names import Activity, Event, is_child_event
from galleryflow.durable.status import LIVE

logger = logging.getLogger("galleryflow.activities")


@bp.activity_trigger(input_name="payload", activity=Activity.RUN_LIVENESS)
@bp.durable_client_input(client_name="client")
async def run_liveness(payload: Payload, client: df.DurableOrchestrationClient) -> Payload:
    """{"run_id"} -> {"live": bool, "status": runtime status or None when purged/unknown}."""
    return await _liveness(client, str(payload["run_id"]))


async def _liveness(client: df.DurableOrchestrationClient, run_id: str) -> Payload:
    status = await client.get_status(run_id)
    runtime = getattr(status, "runtime_status", None) if status else None
    if status is None or status.created_time is None or runtime is None:
        return {"live": False, "status": None}
    return {"live": runtime in LIVE, "status": getattr(runtime, "value", str(runtime))}


@bp.activity_trigger(input_name="payload", activity=Activity.STOP_CHILD_RUN)
@bp.durable_client_input(client_name="client")
async def stop_child_run(payload: Payload, client: df.DurableOrchestrationClient) -> Payload:
    """{"run_id", "how": "terminate"|"cancel", "reason", "data"} -> {"stopped": bool}.

    `terminate` for a child that only watches (the replication monitor: its reads may stop
    anywhere); `cancel` raises the child's own `cancel` event (with the parent's event
    `data`) for a child that writes and stops at a safe point itself (prune_apply). A
    child that already ended is left alone."""
    run_id = str(payload["run_id"])
    found = await _liveness(client, run_id)
    if not found["live"]:
        return {"stopped": False, "status": found["status"]}
    reason = str(payload.get("reason") or "parent run cancelled")
    try:
        if payload.get("how") == "cancel":
            await client.raise_event(run_id, Event.CANCEL, payload.get("data") or {"by": reason})
        else:
            await client.terminate(run_id, reason)
    except Exception as exc:  # it ended between the look and the stop
        logger.info("child run %s not stopped: %s", run_id, exc)
        return {"stopped": False, "status": None}
    return {"stopped": True, "status": found["status"]}


@bp.activity_trigger(input_name="payload", activity=Activity.SIGNAL_CHILD_RUN)
@bp.durable_client_input(client_name="client")
async def signal_child_run(payload: Payload, client: df.DurableOrchestrationClient) -> Payload:
    """{"run_id", "event", "data"} -> {"signalled": bool}: raise one of the events a parent
    sends its child (`primary_ready`, `primary_regions_<n>` to the `publish_mirrors` child).
    A child that already ended is left alone."""
    run_id = str(payload["run_id"])
    event = str(payload["event"])
    if not is_child_event(event):
        return {"error": {"code": "InvalidEvent", "message": f"not a child event: {event}"}}
    found = await _liveness(client, run_id)
    if not found["live"]:
        return {"signalled": False, "status": found["status"]}
    try:
        await client.raise_event(run_id, event, payload.get("data") or {})
    except Exception as exc:  # it ended between the look and the signal
        logger.info("child run %s not signalled: %s", run_id, exc)
        return {"signalled": False, "status": None}
    return {"signalled": True, "status": found["status"]}
