"""Reading one image definition's versions: the versions route and the pipeline's
activities share it, so both see the same `in_use` and `latest` rules."""

from __future__ import annotations

from typing import Any

from galleryflow.azure import compute
from galleryflow.azure.clients import current_settings
from galleryflow.azure.resource_graph import count_image_references_graph
from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region
from galleryflow.domain.resource_ids import subscription_of
from galleryflow.domain.rollback import plan_rollback
from galleryflow.domain.version_changes import plan_change
from galleryflow.settings import AppSettings


def full_gallery(gallery: dict[str, Any]) -> dict[str, Any]:
    """The gallery with its subscription (GALLERYFLOW_SUBSCRIPTION_ID when not given)."""
    if gallery.get("subscription_id"):
        return gallery
    return {**gallery, "subscription_id": current_settings().default_subscription_id}


def load_versions(
    target: dict[str, Any], *, with_in_use: bool, scan: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Version dicts (gateway shape) with `in_use` and `in_use_count` (VMs, scale sets and
    disks using that version: README "In use") counted over the gallery's subscription, the
    subscriptions of the versions' source VMs, every subscription in `scan` and
    GALLERYFLOW_INUSE_SUBSCRIPTIONS (each once); through Azure Resource Graph when
    GALLERYFLOW_INUSE_RESOURCE_GRAPH is on, else the subscriptions' lists."""
    gallery = full_gallery(target["gallery"])
    versions = compute.list_versions(gallery, target["definition"])
    if with_in_use:
        definition = compute.get_image_definition(gallery, target["definition"])["id"].lower()
        settings = AppSettings.from_env()
        sources = [str(v["source_id"]) for v in versions if v.get("source_id")]
        subscriptions = list(
            dict.fromkeys(
                s.lower()
                for s in (
                    gallery["subscription_id"],
                    *(subscription_of(source) for source in sources),
                    *scan,
                    *settings.in_use_subscriptions,
                )
                if s
            )
        )
        counts: dict[str, int] = {}
        if settings.in_use_resource_graph:
            found = count_image_references_graph(subscriptions)
        else:
            found = {}
            for subscription in subscriptions:
                for ref, count in compute.count_image_references(subscription).items():
                    found[ref] = found.get(ref, 0) + count
        for ref, count in found.items():
            counts[ref.lower()] = counts.get(ref.lower(), 0) + count
        for version in versions:
            count = counts.get(f"{definition}/versions/{version['name']}".lower(), 0)
            version["in_use"] = count > 0
            version["in_use_count"] = count
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


def rollback_preview(target: dict[str, Any], version: str, regions: list[str] | None) -> Any:
    """The rollback plan the `rollback_image` run would make now (the same domain check over
    the same versions), changing nothing: for `POST /api/rollback/preview`."""
    plan = plan_rollback(records(load_versions(target, with_in_use=False)), version, regions)
    return plan.to_dict()


def change_plan(target: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The plan of a canonical version change over the definition's current versions (its
    home region and the version's replication mode read from ARM), changing nothing: the
    `change_version` run's plan and `POST /api/rollback/undo/preview`."""
    target = {**target, "gallery": full_gallery(target["gallery"])}
    versions = load_versions(target, with_in_use=False)
    home = compute.get_image_definition(target["gallery"], target["definition"])["location"]
    mode = next(
        (v.get("replication_mode") for v in versions if v["name"] == change["version"]), None
    )
    return plan_change(
        change, records(versions), home_region=str(home), replication_mode=mode or "Full"
    )
