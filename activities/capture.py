"""Capture: create the image version from the (deallocated) source VM, or adopt our own."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import compute
from galleryflow.durable.names import Activity


@guarded
def _capture(payload: Payload) -> Payload:
    target = payload["target"]
    created = compute.begin_create_version(
        target["gallery"],
        target["definition"],
        payload["version"],
        # a mirror's copy names the primary version (`source_id`) instead of the VM
        payload.get("source_id") or payload["vm_id"],
        payload["target_regions"],
        payload.get("end_of_life"),
        {
            # false (the request's default) protects replicated regions; galleryflow's own
            # region removals (retry, shrink) lift it in their PATCH and restore it after.
            "allow_deletion_of_replicated_locations": bool(
                payload.get("allow_replicated_location_deletion")
            ),
            "block_deletion_before_end_of_life": bool(
                payload.get("block_deletion_before_end_of_life")
            ),
        },
        payload.get("tags") or {},
        # The run id tags the version: a retried activity or a resumed run adopts it.
        idempotency_tag=payload["run_id"],
        replication_mode=payload.get("replication_mode") or "Full",
    )
    return {
        "id": created["id"],
        "adopted": bool(created["adopted"]),
        "provisioning_state": created.get("provisioning_state"),
    }


@bp.activity_trigger(input_name="payload", activity=Activity.CAPTURE)
def capture_image_version(payload: Payload) -> Payload:
    """{"target": {"gallery", "definition"}, "version", "vm_id", "target_regions",
    "end_of_life", "block_deletion_before_end_of_life", "allow_replicated_location_deletion",
    "replication_mode", "run_id", "tags", "source_id"? (a mirror: the primary version's id)}
    -> {"id", "adopted", "provisioning_state"}. Excluded from latest everywhere."""
    return _capture(payload)
