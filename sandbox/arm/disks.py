"""Managed disks of the seeded VMs, read-only: `GET .../providers/Microsoft.Compute/disks/{name}`.

A seeded VM's OS and data disks exist as disk resources (ids in the VM's storageProfile). The
OS disk carries what ARM keeps only there: `supportedCapabilities.architecture` (x64/Arm64),
`hyperVGeneration`, `osType` and, for confidential VMs, `securityProfile.securityType`.
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
