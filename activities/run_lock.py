"""Is a run still live? The run lock (orchestrators/resource_lock.py) asks before it frees a
lock whose holder was terminated or purged without releasing it."""

from __future__ import annotations

import azure.durable_functions as df

from activities import bp
from activities.guard import Payload
from galleryflow.durable.names import Activity
from galleryflow.durable.status import LIVE


@bp.activity_trigger(input_name="payload", activity=Activity.RUN_LIVENESS)
@bp.durable_client_input(client_name="client")
async def run_liveness(payload: Payload, client: df.DurableOrchestrationClient) -> Payload:
    """{"run_id"} -> {"live": bool, "status": runtime status or None when purged/unknown}."""
    status = await client.get_status(str(payload["run_id"]))
    runtime = getattr(status, "runtime_status", None) if status else None
    if status is None or status.created_time is None or runtime is None:
        return {"live": False, "status": None}
    return {"live": runtime in LIVE, "status": getattr(runtime, "value", str(runtime))}
