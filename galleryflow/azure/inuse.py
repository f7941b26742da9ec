"""Which images VMs and scale sets use (so the pruner never deletes one in use): a VM's
`storageProfile.imageReference.id`, a scale set's `virtualMachineProfile.storageProfile.
imageReference.id`, and a managed disk's `creationData.galleryImageReference.id` (the
version an OS disk was created from; Disk RP `CreationData`), read from the subscription's
lists (VMs, scale sets, disks). Azure Resource Graph does the same in one query when enabled
(resource_graph.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, raw
from galleryflow.azure.clients import compute_client


def _image_id(storage_profile: dict[str, object] | None) -> str | None:
    reference = (storage_profile or {}).get("imageReference")
    if isinstance(reference, dict):
        image_id = reference.get("id")
        return str(image_id) if image_id else None
    return None


def _disk_image(disk: dict[str, Any]) -> str | None:
    creation = (disk.get("properties") or {}).get("creationData") or {}
    reference = creation.get("galleryImageReference") if isinstance(creation, dict) else None
    image = reference.get("id") if isinstance(reference, dict) else None
    return str(image) if image else None


def count_users(uses: Iterable[tuple[str, str]]) -> dict[str, int]:
    """`(image id, user id)` pairs -> how many distinct users each image has, keyed as ARM
    spelled the image's id first. A VM named by its own image reference and by its OS
    disk (`managedBy`) counts once; compare ids case-insensitively."""
    users: dict[str, set[str]] = {}
    spelling: dict[str, str] = {}
    for image, user in uses:
        spelling.setdefault(image.lower(), image)
        users.setdefault(image.lower(), set()).add(user.lower())
    return {spelling[key]: len(found) for key, found in users.items()}


@a.requires(a.VM_READ, a.VMSS_READ, a.DISK_READ)
def find_image_references(subscription_id: str) -> list[str]:
    """Image ids (versions, or definitions meaning "latest") referenced by VMs, scale sets
    and disks. Sorted and de-duplicated, as ARM spelled them: compare case-insensitively.
    """
    return sorted(count_image_references(subscription_id))


@a.requires(a.VM_READ, a.VMSS_READ, a.DISK_READ)
def count_image_references(subscription_id: str) -> dict[str, int]:
    """How many VMs and scale sets (a scale set counts once; a disk counts for the VM that
    holds it, or itself when unattached) use each image id, keyed as ARM spelled the id:
    compare case-insensitively."""
    client = compute_client(subscription_id)
    uses: list[tuple[str, str]] = []
    with azure_call(f"/subscriptions/{subscription_id}"):
        for vm in client.virtual_machines.list_all():
            body = raw(vm)
            image = _image_id((body.get("properties") or {}).get("storageProfile"))
            if image:
                uses.append((image, str(body.get("id"))))
        for scale_set in client.virtual_machine_scale_sets.list_all():
            body = raw(scale_set)
            profile = (body.get("properties") or {}).get("virtualMachineProfile") or {}
            image = _image_id(profile.get("storageProfile"))
            if image:
                uses.append((image, str(body.get("id"))))
        for disk in client.disks.list():
            body = raw(disk)
            image = _disk_image(body)
            if image:
                uses.append((image, str(body.get("managedBy") or body.get("id"))))
    return count_users(uses)
