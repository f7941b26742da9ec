"""Galleries, image definitions and image versions: reads (writes are in version_writes.py).

Inputs and outputs are plain dicts; `gallery` is `{"subscription_id", "resource_group",
"name"}` as in the publish request. Regions in outputs are normalised (`westeurope`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from galleryflow.azure import actions as a
from galleryflow.azure._arm import (
    azure_call,
    definition_id,
    gallery_id,
    gallery_parts,
    raw,
    version_id,
)
from galleryflow.azure.clients import compute_client
from galleryflow.azure.errors import NotFound
from galleryflow.azure.version_shapes import encryption_from_arm
from galleryflow.domain.regions import normalise_region

_EXPAND_REPLICATION = "ReplicationStatus"


# ---------------------------------------------------------------- shapes (REST JSON -> dict)


def _replication_summary(props: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    status = props.get("replicationStatus") or {}
    return {
        normalise_region(item.get("region", "")): {
            "state": item.get("state"),
            "progress": item.get("progress"),
            "details": item.get("details"),
        }
        for item in status.get("summary") or []
    }


def _source_id(props: Mapping[str, Any]) -> str | None:
    source = (props.get("storageProfile") or {}).get("source") or {}
    found = source.get("virtualMachineId") or source.get("id")
    return str(found) if found else None


def version_to_dict(version: Mapping[str, Any]) -> dict[str, Any]:
    """The domain's version dict from the REST JSON of an image version.

    A region's `exclude_from_latest` is its own setting when ARM reports one, else the
    global one. `state` is the region's replication state, or None when the version was
    read without `$expand=ReplicationStatus`. `in_use` is always False here: the caller
    fills it in from `find_image_references`.
    """
    props = version.get("properties") or {}
    profile = props.get("publishingProfile") or {}
    safety = props.get("safetyProfile") or {}
    global_exclude = bool(profile.get("excludeFromLatest", False))
    replication = _replication_summary(props)
    regions = []
    for target in profile.get("targetRegions") or []:
        region = normalise_region(target.get("name", ""))
        regional_exclude = target.get("excludeFromLatest")
        regions.append(
            {
                "name": region,
                "replica_count": target.get("regionalReplicaCount", profile.get("replicaCount")),
                "storage_account_type": target.get(
                    "storageAccountType", profile.get("storageAccountType")
                ),
                "exclude_from_latest": global_exclude
                if regional_exclude is None
                else bool(regional_exclude),
                "state": replication.get(region, {}).get("state"),
                "encryption": encryption_from_arm(target.get("encryption")),
            }
        )
    return {
        "name": version.get("name"),
        "published_date": profile.get("publishedDate"),
        "end_of_life": profile.get("endOfLifeDate"),
        "exclude_from_latest": global_exclude,
        "block_deletion_before_end_of_life": bool(
            safety.get("blockDeletionBeforeEndOfLife", False)
        ),
        # Azure's default when a version was created without it is false (docs/azure-facts.md).
        "allow_deletion_of_replicated_locations": bool(
            safety.get("allowDeletionOfReplicatedLocations", False)
        ),
        "replication_mode": profile.get("replicationMode") or "Full",
        "regions": regions,
        "in_use": False,
        "provisioning_state": props.get("provisioningState"),
        # the VM it was captured from: VMs made from it may live in that VM's subscription
        "source_id": _source_id(props),
        "tags": dict(version.get("tags") or {}),
    }


# ---------------------------------------------------------------- galleries and definitions


@a.requires(a.GALLERY_READ)
def get_gallery(gallery: Mapping[str, Any]) -> dict[str, Any]:
    """`{"id", "name", "location"}` of the gallery; NotFound when it does not exist."""
    sub, rg, name = gallery_parts(gallery)
    with azure_call(gallery_id(gallery)):
        found = raw(compute_client(sub).galleries.get(rg, name))
    return {"id": found.get("id"), "name": found.get("name"), "location": found.get("location")}


@a.requires(a.IMAGE_READ)
def get_image_definition(gallery: Mapping[str, Any], definition: str) -> dict[str, Any]:
    """`{"id", "location", "os_type", "os_state", "hyper_v_generation", "architecture",
    "features"}` of a definition.

    `hyper_v_generation` defaults to "V1" and `architecture` to "x64" as ARM does when a
    definition omits them; `features` maps each feature name to its value
    (e.g. `{"SecurityType": "TrustedLaunchSupported"}`).
    """
    sub, rg, name = gallery_parts(gallery)
    with azure_call(definition_id(gallery, definition)):
        found = raw(compute_client(sub).gallery_images.get(rg, name, definition))
    props = found.get("properties") or {}
    return {
        "id": found.get("id"),
        "location": normalise_region(found.get("location", "")),
        "os_type": props.get("osType"),
        "os_state": props.get("osState"),
        "hyper_v_generation": props.get("hyperVGeneration") or "V1",
        "architecture": props.get("architecture") or "x64",
        "features": {
            str(f.get("name")): str(f.get("value"))
            for f in props.get("features") or []
            if f.get("name")
        },
    }


# ---------------------------------------------------------------- versions: read


@a.requires(a.VERSION_READ)
def get_version(gallery: Mapping[str, Any], definition: str, name: str) -> dict[str, Any]:
    """One version as the domain's version dict, with per-region replication state."""
    return version_to_dict(read_version_json(gallery, definition, name))


def read_version_json(gallery: Mapping[str, Any], definition: str, name: str) -> dict[str, Any]:
    sub, rg, gal = gallery_parts(gallery)
    with azure_call(version_id(gallery, definition, name)):
        found = compute_client(sub).gallery_image_versions.get(
            rg, gal, definition, name, expand=_EXPAND_REPLICATION
        )
    return raw(found)


@a.requires(a.VERSION_READ)
def list_versions(
    gallery: Mapping[str, Any], definition: str, *, with_replication: bool = True
) -> list[dict[str, Any]]:
    """Every version of a definition (domain version dicts, in version-number order).

    ARM's list omits replication status, so with `with_replication` each version is read
    once more with `$expand=ReplicationStatus` (one GET per version).
    """
    sub, rg, gal = gallery_parts(gallery)
    with azure_call(definition_id(gallery, definition)):
        listed = [
            raw(v)
            for v in compute_client(sub).gallery_image_versions.list_by_gallery_image(
                rg, gal, definition
            )
        ]
    versions = []
    for item in listed:
        if with_replication:
            try:
                item = read_version_json(gallery, definition, str(item.get("name")))
            except NotFound:
                continue  # deleted between the list and the read
        versions.append(version_to_dict(item))
    return sorted(versions, key=_version_order)


def _version_order(version: Mapping[str, Any]) -> tuple[tuple[int, ...], str]:
    """Major.Minor.Patch numerically ("1.10.0" after "1.9.0"); odd names by text."""
    name = str(version.get("name", ""))
    parts = name.split(".")
    numbers = tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()
    return numbers, name


@a.requires(a.VERSION_READ)
def get_replication(gallery: Mapping[str, Any], definition: str, name: str) -> dict[str, Any]:
    """`{"aggregated_state", "regions": {region: {"state", "progress", "details"}}}`.

    Also `provisioning_state`, so a poller notices a version whose creation failed.
    """
    found = read_version_json(gallery, definition, name)
    props = found.get("properties") or {}
    status = props.get("replicationStatus") or {}
    return {
        "aggregated_state": status.get("aggregatedState"),
        "regions": _replication_summary(props),
        "provisioning_state": props.get("provisioningState"),
    }
