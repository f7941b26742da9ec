"""A new image version made from another gallery image version (VMs, managed images and
snapshots are in `sandbox.arm.sources`).

docs/azure-facts.md#q5: a version source must exist, be readable by the caller (403
LinkedAuthorizationFailed otherwise), have a Completed replica in the new version's region and
come from a definition with the same OS type, OS state and Hyper-V generation.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.arm import auth, ids, regions, replication
from sandbox.arm.errors import ArmError, InvalidParameter
from sandbox.arm.sources import NotFound
from sandbox.arm.store import Store

SOURCE = "properties.storageProfile.source"
READ_VERSION = "Microsoft.Compute/galleries/images/versions/read"
WRITE_VERSION = "Microsoft.Compute/galleries/images/versions/write"
_VERSION_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/galleries/[^/]+"
    r"/images/[^/]+/versions/[^/]+$",
    re.IGNORECASE,
)


def requested_version_id(props: dict[str, Any]) -> str | None:
    """`storageProfile.source.id` when it names a gallery image version, else None (VMs,
    managed images and snapshots are `sandbox.arm.sources`' business)."""
    storage = props.get("storageProfile")
    source = storage.get("source") if isinstance(storage, dict) else None
    if not isinstance(source, dict) or source.get("virtualMachineId") is not None:
        return None
    value = source.get("id")
    if isinstance(value, str) and _VERSION_ID.match(value.rstrip("/")):
        return value
    return None


def source_id_of(storage: dict[str, Any]) -> str:
    """The one id a version was made from: VM, managed image, version, or OS disk snapshot."""
    source = storage.get("source") or {}
    os_source = (storage.get("osDiskImage") or {}).get("source") or {}
    return str(source.get("virtualMachineId") or source.get("id") or os_source.get("id") or "")


def from_version(
    store: Store,
    source_id: str,
    location: str,
    image_record: dict[str, Any],
    new_id: str,
    authorization: str | None,
) -> tuple[dict[str, Any], int]:
    """The new version's `storageProfile` and size from another gallery image version."""
    principal = auth.authenticate(store, authorization)
    if not auth.allowed(principal, READ_VERSION, source_id):
        raise ArmError(
            f"The client '{principal['name']}' with object id '{principal['object_id']}' has "
            f"permission to perform action '{WRITE_VERSION}' on scope '{new_id}'; however, it "
            f"does not have permission to perform action(s) '{READ_VERSION}' on the linked "
            f"scope(s) '{source_id}' (respectively) or the linked scope(s) are invalid.",
            status=403,
            code="LinkedAuthorizationFailed",
        )
    record = store.collection("versions").get(ids.key(source_id))
    display = regions.REGIONS[location].display
    if record is None:  # Compute's answer for a missing linked resource (sources.NotFound)
        raise NotFound(
            f"Source '{source_id}' is not found. Please check source exists, and is in the same "
            "region as gallery image version being created."
        )
    entry = record["replication"].get(location)
    state = replication.region_status(store, entry)[0] if entry else None
    if state != "Completed":
        where = f"is {state} in '{display}'" if state else f"has no replica in '{display}'"
        raise InvalidParameter(
            f"Source '{source_id}' {where}; the source image version must be replicated "
            f"(Completed) in the region where the new version is created. Add '{display}' to "
            "the source's targetRegions and wait for it, or create the version in a region "
            "where the source is replicated.",
            target=f"{SOURCE}.id",
        )
    _check_same_definition(store, record, image_record)
    storage = {
        "source": {"id": record["id"]},
        "osDiskImage": {k: v for k, v in record["storage"]["osDiskImage"].items() if k != "source"},
        "dataDiskImages": [
            {k: v for k, v in d.items() if k != "source"}
            for d in record["storage"]["dataDiskImages"]
        ],
    }
    return storage, int(record["size_gb"])


def _check_same_definition(
    store: Store, source: dict[str, Any], image_record: dict[str, Any]
) -> None:
    parent = store.collection("images").get(ids.key(ids.parent(source["id"])))
    if parent is None:  # cannot happen while the version exists; be explicit anyway
        raise InvalidParameter(f"Source '{source['id']}' has no image definition.")
    have = parent["body"]["properties"]
    want = image_record["body"]["properties"]
    labels = {
        "osType": "OS type",
        "osState": "OS state",
        "hyperVGeneration": "Hypervisor generation",
    }
    for name, label in labels.items():
        if have.get(name) != want.get(name):
            raise InvalidParameter(
                f"The resource with id '{source['id']}' has a different {label} "
                f"['{have.get(name)}'] than the parent gallery image {label} "
                f"['{want.get(name)}']. Use a source from a definition with the same {name}.",
                target=f"{SOURCE}.id",
            )
