"""ARM JSON of an image version's target regions, encryption and safety profile <-> dicts.

The request and the domain spell things in snake_case (`galleryflow/domain/encryption.py`);
ARM (GalleryRP 2026-03-03) wants `targetRegions[*]` with `regionalReplicaCount`,
`storageAccountType`, `excludeFromLatest` and `encryption.{osDiskImage,dataDiskImages}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Set on a version while galleryflow has lifted its safetyProfile to remove a region
# (shrink, region retry, remove-regions): whoever finds it restores the flag to false, so a
# run that died between the lift and the restore never leaves a version unprotected.
SAFETY_LIFTED_TAG = "galleryflow-safety-lifted"


def encryption_to_arm(encryption: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The request's `encryption` -> ARM `EncryptionImages` (None when nothing is set)."""
    if not encryption:
        return None
    os_disk: dict[str, Any] = {}
    if encryption.get("os_disk_encryption_set_id"):
        os_disk["diskEncryptionSetId"] = encryption["os_disk_encryption_set_id"]
    if encryption.get("confidential_vm_encryption_type"):
        security: dict[str, Any] = {
            "confidentialVMEncryptionType": encryption["confidential_vm_encryption_type"]
        }
        if encryption.get("secure_vm_disk_encryption_set_id"):
            security["secureVMDiskEncryptionSetId"] = encryption["secure_vm_disk_encryption_set_id"]
        os_disk["securityProfile"] = security
    body: dict[str, Any] = {}
    if os_disk:
        body["osDiskImage"] = os_disk
    data = [
        {"lun": int(d["lun"]), "diskEncryptionSetId": d["disk_encryption_set_id"]}
        for d in encryption.get("data_disks") or []
    ]
    if data:
        body["dataDiskImages"] = data
    return body or None


def encryption_from_arm(arm: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """ARM `EncryptionImages` -> the request's `encryption` shape (None when absent)."""
    if not arm:
        return None
    os_disk = arm.get("osDiskImage") or {}
    security = os_disk.get("securityProfile") or {}
    return {
        "os_disk_encryption_set_id": os_disk.get("diskEncryptionSetId"),
        "confidential_vm_encryption_type": security.get("confidentialVMEncryptionType"),
        "secure_vm_disk_encryption_set_id": security.get("secureVMDiskEncryptionSetId"),
        "data_disks": [
            {"lun": d.get("lun"), "disk_encryption_set_id": d.get("diskEncryptionSetId")}
            for d in arm.get("dataDiskImages") or []
        ],
    }


def target_region_body(region: Mapping[str, Any], exclude: bool | None) -> dict[str, Any]:
    """One `targetRegions[*]` item from `{"name", "replica_count", "storage_account_type",
    "encryption"}`; `exclude` None leaves `excludeFromLatest` out (the global one applies)."""
    body: dict[str, Any] = {"name": region["name"]}
    if region.get("replica_count") is not None:
        body["regionalReplicaCount"] = int(region["replica_count"])
    if region.get("storage_account_type"):
        body["storageAccountType"] = region["storage_account_type"]
    encryption = encryption_to_arm(region.get("encryption"))
    if encryption:
        body["encryption"] = encryption
    if exclude is not None:
        body["excludeFromLatest"] = exclude
    return body


def safety_body(allow_deletion: bool, block_before_end_of_life: bool) -> dict[str, Any]:
    return {
        "allowDeletionOfReplicatedLocations": allow_deletion,
        "blockDeletionBeforeEndOfLife": block_before_end_of_life,
    }


def lift_patch(version: Mapping[str, Any]) -> dict[str, Any]:
    """Extra PATCH members that lift a protected version's flag for a region removal in
    the same request (ARM applies a safetyProfile sent along to that request's region
    changes), and mark it lifted. Empty when the version is not protected."""
    if version.get("allow_deletion_of_replicated_locations"):
        return {}
    tags = {**(version.get("tags") or {}), SAFETY_LIFTED_TAG: "true"}
    return {
        "safety": safety_body(True, bool(version.get("block_deletion_before_end_of_life"))),
        "tags": tags,
    }


def restore_patch(version: Mapping[str, Any]) -> dict[str, Any]:
    """Extra PATCH members that put back `allowDeletionOfReplicatedLocations=false` on a
    version galleryflow lifted (the tag says so). Empty when there is nothing to restore."""
    tags = dict(version.get("tags") or {})
    if SAFETY_LIFTED_TAG not in tags:
        return {}
    del tags[SAFETY_LIFTED_TAG]
    return {
        "safety": safety_body(False, bool(version.get("block_deletion_before_end_of_life"))),
        "tags": tags,
    }
