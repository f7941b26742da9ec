"""Parse and check an image version request: names, publishing and safety profiles, source VM.

Every problem is a 400 (or the ARM error Azure answers) whose message says what to fix.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.arm import encryption as encryption_rules
from sandbox.arm import ids, image_features, quotas, regions, vms
from sandbox.arm.errors import InvalidParameter, OperationNotAllowed
from sandbox.arm.store import Store
from sandbox.arm.validation import enum, field, int32, timestamp

# Whole-name match over ASCII digits only: `$` would also match before a final "\n" and
# `\d` takes digits of every script. Ten digits still allow 9999999999, so the value
# is checked against the 32-bit limit below.
VERSION_NAME = re.compile(r"([0-9]{1,10})\.([0-9]{1,10})\.([0-9]{1,10})")
INT32_MAX = 2**31 - 1
STORAGE_TYPES = ["Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"]
MAX_DISK_GB = 2048
PP = "properties.publishingProfile"


def check_version_name(name: str) -> None:
    match = VERSION_NAME.fullmatch(name)
    if not match or any(int(part) > INT32_MAX for part in match.groups()):
        raise InvalidParameter(
            f"The gallery image version name '{name}' is invalid. Use Major.Minor.Patch where each "
            "part is a 32-bit integer, e.g. 1.2.3.",
            target="galleryImageVersionName",
        )


def target_regions(
    store: Store, profile: dict[str, Any], sub: str, default_count: int, default_type: str
) -> list[dict[str, Any]]:
    raw = field(profile, "targetRegions", list, PP)
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw or []):
        path = f"{PP}.targetRegions[{index}]"
        if not isinstance(item, dict):
            raise InvalidParameter(f"'{path}' must be an object with at least 'name'.", target=path)
        name = field(item, "name", str, path, required=True)
        region = regions.lookup(name)
        if region is None:
            raise InvalidParameter(
                f"'{path}.name' is '{name}', which is not a known Azure region. Use a region name "
                "such as 'westeurope' or 'East US'.",
                target=f"{path}.name",
            )
        if region.name in seen:
            raise InvalidParameter(
                f"Region '{region.display}' appears more than once in targetRegions; list each "
                "region once.",
                target=f"{path}.name",
            )
        seen.add(region.name)
        count = int32(item, "regionalReplicaCount", path)
        count = default_count if count is None else count
        check_replica_count(store, count, f"{path}.regionalReplicaCount", sub, region.name)
        storage = enum(item, "storageAccountType", STORAGE_TYPES, path) or default_type
        if storage == "Standard_ZRS" and not region.has_zones:
            raise InvalidParameter(
                f"Standard_ZRS is not available in region '{region.display}' (it has no "
                "availability zones). Use Standard_LRS there.",
                target=f"{path}.storageAccountType",
            )
        entry: dict[str, Any] = {
            "name": region.display,
            "regionalReplicaCount": count,
            "storageAccountType": storage,
        }
        # only a region that sets it overrides the global excludeFromLatest
        regional_exclude = field(item, "excludeFromLatest", bool, path)
        if regional_exclude is not None:
            entry["excludeFromLatest"] = regional_exclude
        encryption = field(item, "encryption", dict, path)
        if encryption is not None:
            entry["encryption"] = encryption_rules.check(encryption, path)
        result.append(entry)
    return result


def check_replica_count(store: Store, count: int, path: str, sub: str, region: str) -> None:
    """docs/azure-facts.md#q4: replicas per region are 1..50 (settable: replicas_per_region)."""
    maximum = quotas.limit(store, "replicas_per_region", sub, region)
    if not 1 <= count <= maximum:
        raise InvalidParameter(
            f"The value {count} of parameter '{path}' is out of range. The value must be "
            f"between 1 and {maximum}, inclusive.",
            target=path,
        )


def publishing(store: Store, props: dict[str, Any], sub: str, location: str) -> dict[str, Any]:
    profile = field(props, "publishingProfile", dict, "properties") or {}
    count = int32(profile, "replicaCount", PP)
    if count is not None:
        check_replica_count(store, count, f"{PP}.replicaCount", sub, location)
    storage = enum(profile, "storageAccountType", STORAGE_TYPES, PP) or "Standard_LRS"
    targets = target_regions(store, profile, sub, count or 1, storage)
    if not targets:
        targets = [
            {
                "name": regions.REGIONS[location].display,
                "regionalReplicaCount": count or 1,
                "storageAccountType": storage,
            }
        ]
    if location not in {regions.normalize(t["name"]) for t in targets}:
        raise InvalidParameter(
            f"The source region '{regions.REGIONS[location].display}' must be one of the "
            f"targetRegions. Add it to {PP}.targetRegions.",
            target=f"{PP}.targetRegions",
        )
    result: dict[str, Any] = {
        "targetRegions": targets,
        "replicaCount": count or 1,
        "excludeFromLatest": bool(field(profile, "excludeFromLatest", bool, PP) or False),
        "storageAccountType": storage,
        "replicationMode": enum(profile, "replicationMode", ["Full", "Shallow"], PP) or "Full",
    }
    for target in targets:  # every region reports it, as in the examples
        target.setdefault("excludeFromLatest", result["excludeFromLatest"])
    eol = timestamp(profile, "endOfLifeDate", PP)
    if eol is not None:
        result["endOfLifeDate"] = eol
    return result


