"""One publish per image definition: is this run the one that may publish it?

The HTTP API refuses a second publish with 409; this guard also covers runs started by the
nightly timer, DevOps hooks or the Durable API directly. Among the live (Pending/Running)
`publish_image` runs whose custom status names the same definition, the oldest one (created
time, then instance id) holds the definition; every other one is refused. The run sets its
custom status (with the definition id) before it asks, so two runs always see each other.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

from activities import bp
from activities.guard import Payload

LIVE = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending]


def holder_of(definition_id: str, runs: list[dict[str, Any]]) -> str | None:
    """The instance id holding `definition_id` among live runs (dicts with instance_id,
    name, created_time, custom_status). Pure."""
    key = definition_id.lower()
    claimants = [
        r
        for r in runs
        if str(r.get("name", "")).lower() == "publish_image"
        and isinstance(r.get("custom_status"), dict)
        and str(r["custom_status"].get("definition", "")).lower() == key
    ]
    if not claimants:
        return None
    oldest = min(claimants, key=lambda r: (str(r.get("created_time") or ""), r["instance_id"]))
    return str(oldest["instance_id"])


@bp.activity_trigger(input_name="payload", activity="claim_definition")
@bp.durable_client_input(client_name="client")
async def claim_definition(payload: Payload, client: df.DurableOrchestrationClient) -> Payload:
    """{"definition_id", "run_id"} -> {"granted": bool, "holder": instance id}."""
    statuses = await client.get_status_by(runtime_status=LIVE)
    runs = [
        {
            "instance_id": s.instance_id,
            "name": s.name,
            "created_time": s.created_time.isoformat() if s.created_time else "",
            "custom_status": s.custom_status,
        }
        for s in statuses
    ]
    holder = holder_of(payload["definition_id"], runs) or payload["run_id"]
    return {"granted": holder == payload["run_id"], "holder": holder}
