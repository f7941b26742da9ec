"""One publish per image definition: is this run the one that may publish it?

The HTTP API refuses a second publish with 409; this guard also covers runs started by the
nightly timer, DevOps hooks or the Durable API directly. This activity reads the live
runs (galleryflow.durable.status.LIVE, Suspended and ContinuedAsNew included); the domain
(galleryflow.domain.run_lock) decides which one holds the definition. The run sets its
custom status (with the definition id) before it asks, so two runs always see each other.
"""

from __future__ import annotations

import azure.durable_functions as df

from activities import bp
from activities.guard import Payload
from galleryflow.domain.run_lock import holder_of
from galleryflow.durable.names import Activity
from galleryflow.durable.status import LIVE


@bp.activity_trigger(input_name="payload", activity=Activity.CLAIM_DEFINITION)
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
