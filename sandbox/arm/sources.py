"""Image version sources besides VMs: managed images (`Microsoft.Compute/images`) and managed
disk snapshots (`Microsoft.Compute/snapshots`) — seeding, ARM views, and turning a version
request's `storageProfile` into the version's disks.

A version names its source as `storageProfile.source.virtualMachineId` (a VM),
`storageProfile.source.id` (a managed image) or `storageProfile.osDiskImage.source.id` plus
`dataDiskImages[].source.id` (snapshots), as in the GalleryRP examples and the Azure SDK's
recorded gallery test.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sandbox.arm import ids, regions, version_requests
from sandbox.arm.errors import ArmError, ControlError, InvalidParameter
from sandbox.arm.seed_fields import choice as _choice
from sandbox.arm.seed_fields import size_gb as _size
from sandbox.arm.seed_fields import text as _str
from sandbox.arm.store import Store
from sandbox.arm.validation import enum, field

SP = "properties.storageProfile"
CACHING = ["None", "ReadOnly", "ReadWrite"]
_SOURCE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
    r"(?P<type>images|snapshots|virtualMachines|disks|galleries/[^/]+/images/[^/]+/versions)/"
    r"(?P<name>[^/]+)$",
    re.IGNORECASE,
)


class NotFound(ArmError):
    """Compute's answer for a linked resource that does not exist, e.g. a disk's or an image
    version's source (`(NotFound) Resource <name> is not found.`, azure-cli-extensions#4542)."""

    status = 404
    code = "NotFound"


