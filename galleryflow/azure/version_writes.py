"""Image version writes: create (no wait for replication), PATCH target regions and
excludeFromLatest, delete. Reads and the dict shapes are in gallery.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.mgmt.compute.models import GalleryImageVersion, GalleryImageVersionUpdate

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, gallery_parts, raw, version_id
from galleryflow.azure.clients import compute_client
from galleryflow.azure.errors import Conflict, InvalidRequest, NotFound
from galleryflow.azure.gallery import get_image_definition, read_version_json, version_to_dict
from galleryflow.azure.version_shapes import (
    lift_patch,
    restore_patch,
    safety_body,
    target_region_body,
)
from galleryflow.domain.regions import normalise_region

# Tag that marks which request created a version; a re-sent request adopts its own version.
IDEMPOTENCY_TAG = "galleryflow-idempotency"


# ---------------------------------------------------------------- versions: write


@a.requires(a.IMAGE_READ, a.VERSION_READ, a.VERSION_WRITE)
def begin_create_version(
    gallery: Mapping[str, Any],
    definition: str,
    name: str,
    source_vm_id: str,
    target_regions: list[Mapping[str, Any]],
    end_of_life: str | None,
    safety: Mapping[str, Any] | None,
    tags: Mapping[str, str] | None,
    *,
    idempotency_tag: str | None = None,
    replication_mode: str | None = None,
) -> dict[str, Any]:
    """Send the PUT that creates a version from a VM, or from another gallery image version
    (a mirror's copy: `source_vm_id` is then that version's id, in any subscription the
    caller can read; docs/azure-facts.md#q5); return without waiting for replication.

    The version is excluded from `latest` globally and in every region. `target_regions`
    items are `{"name", "replica_count", "storage_account_type", "encryption"}`; `safety`
    is `{"allow_deletion_of_replicated_locations", "block_deletion_before_end_of_life"}`
    (both default false); `replication_mode` "Full" or "Shallow" (None: ARM's default).
    With `idempotency_tag` the version is tagged; when a version of that name already
    exists with the same tag it is adopted (`"adopted": True`), with another or no tag
    this raises Conflict("VersionAlreadyExists"). Returns
    `{"id", "name", "adopted", "provisioning_state"}`.
    """
    sub, rg, gal = gallery_parts(gallery)
    resource = version_id(gallery, definition, name)
    existing = _existing_version(gallery, definition, name)
    if existing is not None:
        return _adopt_or_refuse(existing, resource, idempotency_tag)

    location = get_image_definition(gallery, definition)["location"]
    all_tags = dict(tags or {})
    if idempotency_tag:
        all_tags[IDEMPOTENCY_TAG] = idempotency_tag
    safety = safety or {}
    profile: dict[str, Any] = {
        "targetRegions": [target_region_body(r, True) for r in target_regions],
        "excludeFromLatest": True,
    }
    if end_of_life:
        profile["endOfLifeDate"] = end_of_life
    if replication_mode:
        profile["replicationMode"] = replication_mode
    body: dict[str, Any] = {
        "location": location,
        "tags": all_tags,
        "properties": {
            "publishingProfile": profile,
            "storageProfile": {"source": _source(source_vm_id)},
            "safetyProfile": safety_body(
                bool(safety.get("allow_deletion_of_replicated_locations", False)),
                bool(safety.get("block_deletion_before_end_of_life", False)),
            ),
        },
    }
    try:
        with azure_call(resource):
            # polling=False: the PUT's answer is enough; replication is watched separately.
            created = compute_client(sub).gallery_image_versions.begin_create_or_update(
                rg, gal, definition, name, GalleryImageVersion(body), polling=False
            )
            result = raw(created.result())
    except Conflict:
        # Lost a race with a re-sent request: adopt it if it is ours.
        existing = _existing_version(gallery, definition, name)
        if existing is None:
            raise
        return _adopt_or_refuse(existing, resource, idempotency_tag)
    return {
        "id": result.get("id") or resource,
        "name": name,
        "adopted": False,
        "provisioning_state": (result.get("properties") or {}).get("provisioningState"),
    }


def _source(source_id: str) -> dict[str, str]:
    """`storageProfile.source`: `id` for a gallery image version, `virtualMachineId` for a VM
    (Azure's documented fields for each)."""
    if "/galleries/" in source_id.lower() and "/versions/" in source_id.lower():
        return {"id": source_id}
    return {"virtualMachineId": source_id}


def _existing_version(
    gallery: Mapping[str, Any], definition: str, name: str
) -> dict[str, Any] | None:
    try:
        return read_version_json(gallery, definition, name)
    except NotFound:
        return None


def _adopt_or_refuse(
    existing: Mapping[str, Any], resource: str, idempotency_tag: str | None
) -> dict[str, Any]:
    tag = (existing.get("tags") or {}).get(IDEMPOTENCY_TAG)
    if idempotency_tag and tag == idempotency_tag:
        return {
            "id": existing.get("id") or resource,
            "name": existing.get("name"),
            "adopted": True,
            "provisioning_state": (existing.get("properties") or {}).get("provisioningState"),
        }
    raise Conflict(
        "VersionAlreadyExists",
        f"image version {existing.get('name')!r} already exists and was not created by this "
        "request; choose another version (or the next_patch/date strategy)",
        resource=resource,
        status=409,
    )


def patch_version(
    gallery: Mapping[str, Any],
    definition: str,
    name: str,
    profile: dict[str, Any],
    *,
    safety: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """PATCH the version's publishing profile (and safety profile / tags when given)."""
    sub, rg, gal = gallery_parts(gallery)
    properties: dict[str, Any] = {"publishingProfile": profile} if profile else {}
    if safety is not None:
        properties["safetyProfile"] = safety
    body: dict[str, Any] = {"properties": properties}
    if tags is not None:
        body["tags"] = tags
    with azure_call(version_id(gallery, definition, name)):
        # polling=False: ARM keeps provisioningState "Updating" until (re)replication ends,
        # which takes hours in Azure; the caller watches replication instead.
        compute_client(sub).gallery_image_versions.begin_update(
            rg,
            gal,
            definition,
            name,
            GalleryImageVersionUpdate(body),
            polling=False,
        ).result()
    return version_to_dict(read_version_json(gallery, definition, name))


_KEPT = ("replica_count", "storage_account_type", "encryption")


@a.requires(a.VERSION_READ, a.VERSION_WRITE)
def set_target_regions(
    gallery: Mapping[str, Any],
    definition: str,
    name: str,
    target_regions: list[Mapping[str, Any]],
    *,
    restore_safety: bool = False,
) -> dict[str, Any]:
    """Replace the version's target regions (PATCH) and return the updated version dict.

    Used to retry a failed region (remove it, then add it back), to shrink an old version
    to fewer regions and by the version-change runs. Items are `{"name", "replica_count",
    "storage_account_type", "exclude_from_latest", "encryption"}`; a region without
    `exclude_from_latest` (or replica count, storage type, encryption) keeps its current
    setting (new regions are excluded, so they never become latest by surprise).

    Safety profile: a PATCH that removes a region from a protected version
    (`allowDeletionOfReplicatedLocations=false`) lifts the flag in the same request and
    tags the version `galleryflow-safety-lifted`; with `restore_safety` a PATCH that removes
    nothing puts the flag back in the same request (`version_updates.restore_safety` does it
    alone).
    """
    version = version_to_dict(read_version_json(gallery, definition, name))
    current = {r["name"]: r for r in version["regions"]}
    bodies = []
    for region in target_regions:
        key = normalise_region(region["name"])
        known = current.get(key, {})
        exclude = region.get("exclude_from_latest")
        if exclude is None:
            exclude = known.get("exclude_from_latest", True)
        # What an item leaves out keeps its current value (ARM would apply defaults).
        kept = {k: known.get(k) for k in _KEPT if k not in region}
        bodies.append(target_region_body({**kept, **region, "name": key}, bool(exclude)))
    removing = set(current) - {normalise_region(r["name"]) for r in target_regions}
    extra = lift_patch(version) if removing else (restore_patch(version) if restore_safety else {})
    return patch_version(gallery, definition, name, {"targetRegions": bodies}, **extra)


@a.requires(a.VERSION_READ, a.VERSION_WRITE)
def set_exclude_from_latest(
    gallery: Mapping[str, Any],
    definition: str,
    name: str,
    global_value: bool | None,
    regional: Mapping[str, bool],
) -> dict[str, Any]:
    """Set `excludeFromLatest` globally (None: unchanged) and per region (others unchanged).

    Raises InvalidRequest naming any region in `regional` that is not a target region.
    Returns the updated version dict.
    """
    version = read_version_json(gallery, definition, name)
    profile = (version.get("properties") or {}).get("publishingProfile") or {}
    wanted = {normalise_region(k): bool(v) for k, v in regional.items()}
    targets = []
    for target in profile.get("targetRegions") or []:
        region = dict(target)
        key = normalise_region(region.get("name", ""))
        if key in wanted:
            region["excludeFromLatest"] = wanted.pop(key)
        targets.append(region)
    if wanted:
        raise InvalidRequest(
            "RegionNotTargeted",
            f"regions {sorted(wanted)} are not target regions of version {name}; "
            "add them with set_target_regions first",
            resource=version_id(gallery, definition, name),
        )
    patch: dict[str, Any] = {"targetRegions": targets}
    if global_value is not None:
        patch["excludeFromLatest"] = global_value
    return patch_version(gallery, definition, name, patch)


@a.requires(a.VERSION_DELETE, a.LRO_POLL)
def delete_version(gallery: Mapping[str, Any], definition: str, name: str) -> dict[str, Any]:
    """Delete a version and wait for it. Idempotent: `{"deleted": True, "already_absent"}`.

    A version blocked before its end of life raises Conflict (not retryable): plan
    around it instead of retrying.
    """
    sub, rg, gal = gallery_parts(gallery)
    statuses: list[int] = []

    def record_status(response: Any) -> None:
        statuses.append(response.http_response.status_code)

    try:
        with azure_call(version_id(gallery, definition, name)):
            compute_client(sub).gallery_image_versions.begin_delete(
                rg, gal, definition, name, raw_response_hook=record_status
            ).result()
    except NotFound:
        return {"deleted": True, "already_absent": True}
    # ARM answers a DELETE of a resource that does not exist with 204 No Content.
    return {"deleted": True, "already_absent": bool(statuses) and statuses[0] == 204}
