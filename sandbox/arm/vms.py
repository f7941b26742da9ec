"""Virtual machines and scale sets: seeding, ARM views and the power-state machine."""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.arm import ids, operations, regions
from sandbox.arm.errors import ControlError, OperationNotAllowed, ResourceNotFound
from sandbox.arm.store import Store

POWER_STATES = ("running", "stopped", "deallocated")

# action -> (transition state shown meanwhile, final state); generalize is synchronous.
ACTIONS: dict[str, tuple[str, str]] = {
    "deallocate": ("deallocating", "deallocated"),
    "powerOff": ("stopping", "stopped"),
    "start": ("starting", "running"),
}

_DISPLAY = {
    "running": "VM running",
    "stopped": "VM stopped",
    "deallocated": "VM deallocated",
    "deallocating": "VM deallocating",
    "stopping": "VM stopping",
    "starting": "VM starting",
}


def _spec_str(spec: dict[str, Any], name: str, default: str | None = None) -> str:
    value = spec.get(name, default)
    if not isinstance(value, str) or not value:
        raise ControlError(f"Field '{name}' is required and must be a non-empty string.")
    return value


def _spec_int(spec: dict[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ControlError(f"Field '{name}' must be a positive integer (GB).")
    return value


def _lun(disk: dict[str, Any], index: int) -> int:
    value = disk.get("lun", index)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 63:
        raise ControlError("Field 'data_disks[].lun' must be an integer from 0 to 63.")
    return value


def _tags(spec: dict[str, Any]) -> dict[str, str]:
    tags = spec.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ControlError("Field 'tags' must be an object of string values.")
    return tags


def _location(spec: dict[str, Any]) -> str:
    region = regions.lookup(_spec_str(spec, "location"))
    if region is None:
        raise ControlError(f"Field 'location' names an unknown region: {spec['location']!r}.")
    return region.name


def seed_vm(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """Create (or replace) a VM from the control API's simplified description."""
    sub, rg, name = (_spec_str(spec, k) for k in ("subscription_id", "resource_group", "name"))
    location = _location(spec)
    os_type = _spec_str(spec, "os_type", "Linux")
    if os_type not in ("Linux", "Windows"):
        raise ControlError("Field 'os_type' must be 'Linux' or 'Windows'.")
    power = _spec_str(spec, "power_state", "running")
    if power not in POWER_STATES:
        raise ControlError(f"Field 'power_state' must be one of {', '.join(POWER_STATES)}.")
    generation = _spec_str(spec, "hyper_v_generation", "V2")
    if generation not in ("V1", "V2"):
        raise ControlError("Field 'hyper_v_generation' must be 'V1' or 'V2'.")
    data_disks = spec.get("data_disks", [])
    if not isinstance(data_disks, list) or not all(isinstance(d, dict) for d in data_disks):
        raise ControlError("Field 'data_disks' must be a list of {'lun': int, 'size_gb': int}.")
    vm_id = ids.vm_id(sub, rg, name)
    disk_prefix = f"{ids.rg_id(sub, rg)}/providers/Microsoft.Compute/disks"
    storage: dict[str, Any] = {
        "osDisk": {
            "osType": os_type,
            "name": f"{name}_OsDisk",
            "createOption": "FromImage",
            "caching": "ReadWrite",
            "managedDisk": {
                "storageAccountType": "Premium_LRS",
                "id": f"{disk_prefix}/{name}_OsDisk",
            },
            "diskSizeGB": _spec_int(spec, "os_disk_size_gb", 30),
        },
        "dataDisks": [
            {
                "lun": _lun(disk, index),
                "name": f"{name}_DataDisk_{index}",
                "createOption": "Empty",
                "caching": "None",
                "managedDisk": {
                    "storageAccountType": "Premium_LRS",
                    "id": f"{disk_prefix}/{name}_DataDisk_{index}",
                },
                "diskSizeGB": _spec_int(disk, "size_gb", 32),
            }
            for index, disk in enumerate(data_disks)
        ],
    }
    image_ref = spec.get("image_reference_id")
    if image_ref is not None:
        storage["imageReference"] = {"id": _spec_str(spec, "image_reference_id")}
    body: dict[str, Any] = {
        "id": vm_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": location,
        "tags": _tags(spec),
        "properties": {
            "vmId": str(uuid.uuid5(uuid.NAMESPACE_URL, vm_id.lower())),
            "hardwareProfile": {"vmSize": _spec_str(spec, "vm_size", "Standard_D2s_v5")},
            "storageProfile": storage,
            "osProfile": {"computerName": name, "adminUsername": "azureuser"},
            "timeCreated": store.now_iso(),
        },
    }
    zones = spec.get("zones")
    if zones:
        if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
            raise ControlError("Field 'zones' must be a list of strings like ['1'].")
        body["zones"] = zones
    record = {
        "body": body,
        "power": power,
        "generalized": bool(spec.get("generalized", False)),
        "hyper_v_generation": generation,
        "transition": None,
    }
    with store.lock:
        store.collection("vms")[ids.key(vm_id)] = record
        store.save()
    return render_vm(store, record, instance_view=True)


def seed_scale_set(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    sub, rg, name = (_spec_str(spec, k) for k in ("subscription_id", "resource_group", "name"))
    location = _location(spec)
    ss_id = ids.scale_set_id(sub, rg, name)
    capacity = _spec_int(spec, "capacity", 2)
    body = {
        "id": ss_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": location,
        "sku": {
            "name": _spec_str(spec, "vm_size", "Standard_D2s_v5"),
            "tier": "Standard",
            "capacity": capacity,
        },
        "tags": _tags(spec),
        "properties": {
            "provisioningState": "Succeeded",
            "uniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, ss_id.lower())),
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "storageProfile": {
                    "imageReference": {"id": _spec_str(spec, "image_reference_id")},
                    "osDisk": {"createOption": "FromImage", "caching": "ReadWrite"},
                }
            },
        },
    }
    with store.lock:
        store.collection("scale_sets")[ids.key(ss_id)] = {"body": body}
        store.save()
    return body


def get_vm(store: Store, vm_id: str) -> dict[str, Any]:
    record = store.collection("vms").get(ids.key(vm_id))
    if record is None:
        name = vm_id.rstrip("/").split("/")[-1]
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/virtualMachines/{name}' under resource group "
            f"'{vm_id.split('/')[4]}' was not found."
        )
    settle(store, record)
    return record


def settle(store: Store, record: dict[str, Any]) -> None:
    """Finish a power transition whose simulated duration has passed."""
    transition = record.get("transition")
    if transition and store.now() >= transition["end"]:
        _complete(store, record, transition)


def _complete(store: Store, record: dict[str, Any], transition: dict[str, Any]) -> None:
    record["transition"] = None
    op = store.collection("operations").get(transition["op"])
    if op is not None and op.get("outcome"):
        outcome = op["outcome"]
        error = {"code": outcome["code"], "message": outcome["message"]}
        operations.finish(store, op, outcome["status"], error)
        return
    record["power"] = transition["to"]
    if op is not None:
        operations.finish(store, op, "Succeeded")


def power_code(record: dict[str, Any]) -> str:
    transition = record.get("transition")
    return str(transition["shown"] if transition else record["power"])


def build_instance_view(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    body = record["body"]
    when = store.now_iso()
    busy = record.get("transition") is not None
    statuses: list[dict[str, Any]] = [
        {
            "code": "ProvisioningState/updating" if busy else "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Updating" if busy else "Provisioning succeeded",
            "time": when,
        },
        {
            "code": f"PowerState/{power_code(record)}",
            "level": "Info",
            "displayStatus": _DISPLAY[power_code(record)],
        },
    ]
    if record.get("generalized"):
        statuses.append(
            {"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"}
        )
    storage = body["properties"]["storageProfile"]
    disks = [storage["osDisk"], *storage["dataDisks"]]
    return {
        "computerName": body["name"],
        "hyperVGeneration": record["hyper_v_generation"],
        "disks": [
            {
                "name": disk["name"],
                "statuses": [
                    {
                        "code": "ProvisioningState/succeeded",
                        "level": "Info",
                        "displayStatus": "Provisioning succeeded",
                    }
                ],
            }
            for disk in disks
        ],
        "statuses": statuses,
    }


def render_vm(
    store: Store, record: dict[str, Any], *, instance_view: bool = False
) -> dict[str, Any]:
    body = {**record["body"], "properties": dict(record["body"]["properties"])}
    busy = record.get("transition") is not None
    body["properties"]["provisioningState"] = "Updating" if busy else "Succeeded"
    if instance_view:
        body["properties"]["instanceView"] = build_instance_view(store, record)
    return body


def begin_action(store: Store, vm_id: str, action: str, method: str, path: str) -> dict[str, Any]:
    """Start deallocate/powerOff/start; returns the operation record."""
    record = get_vm(store, vm_id)
    name = record["body"]["name"]
    if record.get("transition"):
        raise OperationNotAllowed(
            f"Operation '{action}' is not allowed on VM '{name}' while another operation "
            f"({record['transition']['action']}) is in progress. Wait for it to finish and retry."
        )
    if action == "start" and record.get("generalized"):
        raise OperationNotAllowed(
            f"Operation 'start' is not allowed on VM '{name}' since the VM is generalized."
        )
    shown, target = ACTIONS[action]
    op = operations.start_operation(
        store, "vm", ids.key(vm_id), record["body"]["location"], method, path
    )
    already = record["power"] == target or (
        action == "powerOff" and record["power"] == "deallocated"
    )
    if already and not op["outcome"]:
        operations.finish(store, op, "Succeeded")
        return op
    record["transition"] = {
        "action": action,
        "shown": shown,
        "to": record["power"] if already else target,
        "start": store.now(),
        "end": store.now() + float(store.settings["power_transition_seconds"]),
        "op": op["id"],
    }
    return op


def generalize(store: Store, vm_id: str) -> None:
    record = get_vm(store, vm_id)
    name = record["body"]["name"]
    if record.get("transition") or record["power"] == "running":
        raise OperationNotAllowed(
            f"Operation 'generalize' is not allowed on VM '{name}' since the VM is "
            f"{power_code(record)}. Stop or deallocate the VM first."
        )
    record["generalized"] = True


def vm_operation_status(store: Store, op: dict[str, Any]) -> None:
    """Advance a VM action's operation on a status poll (it is finished when op['final'] is set)."""
    record = store.collection("vms").get(op["target"])
    if record is None:
        operations.finish(store, op, "Succeeded")
        return
    settle(store, record)
    transition = record.get("transition")
    if op["final"] is not None or not transition or transition["op"] != op["id"]:
        if op["final"] is None:
            operations.finish(store, op, "Succeeded")
        return
    op["polls"] += 1
    if op.get("outcome") or op["polls"] >= int(store.settings["lro_polls_to_complete"]):
        _complete(store, record, transition)


def os_disk_sizes(record: dict[str, Any]) -> list[tuple[str, int]]:
    storage = record["body"]["properties"]["storageProfile"]
    sizes = [("osDisk", int(storage["osDisk"]["diskSizeGB"]))]
    sizes += [(f"dataDisks[lun {d['lun']}]", int(d["diskSizeGB"])) for d in storage["dataDisks"]]
    return sizes