def safety(props: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    safety = field(props, "safetyProfile", dict, "properties") or {}
    path = "properties.safetyProfile"
    # docs/azure-facts.md#q3: allowDeletionOfReplicatedLocations defaults to false
    result = dict(
        current
        or {"allowDeletionOfReplicatedLocations": False, "blockDeletionBeforeEndOfLife": False}
    )
    for name in ("allowDeletionOfReplicatedLocations", "blockDeletionBeforeEndOfLife"):
        value = field(safety, name, bool, path)
        if value is not None:
            result[name] = value
    return result


def source_vm(store: Store, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    storage = field(props, "storageProfile", dict, "properties", required=True)
    source = field(storage, "source", dict, "properties.storageProfile", required=True)
    path = "properties.storageProfile.source"
    vm_id = field(source, "virtualMachineId", str, path)
    if vm_id is None:
        raise InvalidParameter(
            f"'{path}' must name the source: 'virtualMachineId' (a VM), 'id' (a managed image), "
            "or set properties.storageProfile.osDiskImage.source.id (a snapshot).",
            target=path,
        )
    parsed = ids.parse_vm_id(vm_id)
    if parsed is None:
        raise InvalidParameter(
            f"'{path}.virtualMachineId' is not a virtual machine resource id: '{vm_id}'. Expected "
            "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>.",
            target=f"{path}.virtualMachineId",
        )
    record = store.collection("vms").get(ids.key(vm_id))
    if record is None:
        raise InvalidParameter(
            f"The source virtual machine '{vm_id}' was not found. Check the id in "
            f"{path}.virtualMachineId.",
            target=f"{path}.virtualMachineId",
        )
    vms.settle(store, record)
    return record["body"]["id"], record


def check_vm_matches(vm: dict[str, Any], image: dict[str, Any], location: str) -> None:
    """Refuse what Azure refuses: running source, OS/state/generation mismatch, big disks."""
    name = vm["body"]["name"]
    power = vms.power_code(vm)
    if power != "deallocated" and power != "stopped":
        raise OperationNotAllowed(
            f"The source virtual machine '{name}' is {power} (PowerState/{power}). Deallocate it "
            "before capturing it into an image version."
        )
    generalized = bool(vm.get("generalized"))
    check_source_matches(
        f"source virtual machine '{name}'",
        image,
        location,
        os_type=vm["body"]["properties"]["storageProfile"]["osDisk"]["osType"],
        os_state="Generalized" if generalized else "Specialized",
        generation=vm["hyper_v_generation"],
        source_location=vm["body"]["location"],
        sizes=vms.os_disk_sizes(vm),
    )
    image_features.check_features(vm, image["body"]["properties"])


def check_source_matches(
    what: str,
    image: dict[str, Any],
    location: str,
    *,
    os_type: str | None,
    os_state: str | None,
    generation: str | None,
    source_location: str,
    sizes: list[tuple[str, int]],
) -> None:
    """Refuse a source (VM, managed image, snapshot) whose OS type, state, Hyper-V generation,
    disk sizes or region do not fit the definition and version; None skips a check."""
    definition = image["body"]["properties"]
    if os_type is not None and os_type != definition["osType"]:
        raise InvalidParameter(
            f"The OS type of the {what} ({os_type}) does not match the image definition's "
            f"osType ({definition['osType']}). Use a definition with osType {os_type}."
        )
    if definition["osState"] == "Generalized" and os_state == "Specialized":
        raise InvalidParameter(
            f"The image definition is Generalized but the {what} is not generalized. "
            "Generalize the VM first (or use a generalized image), or use a Specialized "
            "definition."
        )
    if definition["osState"] == "Specialized" and os_state == "Generalized":
        raise InvalidParameter(
            f"The image definition is Specialized but the {what} is generalized. "
            "Use a Generalized definition."
        )
    if generation is not None and generation != definition["hyperVGeneration"]:
        raise InvalidParameter(
            f"The Hyper-V generation of the {what} ({generation}) does not match the image "
            f"definition's hyperVGeneration ({definition['hyperVGeneration']})."
        )
    for disk, size in sizes:
        if size > MAX_DISK_GB:
            raise InvalidParameter(
                f"Disk {disk} of the {what} is {size} GB; image version disks can be at most "
                f"{MAX_DISK_GB} GB (2 TB). Shrink or detach the disk."
            )
    if source_location != location:
        raise InvalidParameter(
            f"The {what} is in '{source_location}' but the image version is created in "
            f"'{location}'. Capture in the source's region."
        )
