"""Replication: read per-region replication state; retry a failed region (remove, re-add)."""

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
def _retry_regions(payload: Payload) -> Payload:
    """Remove every failed region in one update, then add them all back in one more. ARM
    refuses an update while the version is Creating/Updating (docs/azure-facts.md#q1): then
    nothing is changed and the answer is `deferred` (the monitor asks again later)."""
    target, version = payload["target"], payload["version"]
    specs = payload.get("regions") or [payload["region"]]
    names = {spec["name"] for spec in specs}
    gallery, definition = target["gallery"], target["definition"]
    found = compute.get_version(gallery, definition, version)
    deferred = {"regions": sorted(names), "re_added": False, "deferred": True}
    current = found["regions"]
    done = any(r.get("state") == "Completed" for r in current if r["name"] in names)
    if found.get("provisioning_state") in BUSY_STATES or done:
        return deferred  # busy; or one finished after all: the next reading shows it
    others = [r for r in current if r["name"] not in names]
    wanted = [
        {
            "name": spec["name"],
            "replica_count": spec.get("replica_count"),
            "storage_account_type": spec.get("storage_account_type"),
            "exclude_from_latest": True,  # never latest before promotion
            "encryption": spec.get("encryption"),
        }
        for spec in specs
    ]
    # The removal lifts a protected version's safety profile in the same PATCH (ARM refuses
    # removing any region while allowDeletionOfReplicatedLocations is false,
    # docs/azure-facts.md#q3); the re-add restores it in the same PATCH as its own change.
    try:
        # Idempotent: when a previous attempt already removed the regions, only add them back.
        if len(others) < len(current):
            compute.set_target_regions(gallery, definition, version, others)
        compute.set_target_regions(
            gallery, definition, version, [*others, *wanted], restore_safety=True
        )
    except Conflict as busy:
        if not busy.retryable:  # a final refusal
            raise
        return deferred  # another update started in between: ask again later
    return {"regions": sorted(names), "re_added": True}


@bp.activity_trigger(input_name="payload", activity=Activity.RETRY_REGION)
def retry_region_replication(payload: Payload) -> Payload:
    """{"target", "version", "regions": [target region spec]} (or one "region") ->
    {"regions", "re_added", "deferred"?} (deferred: the version is still busy, nothing was
    changed)."""
    specs = payload.get("regions") or ([payload["region"]] if payload.get("region") else [])
    if not specs or not all(isinstance(s, dict) and s.get("name") for s in specs):
        return refuse("InvalidRegion", "region specs need a name")
    return _retry_regions(payload)
