"""Virtual machines: read one (with its power state) and change its power state.

Every function takes a VM resource id and returns plain data; power actions wait for
the long-running operation to finish.
"""

from __future__ import annotations

from typing import Any

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, parse_disk_id, parse_vm_id, raw
from galleryflow.azure.clients import compute_client

_CODE_PREFIX_POWER = "powerstate/"
_CODE_GENERALIZED = "osstate/generalized"


def _power_state(statuses: list[dict[str, Any]]) -> str:
    for status in statuses:
        code = str(status.get("code", "")).lower()
        if code.startswith(_CODE_PREFIX_POWER):
            return code[len(_CODE_PREFIX_POWER) :]
    return "unknown"


def _disk(disk: dict[str, Any], lun: int | None) -> dict[str, Any]:
    return {"name": disk.get("name"), "size_gb": disk.get("diskSizeGB"), "lun": lun}


def vm_to_dict(vm: dict[str, Any]) -> dict[str, Any]:
    """The gateway's VM dict from the REST JSON of a VM read with $expand=instanceView."""
    props = vm.get("properties") or {}
    storage = props.get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    view = props.get("instanceView") or {}
    statuses = view.get("statuses") or []
    sub, rg, name = parse_vm_id(str(vm.get("id", "")))
    return {
        "id": vm.get("id"),
        "name": vm.get("name") or name,
        "resource_group": rg,
        "subscription_id": sub,
        "location": vm.get("location"),
        "os_type": os_disk.get("osType"),
        "power_state": _power_state(statuses),
        "generalized": any(str(s.get("code", "")).lower() == _CODE_GENERALIZED for s in statuses),
        "hyper_v_generation": view.get("hyperVGeneration"),
        "disks": [_disk(os_disk, None)]
        + [_disk(d, d.get("lun")) for d in storage.get("dataDisks") or []],
        "zones": list(vm.get("zones") or []),
        # ARM leaves securityProfile.securityType out for a standard VM.
        "security_type": (props.get("securityProfile") or {}).get("securityType") or "Standard",
        "disk_controller_type": storage.get("diskControllerType") or "SCSI",
        "os_disk_id": (os_disk.get("managedDisk") or {}).get("id"),
    }


@a.requires(a.VM_READ)
def get_vm(vm_id: str) -> dict[str, Any]:
    """The VM with its power state, generalized flag, generation, disks and zones.

    Raises NotFound when the VM does not exist.
    """
    sub, rg, name = parse_vm_id(vm_id)
    with azure_call(vm_id):
        vm = compute_client(sub).virtual_machines.get(rg, name, expand="instanceView")
    return vm_to_dict(raw(vm))


@a.requires(a.DISK_READ)
def get_disk(disk_id: str) -> dict[str, Any]:
    """A managed disk: `{"id", "name", "os_type", "size_gb", "architecture",
    "hyper_v_generation", "security_type"}`. The architecture (x64 or Arm64) of a VM is
    only on its OS disk (`supportedCapabilities.architecture`); None when ARM omits it."""
    sub, rg, name = parse_disk_id(disk_id)
    with azure_call(disk_id):
        disk = raw(compute_client(sub).disks.get(rg, name))
    props = disk.get("properties") or {}
    return {
        "id": disk.get("id") or disk_id,
        "name": disk.get("name") or name,
        "os_type": props.get("osType"),
        "size_gb": props.get("diskSizeGB"),
        "architecture": (props.get("supportedCapabilities") or {}).get("architecture"),
        "hyper_v_generation": props.get("hyperVGeneration"),
        "security_type": (props.get("securityProfile") or {}).get("securityType"),
    }


@a.requires(a.VM_DEALLOCATE, a.LRO_POLL)
def deallocate_vm(vm_id: str) -> None:
    """Deallocate the VM and wait until ARM reports the operation done (idempotent)."""
    sub, rg, name = parse_vm_id(vm_id)
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.begin_deallocate(rg, name).result()


@a.requires(a.VM_START, a.LRO_POLL)
def start_vm(vm_id: str) -> None:
    """Start the VM and wait for the operation (idempotent)."""
    sub, rg, name = parse_vm_id(vm_id)
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.begin_start(rg, name).result()


@a.requires(a.VM_POWER_OFF, a.LRO_POLL)
def power_off_vm(vm_id: str) -> None:
    """Power the VM off (stopped, still allocated) and wait for the operation."""
    sub, rg, name = parse_vm_id(vm_id)
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.begin_power_off(rg, name).result()


@a.requires(a.VM_GENERALIZE)
def generalize_vm(vm_id: str) -> None:
    """Mark the VM generalized. Destructive: the VM can no longer start. Synchronous in ARM."""
    sub, rg, name = parse_vm_id(vm_id)
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.generalize(rg, name)
