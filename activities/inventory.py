"""Inventory: every version of a definition as the domain sees it, and `latest` per region."""

from __future__ import annotations

from typing import Any

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import compute
from galleryflow.azure.clients import current_settings
from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region


def full_gallery(gallery: dict[str, Any]) -> dict[str, Any]:
    """The gallery with its subscription (GALLERYFLOW_SUBSCRIPTION_ID when not given)."""
    if gallery.get("subscription_id"):
        return gallery
    return {**gallery, "subscription_id": current_settings().default_subscription_id}


def load_versions(target: dict[str, Any], *, with_in_use: bool) -> list[dict[str, Any]]:
    """Version dicts (gateway shape) with `in_use` set from VM/scale set image references."""
    gallery = full_gallery(target["gallery"])
    versions = compute.list_versions(gallery, target["definition"])
    if with_in_use:
        definition = compute.get_image_definition(gallery, target["definition"])["id"].lower()
        referenced = {
            ref.lower() for ref in compute.find_image_references(str(gallery["subscription_id"]))
        }
        for version in versions:
            version["in_use"] = f"{definition}/versions/{version['name']}".lower() in referenced
    return versions


def records(versions: list[dict[str, Any]]) -> list[VersionRecord]:
    return [VersionRecord.from_dict(v) for v in versions]


@guarded
def _resolve_latest(payload: Payload) -> Payload:
    versions = records(load_versions(payload["target"], with_in_use=False))
    return {"latest": latest_by_region(versions, payload.get("regions"))}


@bp.activity_trigger(input_name="payload", activity="resolve_latest")
def resolve_latest(payload: Payload) -> Payload:
    """{"target", "regions"?: [..]} -> {"latest": {region: version or None}}."""
    return _resolve_latest(payload)
