"""Virtual machines and scale sets: seeding, ARM views and the power-state machine."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sandbox.arm import ids, instance_views, operations, regions, vm_bodies, vm_security
from sandbox.arm.errors import ControlError, OperationNotAllowed, ResourceNotFound
from sandbox.arm.seed_fields import size_gb as _spec_int
from sandbox.arm.seed_fields import text as _spec_str
from sandbox.arm.store import Store

POWER_STATES = ("running", "stopped", "deallocated")
OS_TYPES = ("Linux", "Windows")
SCALE_SET_TYPE = "Microsoft.Compute/virtualMachineScaleSets"

# action -> (transition state shown meanwhile, final state); generalize is synchronous.
ACTIONS: dict[str, tuple[str, str]] = {
    "deallocate": ("deallocating", "deallocated"),
    "powerOff": ("stopping", "stopped"),
    "start": ("starting", "running"),
}


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


def _location(spec: dict[str, Any], resource: Any = None) -> str:
    given = spec.get("location")
    if given is None and isinstance(resource, dict):
        given = resource.get("location")
    region = regions.lookup(_spec_str({"location": given}, "location"))
    if region is None:
        raise ControlError(f"Field 'location' names an unknown region: {given!r}.")
    return region.name


def _generated_storage(spec: dict[str, Any], vm_id: str, os_type: str) -> dict[str, Any]:
    name = vm_id.rsplit("/", 1)[1]
    data_disks = spec.get("data_disks", [])
    if not isinstance(data_disks, list) or not all(isinstance(d, dict) for d in data_disks):
        raise ControlError("Field 'data_disks' must be a list of {'lun': int, 'size_gb': int}.")
    disk_prefix = f"{ids.parent(vm_id, 2)}/disks"

    def disk(disk_name: str, size: int, caching: str, create: str) -> dict[str, Any]:
        return {
            "name": disk_name,
            "createOption": create,
            "caching": caching,
            "managedDisk": {
                "storageAccountType": "Premium_LRS",
                "id": f"{disk_prefix}/{disk_name}",
            },
            "deleteOption": "Detach",
            "diskSizeGB": size,
        }

    storage: dict[str, Any] = {
        "osDisk": {
            "osType": os_type,
            **disk(
                f"{name}_OsDisk", _spec_int(spec, "os_disk_size_gb", 30), "ReadWrite", "FromImage"
            ),
        },
        "dataDisks": [
            {
                "lun": _lun(item, index),
                **disk(f"{name}_DataDisk_{index}", _spec_int(item, "size_gb", 32), "None", "Empty"),
            }
            for index, item in enumerate(data_disks)
        ],
    }
    if spec.get("image_reference_id") is not None:
        storage["imageReference"] = {"id": _spec_str(spec, "image_reference_id")}
    return storage


def _adopted_disks(spec: dict[str, Any], body: dict[str, Any], os_type: str) -> None:
    """Fill what the emulator tracks (OS type, disk sizes, luns) into a caller's body."""
    os_disk, data = vm_bodies.tracked_disks(body)
    storage = body["properties"].setdefault("storageProfile", {})
    storage["osDisk"] = os_disk
    os_disk.setdefault("osType", os_type)
    os_disk.setdefault("name", f"{body['name']}_OsDisk")
    os_disk["diskSizeGB"] = _spec_int(
        {"os_disk_size_gb": os_disk.get("diskSizeGB", spec.get("os_disk_size_gb", 30))},
        "os_disk_size_gb",
        30,
    )
    for index, item in enumerate(data):
        item["lun"] = _lun(item, index)
        item.setdefault("name", f"{body['name']}_DataDisk_{index}")
        item["diskSizeGB"] = _spec_int({"size_gb": item.get("diskSizeGB", 32)}, "size_gb", 32)
    storage["dataDisks"] = data


