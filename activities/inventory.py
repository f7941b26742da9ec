"""Inventory: every version of a definition as the domain sees it, and `latest` per region."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.api.inventory import full_gallery, load_versions, records
from galleryflow.domain.latest import latest_by_region

# Re-exported: the other activities read versions through this module.
__all__ = ["full_gallery", "load_versions", "records", "resolve_latest"]


@guarded
def _resolve_latest(payload: Payload) -> Payload:
    versions = records(load_versions(payload["target"], with_in_use=False))
    return {"latest": latest_by_region(versions, payload.get("regions"))}


@bp.activity_trigger(input_name="payload", activity="resolve_latest")
def resolve_latest(payload: Payload) -> Payload:
    """{"target", "regions"?: [..]} -> {"latest": {region: version or None}}."""
    return _resolve_latest(payload)
