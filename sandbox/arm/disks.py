"""Managed disks of the seeded VMs, read-only: `GET .../providers/Microsoft.Compute/disks/{name}`
(Disks_Get) and the lists `GET /subscriptions/{sub}/providers/Microsoft.Compute/disks`
(Disks_List) and `.../resourceGroups/{rg}/providers/Microsoft.Compute/disks`
(Disks_ListByResourceGroup), paged like every ARM list.

A seeded VM's OS and data disks exist as disk resources (ids in the VM's storageProfile). The
OS disk carries what ARM keeps only there: `supportedCapabilities.architecture` (x64/Arm64),
`hyperVGeneration`, `osType`, for confidential VMs `securityProfile.securityType`, and how it
was made: `creationData.createOption` `FromImage` with `galleryImageReference.id`, the gallery
image version the VM was created from (Disk RP `CreationData.galleryImageReference`, "Required
if creating from a Gallery Image"): the VM's `imageReference.id` when that names a version, or
the seeded `os_disk_gallery_image_id` (a VM whose model no longer names the image, e.g. made
from a disk that was created from the version). Scale-set (uniform) instance disks are not
disk resources here, as in Azure, where Disks_List does not return them.
"""

from __future__ import annotations

from typing import Any

from sandbox.arm import ids
from sandbox.arm.errors import ResourceNotFound
from sandbox.arm.store import Store

# VM security type -> the OS disk's securityProfile.securityType (confidential VMs only).
_DISK_SECURITY = {"ConfidentialVM": "ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey"}


def get_disk(store: Store, sub: str, rg: str, name: str) -> dict[str, Any]:
    disk_id = f"{ids.rg_id(sub, rg)}/providers/Microsoft.Compute/disks/{name}"
    for record in store.collection("vms").values():
        storage = record["body"]["properties"].get("storageProfile") or {}
        disks = [(storage.get("osDisk") or {}, True)]
        disks += [(d, False) for d in storage.get("dataDisks") or []]
        for disk, is_os in disks:
            if _disk_id(disk).lower() == disk_id.lower():
                return _render(record, disk, os_disk=is_os)
    raise ResourceNotFound(
        f"The Resource 'Microsoft.Compute/disks/{name}' under resource group '{rg}' was not found."
    )


def list_disks(store: Store, prefix: str) -> list[dict[str, Any]]:
    """Every disk resource whose id (lower case) starts with `prefix`, sorted by id."""
    found = []
    for record in store.collection("vms").values():
        storage = record["body"]["properties"].get("storageProfile") or {}
        disks = [(storage.get("osDisk") or {}, True)]
        disks += [(d, False) for d in storage.get("dataDisks") or []]
        for disk, is_os in disks:
            if _disk_id(disk) and _disk_id(disk).lower().startswith(prefix):
                found.append(_render(record, disk, os_disk=is_os))
    return sorted(found, key=lambda d: str(d["id"]).lower())


def _gallery_image(vm: dict[str, Any]) -> str | None:
    """The gallery image version the VM's OS disk was created from, if any."""
    seeded = vm.get("os_disk_gallery_image_id")
    if seeded:
        return str(seeded)
    storage = vm["body"]["properties"].get("storageProfile") or {}
    image = str((storage.get("imageReference") or {}).get("id") or "")
    return image if "/galleries/" in image.lower() and "/versions/" in image.lower() else None


def _disk_id(disk: dict[str, Any]) -> str:
    return str((disk.get("managedDisk") or {}).get("id") or "")


def _render(vm: dict[str, Any], disk: dict[str, Any], *, os_disk: bool) -> dict[str, Any]:
    body = vm["body"]
    props: dict[str, Any] = {
        "creationData": {"createOption": disk.get("createOption", "Empty")},
        "diskSizeGB": disk.get("diskSizeGB"),
        "diskState": "Reserved" if vm["power"] == "deallocated" else "Attached",
        "provisioningState": "Succeeded",
    }
    if os_disk:
        image = _gallery_image(vm)
        if image:
            props["creationData"] = {
                "createOption": "FromImage",
                "galleryImageReference": {"id": image},
            }
        props["osType"] = disk.get("osType")
        props["hyperVGeneration"] = vm["hyper_v_generation"]
        props["supportedCapabilities"] = {"architecture": vm.get("architecture", "x64")}
        security = _DISK_SECURITY.get(vm.get("security_type", "Standard"))
        if security:
            props["securityProfile"] = {"securityType": security}
    return {
        "id": _disk_id(disk),
        "name": disk.get("name"),
        "type": "Microsoft.Compute/disks",
        "location": body["location"],
        "managedBy": body["id"],
        "sku": {"name": (disk.get("managedDisk") or {}).get("storageAccountType", "Premium_LRS")},
        **({"zones": body["zones"]} if body.get("zones") else {}),
        "properties": props,
    }