def seed_vm(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """Create (or replace) a VM from the control API's short description, or from a real ARM
    body (`resource`, and `instance_view`) of which the emulator owns only what it manages."""
    sub, rg, name = (_spec_str(spec, k) for k in ("subscription_id", "resource_group", "name"))
    resource = spec.get("resource")
    location = _location(spec, resource)
    power = _spec_str(spec, "power_state", "running")
    if power not in POWER_STATES:
        raise ControlError(f"Field 'power_state' must be one of {', '.join(POWER_STATES)}.")
    seeded_view = spec.get("instance_view")
    if seeded_view is not None and not isinstance(seeded_view, dict):
        raise ControlError("Field 'instance_view' must be an ARM instance view object.")
    generation = _spec_str(
        spec, "hyper_v_generation", (seeded_view or {}).get("hyperVGeneration") or "V2"
    )
    if generation not in ("V1", "V2"):
        raise ControlError("Field 'hyper_v_generation' must be 'V1' or 'V2'.")
    vm_id = ids.vm_id(sub, rg, name)
    if resource is not None:
        body = vm_bodies.adopt_vm(resource, vm_id, location, store.now_iso())
        os_disk, _ = vm_bodies.tracked_disks(body)
        os_type = _spec_str(spec, "os_type", os_disk.get("osType") or "Linux")
        _adopted_disks(spec, body, os_type)
    else:
        os_type = _spec_str(spec, "os_type", "Linux")
        storage = _generated_storage(spec, vm_id, os_type if os_type in OS_TYPES else "Linux")
        body = vm_bodies.generate_vm(spec, vm_id, location, os_type, storage, store.now_iso())
    if os_type not in OS_TYPES:
        raise ControlError("Field 'os_type' must be 'Linux' or 'Windows'.")
    security = vm_security.apply(spec, body, generation)
    if resource is None or "tags" in spec:
        body["tags"] = _tags(spec)
    zones = spec.get("zones")
    if zones:
        if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
            raise ControlError("Field 'zones' must be a list of strings like ['1'].")
        body["zones"] = zones
    record = {
        "body": body,
        "power": power,
        "generalized": bool(spec.get("generalized", False)),
        # the OS disk's creationData.galleryImageReference.id (disks.py), when seeded
        "os_disk_gallery_image_id": _optional_image(spec),
        "hyper_v_generation": generation,
        "instance_view": seeded_view,
        "transition": None,
        **security,
    }
    with store.lock:
        store.collection("vms")[ids.key(vm_id)] = record
        store.save()
    return render_vm(store, record, instance_view=True)


def _optional_image(spec: dict[str, Any]) -> str | None:
    value = spec.get("os_disk_gallery_image_id")
    if value is None:
        return None
    return _spec_str(spec, "os_disk_gallery_image_id")


def seed_scale_set(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    sub, rg, name = (_spec_str(spec, k) for k in ("subscription_id", "resource_group", "name"))
    resource = spec.get("resource")
    location = _location(spec, resource)
    ss_id = ids.scale_set_id(sub, rg, name)
    if resource is None:
        capacity = _spec_int(spec, "capacity", 2)
        body = vm_bodies.generate_scale_set(spec, ss_id, location, capacity, store.now_iso())
        body["tags"] = _tags(spec)
    else:
        if not isinstance(resource, dict) or not isinstance(resource.get("properties", {}), dict):
            raise ControlError("Field 'resource' must be an ARM body: {'properties': {...}}.")
        body = copy.deepcopy(resource)
        body.update(id=ss_id, name=name, type=SCALE_SET_TYPE, location=location)
        props = body.setdefault("properties", {})
        props.update(provisioningState="Succeeded", timeCreated=store.now_iso())
        props.setdefault("uniqueId", str(uuid.uuid5(uuid.NAMESPACE_URL, ss_id.lower())))
        if spec.get("image_reference_id") is not None:
            storage = props.setdefault("virtualMachineProfile", {}).setdefault("storageProfile", {})
            storage["imageReference"] = {"id": _spec_str(spec, "image_reference_id")}
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
    return instance_views.build(store, record, power_code(record))


def render_vm(
    store: Store, record: dict[str, Any], *, instance_view: bool = False, user_data: bool = False
) -> dict[str, Any]:
    body = {**record["body"], "properties": dict(record["body"]["properties"])}
    busy = record.get("transition") is not None
    body["properties"]["provisioningState"] = "Updating" if busy else "Succeeded"
    if not user_data:  # like ARM: userData only with $expand=userData
        body["properties"].pop("userData", None)
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
