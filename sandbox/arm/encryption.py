"""`targetRegions[*].encryption` (GalleryRP 2026-03-03 `EncryptionImages`): checked, kept,
echoed. Disk encryption set ids must be resource ids; confidential VM
encryption types are the spec's enum; data disk LUNs are unique. An existing region's
encryption cannot be changed (remove the region and add it again)."""

from __future__ import annotations

import re
from typing import Any

from sandbox.arm.errors import InvalidParameter
from sandbox.arm.validation import enum, field, int32

# Any resource id below a resource group: Microsoft's own GalleryRP example
# (GalleryImageVersion_Create) names `.../Microsoft.Compute/diskEncryptionSet/<name>`, so
# the emulator is no stricter than the examples (galleryflow's request is).
DES_ID = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+/.+", re.IGNORECASE)
CONFIDENTIAL_TYPES = [
    "EncryptedVMGuestStateOnlyWithPmk",
    "EncryptedWithPmk",
    "EncryptedWithCmk",
    "NonPersistedTPM",
    "DataDiskEncryptedWithCmk",
]


def _des(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = field(obj, key, str, path)
    if value is not None and not DES_ID.fullmatch(value):
        raise InvalidParameter(
            f"'{path}.{key}' must be a disk encryption set resource id (/subscriptions/<sub>/"
            f"resourceGroups/<rg>/providers/Microsoft.Compute/diskEncryptionSets/<name>), got "
            f"'{value}'.",
            target=f"{path}.{key}",
        )
    return value


def _security(obj: dict[str, Any], path: str) -> dict[str, Any] | None:
    security = field(obj, "securityProfile", dict, path)
    if security is None:
        return None
    where = f"{path}.securityProfile"
    clean: dict[str, Any] = {}
    kind = enum(security, "confidentialVMEncryptionType", CONFIDENTIAL_TYPES, where)
    if kind is not None:
        clean["confidentialVMEncryptionType"] = kind
    secure = _des(security, "secureVMDiskEncryptionSetId", where)
    if secure is not None:
        clean["secureVMDiskEncryptionSetId"] = secure
    return clean


def check(encryption: dict[str, Any], path: str) -> dict[str, Any]:
    """The cleaned `encryption` of one target region (400 InvalidParameter when malformed)."""
    path = f"{path}.encryption"
    clean: dict[str, Any] = {}
    os_disk = field(encryption, "osDiskImage", dict, path)
    if os_disk is not None:
        where = f"{path}.osDiskImage"
        image: dict[str, Any] = {}
        des = _des(os_disk, "diskEncryptionSetId", where)
        if des is not None:
            image["diskEncryptionSetId"] = des
        security = _security(os_disk, where)
        if security:
            image["securityProfile"] = security
        clean["osDiskImage"] = image
    data = field(encryption, "dataDiskImages", list, path)
    if data is not None:
        seen: set[int] = set()
        items = []
        for index, item in enumerate(data):
            where = f"{path}.dataDiskImages[{index}]"
            if not isinstance(item, dict):
                raise InvalidParameter(f"'{where}' must be an object.", target=where)
            lun = int32(item, "lun", where)
            if lun is None or lun in seen:
                raise InvalidParameter(
                    f"'{where}.lun' is required and must be unique (got {lun}).",
                    target=f"{where}.lun",
                )
            seen.add(lun)
            entry: dict[str, Any] = {"lun": lun}
            des = _des(item, "diskEncryptionSetId", where)
            if des is not None:
                entry["diskEncryptionSetId"] = des
            items.append(entry)
        clean["dataDiskImages"] = items
    return clean
