"""Reading one image definition's versions: the versions route and the pipeline's
activities share it, so both see the same `in_use` and `latest` rules."""

from __future__ import annotations

from typing import Any

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


def versions_inventory(target: dict[str, Any]) -> dict[str, Any]:
    """`{"gallery", "image_definition", "versions", "latest"}` for `GET .../versions`
    (blocking I/O: call it from a worker thread in async code)."""
    versions = load_versions(target, with_in_use=True)
    return {
        "gallery": target["gallery"],
        "image_definition": target["definition"],
        "versions": versions,
        "latest": latest_by_region(records(versions)),
    }
