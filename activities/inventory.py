"""Inventory: every version of a definition as the domain sees it, and `latest` per region."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure.inventory import load_versions, records
from galleryflow.domain.latest import latest_by_region
from galleryflow.durable.names import Activity


@guarded
def _resolve_latest(payload: Payload) -> Payload:
    versions = records(load_versions(payload["target"], with_in_use=False))
    return {"latest": latest_by_region(versions, payload.get("regions"))}


@bp.activity_trigger(input_name="payload", activity=Activity.RESOLVE_LATEST)
def resolve_latest(payload: Payload) -> Payload:
    """{"target", "regions"?: [..]} -> {"latest": {region: version or None}}."""
    return _resolve_latest(payload)
