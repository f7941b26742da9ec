"""Replication: read per-region replication state; retry a failed region (remove, re-add).

ARM refuses an update while the version is Creating/Updating (docs/azure-facts.md#q1), and a
version stays so until every region has ended: a retry asked for meanwhile is answered
`{"deferred": True}` and the monitor asks again at a later poll."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded, refuse
from galleryflow.azure import compute
from galleryflow.azure.errors import Conflict
from galleryflow.durable.names import Activity

BUSY_STATES = ("Creating", "Updating")


@guarded
def _read(payload: Payload) -> Payload:
    target = payload["target"]
    status = compute.get_replication(target["gallery"], target["definition"], payload["version"])
    if status.get("provisioning_state") == "Failed" and not status.get("regions"):
        return refuse(
            "VersionCreationFailed",
            "the image version's creation failed before replication started",
            payload["version"],
        )
    return status


@bp.activity_trigger(input_name="payload", activity=Activity.READ_REPLICATION)
def read_replication(payload: Payload) -> Payload:
    """{"target", "version"} -> {"aggregated_state", "provisioning_state",
    "regions": {region: {"state", "progress", "details"}}}."""
    return _read(payload)


@guarded
def _retry_region(payload: Payload) -> Payload:
    target, version, spec = payload["target"], payload["version"], payload["region"]
    gallery, definition = target["gallery"], target["definition"]
    found = compute.get_version(gallery, definition, version)
    deferred = {"region": spec["name"], "re_added": False, "deferred": True}
    current = found["regions"]
    state = next((r.get("state") for r in current if r["name"] == spec["name"]), None)
    if found.get("provisioning_state") in BUSY_STATES or state == "Completed":
        return deferred  # busy; or it finished after all: the next reading shows it
    others = [r for r in current if r["name"] != spec["name"]]
    wanted = {
        "name": spec["name"],
        "replica_count": spec.get("replica_count"),
        "storage_account_type": spec.get("storage_account_type"),
        "exclude_from_latest": True,  # never latest before promotion
    }
    # Idempotent: when a previous attempt already removed the region, only add it back.
    try:
        if len(others) < len(current):
            compute.set_target_regions(gallery, definition, version, others)
        compute.set_target_regions(gallery, definition, version, [*others, wanted])
    except Conflict as busy:
        if not busy.retryable:  # a safety profile or another final refusal
            raise
        return deferred  # another update started in between: ask again later
    return {"region": spec["name"], "re_added": True}


@bp.activity_trigger(input_name="payload", activity=Activity.RETRY_REGION)
def retry_region_replication(payload: Payload) -> Payload:
    """{"target", "version", "region": target region spec} -> {"region", "re_added",
    "deferred"?} (deferred: the version is still busy, nothing was changed)."""
    if not payload.get("region", {}).get("name"):
        return refuse("InvalidRegion", "region spec needs a name")
    return _retry_region(payload)
