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
