"""Promotion: flip `excludeFromLatest` per region and/or globally on one version."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import compute
from galleryflow.azure.inventory import full_gallery
from galleryflow.durable.names import Activity


@guarded
def _set_exclude(payload: Payload) -> Payload:
    target = payload["target"]
    updated = compute.set_exclude_from_latest(
        full_gallery(target["gallery"]),
        target["definition"],
        payload["version"],
        payload.get("global"),
        payload.get("regions") or {},
    )
    return {
        "exclude_from_latest": updated["exclude_from_latest"],
        "regions": {r["name"]: r["exclude_from_latest"] for r in updated["regions"]},
    }


@bp.activity_trigger(input_name="payload", activity=Activity.SET_EXCLUDE_FROM_LATEST)
def set_exclude_from_latest(payload: Payload) -> Payload:
    """{"target", "version", "regions": {region: bool}, "global": bool|None}
    -> {"exclude_from_latest", "regions": {region: bool}} (idempotent PATCH)."""
    return _set_exclude(payload)


@guarded
def _promote_and_add(payload: Payload) -> Payload:
    target, version = payload["target"], payload["version"]
    gallery, definition = full_gallery(target["gallery"]), target["definition"]
    live = set(payload.get("live") or [])
    current = compute.get_version(gallery, definition, version)["regions"]
    known = {r["name"] for r in current}
    regions = [
        {**r, "exclude_from_latest": False if r["name"] in live else None} for r in current
    ] + [
        {
            "name": spec["name"],
            "replica_count": spec.get("replica_count"),
            "storage_account_type": spec.get("storage_account_type"),
            "exclude_from_latest": True,  # replicated excluded; live with its own wave
        }
        for spec in payload.get("add") or []
        if spec["name"] not in known
    ]
    updated = compute.set_target_regions(gallery, definition, version, regions)
    return {"regions": {r["name"]: r["exclude_from_latest"] for r in updated["regions"]}}


@bp.activity_trigger(input_name="payload", activity=Activity.PROMOTE_AND_ADD_REGIONS)
def promote_and_add_regions(payload: Payload) -> Payload:
    """{"target", "version", "live": [region], "add": [target region spec]} ->
    {"regions": {region: exclude_from_latest}}: ONE update that makes `live` serve latest
    and starts replicating `add` (excluded), as a progressive rollout needs (ARM refuses
    updates while the version replicates, docs/azure-facts.md Q1). Idempotent."""
    return _promote_and_add(payload)
