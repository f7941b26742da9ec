"""Which images VMs and scale sets reference (so the pruner never deletes one in use)."""

from __future__ import annotations

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, raw
from galleryflow.azure.clients import compute_client


def _image_id(storage_profile: dict[str, object] | None) -> str | None:
    reference = (storage_profile or {}).get("imageReference")
    if isinstance(reference, dict):
        image_id = reference.get("id")
        return str(image_id) if image_id else None
    return None


@a.requires(a.VM_READ, a.VMSS_READ)
def find_image_references(subscription_id: str) -> list[str]:
    """Image ids (versions, or definitions meaning "latest") referenced by VMs and scale sets.

    Sorted and de-duplicated, as ARM spelled them: compare case-insensitively.
    """
    return sorted(count_image_references(subscription_id))


@a.requires(a.VM_READ, a.VMSS_READ)
def count_image_references(subscription_id: str) -> dict[str, int]:
    """How many VMs and scale sets (a scale set counts once) reference each image id, keyed
    as ARM spelled the id: compare case-insensitively."""
    client = compute_client(subscription_id)
    found: dict[str, int] = {}
    with azure_call(f"/subscriptions/{subscription_id}"):
        for vm in client.virtual_machines.list_all():
            image = _image_id((raw(vm).get("properties") or {}).get("storageProfile"))
            if image:
                found[image] = found.get(image, 0) + 1
        for scale_set in client.virtual_machine_scale_sets.list_all():
            profile = (raw(scale_set).get("properties") or {}).get("virtualMachineProfile") or {}
            image = _image_id(profile.get("storageProfile"))
            if image:
                found[image] = found.get(image, 0) + 1
    return found