# -- seeding ------------------------------------------------------------------------------------
def _base(spec: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    sub, rg, name = (_str(spec, k) for k in ("subscription_id", "resource_group", "name"))
    region = regions.lookup(_str(spec, "location"))
    if region is None:
        raise ControlError(f"Field 'location' names an unknown region: {spec['location']!r}.")
    tags = spec.get("tags") or {}
    if not isinstance(tags, dict):
        raise ControlError("Field 'tags' must be an object of string values.")
    rid = f"{ids.rg_id(sub, rg)}/{ids.PROVIDER}/{kind}/{name}"
    return rid, {
        "id": rid,
        "name": name,
        "type": f"Microsoft.Compute/{kind}",
        "location": region.name,
        "tags": tags,
    }


def seed_managed_image(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """A managed image (`Microsoft.Compute/images`) from the control API's description."""
    rid, body = _base(spec, "images")
    data_disks = spec.get("data_disks", [])
    if not isinstance(data_disks, list) or not all(isinstance(d, dict) for d in data_disks):
        raise ControlError("Field 'data_disks' must be a list of {'lun': int, 'size_gb': int}.")
    generation = _choice(spec, "hyper_v_generation", "V2", ("V1", "V2"))
    body["properties"] = {
        "storageProfile": {
            "osDisk": {
                "osType": _choice(spec, "os_type", "Linux", ("Linux", "Windows")),
                "osState": _choice(spec, "os_state", "Generalized", ("Generalized", "Specialized")),
                "diskSizeGB": _size(spec, "os_disk_size_gb", 30),
                "caching": "ReadWrite",
                "storageAccountType": "Premium_LRS",
            },
            "dataDisks": [
                {
                    "lun": disk.get("lun", index),
                    "diskSizeGB": _size(disk, "size_gb", 32),
                    "caching": "None",
                    "storageAccountType": "Premium_LRS",
                }
                for index, disk in enumerate(data_disks)
            ],
            "zoneResilient": False,
        },
        "hyperVGeneration": generation,
        "provisioningState": "Succeeded",
    }
    return _save(store, "managed_images", rid, body)


def seed_snapshot(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """A managed disk snapshot; `os_type` omitted means a data disk's snapshot."""
    rid, body = _base(spec, "snapshots")
    props: dict[str, Any] = {
        "creationData": {"createOption": "Copy"},
        "diskSizeGB": _size(spec, "size_gb", 30),
        "incremental": False,
        "timeCreated": store.now_iso(),
        "provisioningState": "Succeeded",
        "diskState": "Unattached",
        "uniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, rid.lower())),
    }
    if spec.get("os_type") is not None:
        props["osType"] = _choice(spec, "os_type", "Linux", ("Linux", "Windows"))
        props["hyperVGeneration"] = _choice(spec, "hyper_v_generation", "V2", ("V1", "V2"))
    body["sku"] = {"name": "Standard_LRS", "tier": "Standard"}
    body["properties"] = props
    return _save(store, "snapshots", rid, body)


def _save(store: Store, collection: str, rid: str, body: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        store.collection(collection)[ids.key(rid)] = {"body": body}
        store.save()
    return body


def get(store: Store, collection: str, sub: str, rg: str, name: str) -> dict[str, Any]:
    kind = "images" if collection == "managed_images" else "snapshots"
    rid = f"{ids.rg_id(sub, rg)}/{ids.PROVIDER}/{kind}/{name}"
    record = store.collection(collection).get(ids.key(rid))
    if record is None:
        raise ArmError(
            f"The Resource 'Microsoft.Compute/{kind}/{name}' under resource group '{rg}' was "
            "not found.",
            status=404,
            code="ResourceNotFound",
        )
    return dict(record["body"])


# -- version sources ----------------------------------------------------------------------------
def _lookup(store: Store, source: dict[str, Any], at: str, wanted: str) -> dict[str, Any]:
    """The resource `source["id"]` names (`at` is the source object's path), which must be of
    type `wanted` ("images" or "snapshots")."""
    source_id = field(source, "id", str, at, required=True)
    path = f"{at}.id"
    match = _SOURCE_ID.match(source_id.rstrip("/"))
    if match is None:
        raise InvalidParameter(
            f"'{path}' is not a resource id: '{source_id}'. Expected /subscriptions/<sub>/"
            f"resourceGroups/<rg>/providers/Microsoft.Compute/{wanted}/<name>.",
            target=path,
        )
    kind = match["type"].lower()
    if kind.startswith("galleries/"):
        raise InvalidParameter(
            f"'{path}' names a gallery image version; the emulator does not create versions "
            "from another version (see docs/sandbox-arm.md, limits of fidelity).",
            target=path,
        )
    if kind != wanted:
        raise InvalidParameter(
            f"'{path}' names a Microsoft.Compute/{match['type']} resource. Use "
            "storageProfile.source.id for a managed image, osDiskImage.source.id and "
            "dataDiskImages[].source.id for snapshots, source.virtualMachineId for a VM.",
            target=path,
        )
    collection = "managed_images" if wanted == "images" else "snapshots"
    record = store.collection(collection).get(ids.key(source_id))
    if record is None:
        raise NotFound(f"Resource {match['name']} is not found. Check {path}: '{source_id}'.")
    return dict(record["body"])


def _caching(request: dict[str, Any] | None, path: str, default: str) -> str:
    """A requested hostCaching is kept as sent (seen in recorded Azure traffic)."""
    return enum(request or {}, "hostCaching", CACHING, path) or default


def _requested_data_disks(storage: dict[str, Any]) -> dict[int, dict[str, Any]]:
    raw = field(storage, "dataDiskImages", list, SP) or []
    result: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(raw):
        path = f"{SP}.dataDiskImages[{index}]"
        if not isinstance(item, dict):
            raise InvalidParameter(f"'{path}' must be an object with 'lun'.", target=path)
        lun = field(item, "lun", int, path, required=True)
        result[lun] = item
    return result


def version_storage(
    store: Store, props: dict[str, Any], definition: dict[str, Any], location: str
) -> tuple[dict[str, Any], int]:
    """The new version's `storageProfile` and total size in GB, from its request."""
    storage = field(props, "storageProfile", dict, "properties", required=True)
    source = field(storage, "source", dict, SP) or {}
    os_request = field(storage, "osDiskImage", dict, SP)
    os_source = field(os_request or {}, "source", dict, f"{SP}.osDiskImage") or {}
    data_requests = _requested_data_disks(storage)
    data: list[tuple[int, int, str, str | None]]  # lun, size, default caching, snapshot
    if source.get("virtualMachineId") is not None or not (source.get("id") or os_source):
        vm_id, vm = version_requests.source_vm(store, props)
        version_requests.check_vm_matches(vm, definition, location)
        disks = vm["body"]["properties"]["storageProfile"]
        os_disk = (disks["osDisk"]["diskSizeGB"], "ReadWrite")
        data = [(d["lun"], d["diskSizeGB"], "None", None) for d in disks["dataDisks"]]
        result: dict[str, Any] = {"source": {"virtualMachineId": vm_id}}
    elif source.get("id"):
        image = _lookup(store, source, f"{SP}.source", "images")
        image_disks = image["properties"]["storageProfile"]
        os_disk_spec = image_disks["osDisk"]
        version_requests.check_source_matches(
            f"source managed image '{image['name']}'", definition, location,
            os_type=os_disk_spec["osType"], os_state=os_disk_spec["osState"],
            generation=image["properties"]["hyperVGeneration"], source_location=image["location"],
            sizes=[("osDisk", os_disk_spec["diskSizeGB"])]
            + [(f"dataDisks[lun {d['lun']}]", d["diskSizeGB"]) for d in image_disks["dataDisks"]],
        )  # fmt: skip
        os_disk = (os_disk_spec["diskSizeGB"], os_disk_spec["caching"])
        data = [(d["lun"], d["diskSizeGB"], d["caching"], None) for d in image_disks["dataDisks"]]
        result = {"source": {"id": image["id"]}}
    else:
        os_disk, data = _snapshot_disks(store, os_source, data_requests, definition, location)
        result = {}
    size, caching = os_disk
    os_image: dict[str, Any] = {
        "sizeInGB": size,
        "hostCaching": _caching(os_request, f"{SP}.osDiskImage", caching),
    }
    if os_source:
        os_image["source"] = {"id": os_source["id"]}
    result["osDiskImage"] = os_image
    result["dataDiskImages"] = []
    for lun, disk_size, default_caching, snapshot_id in data:
        entry: dict[str, Any] = {
            "lun": lun,
            "sizeInGB": disk_size,
            "hostCaching": _caching(
                data_requests.get(lun), f"{SP}.dataDiskImages[lun {lun}]", default_caching
            ),
        }
        if snapshot_id:
            entry["source"] = {"id": snapshot_id}
        result["dataDiskImages"].append(entry)
    return result, size + sum(d[1] for d in data)


def _snapshot_disks(
    store: Store,
    os_source: dict[str, Any],
    data_requests: dict[int, dict[str, Any]],
    definition: dict[str, Any],
    location: str,
) -> tuple[tuple[int, str], list[tuple[int, int, str, str | None]]]:
    snapshot = _lookup(store, os_source, f"{SP}.osDiskImage.source", "snapshots")
    props = snapshot["properties"]
    data: list[tuple[int, int, str, str | None]] = []
    sizes = [("osDiskImage", int(props["diskSizeGB"]))]
    for lun, item in sorted(data_requests.items()):
        item_path = f"{SP}.dataDiskImages[lun {lun}].source"
        item_source = field(item, "source", dict, f"{SP}.dataDiskImages[lun {lun}]")
        if item_source is None:
            raise InvalidParameter(
                f"'{item_path}.id' is required: with a snapshot source every data disk image "
                "names its snapshot.",
                target=f"{item_path}.id",
            )
        data_snapshot = _lookup(store, item_source, item_path, "snapshots")
        data_size = int(data_snapshot["properties"]["diskSizeGB"])
        sizes.append((f"dataDiskImages[lun {lun}]", data_size))
        data.append((lun, data_size, "None", data_snapshot["id"]))
    version_requests.check_source_matches(
        f"source snapshot '{snapshot['name']}'", definition, location,
        os_type=props.get("osType"), os_state=None,
        generation=props.get("hyperVGeneration"), source_location=snapshot["location"],
        sizes=sizes,
    )  # fmt: skip
    return (int(props["diskSizeGB"]), "ReadWrite"), data


def same_source(old: dict[str, Any], new_storage: dict[str, Any]) -> bool:
    """Whether a re-PUT's `storageProfile` names the version's own source (ids compare
    case-insensitively); a profile without a source keeps it."""
    source = new_storage.get("source") or {}
    sent = source.get("virtualMachineId") or source.get("id")
    if not isinstance(sent, str):
        return True
    current = old.get("source") or {}
    kept = current.get("virtualMachineId") or current.get("id") or ""
    return sent.lower() == str(kept).lower()
