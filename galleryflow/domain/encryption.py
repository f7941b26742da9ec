"""Per-region encryption of an image version: the request field and its rules.

ARM's `targetRegions[*].encryption` (GalleryRP 2026-03-03 `EncryptionImages`) carries a disk
encryption set for the OS disk image and for each data disk image (by LUN), and for
confidential VM images a `confidentialVMEncryptionType` (+ a secure VM disk encryption set
with customer-managed keys). The request spells it in snake_case; the gateway writes the ARM
JSON. Rules a schema cannot say are checked by `encryption_problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from galleryflow.domain.fields import Choice, Field, Int, ListOf, Nullable, Obj, Str, is_valid
from galleryflow.domain.problems import Problem, child

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
DISK_ENCRYPTION_SET_PATTERN = (
    rf"^/[sS]ubscriptions/{_GUID}/[rR]esource[gG]roups/[-A-Za-z0-9_.()]{{0,89}}[-A-Za-z0-9_()]"
    r"/[pP]roviders/[mM]icrosoft\.[cC]ompute/[dD]isk[eE]ncryption[sS]ets/[-A-Za-z0-9_]{1,80}$"
)

# ARM's ConfidentialVMEncryptionType values that apply to an OS disk image
# (DataDiskEncryptedWithCmk is for data disks only, per the spec).
CONFIDENTIAL_OS_TYPES = (
    "EncryptedVMGuestStateOnlyWithPmk",
    "EncryptedWithPmk",
    "EncryptedWithCmk",
    "NonPersistedTPM",
)
CUSTOMER_KEY_TYPE = "EncryptedWithCmk"

DISK_ENCRYPTION_SET_ID = Str(
    description="resource id of a disk encryption set (customer-managed keys) in this region",
    pattern=DISK_ENCRYPTION_SET_PATTERN,
    pattern_hint="use /subscriptions/<guid>/resourceGroups/<rg>/providers/"
    "Microsoft.Compute/diskEncryptionSets/<name>",
    max_length=400,
)

DATA_DISK_ENCRYPTION_SPEC = Obj(
    description="the disk encryption set of one data disk image",
    fields=(
        Field("lun", Int("the data disk's LUN", minimum=0, maximum=63)),
        Field("disk_encryption_set_id", DISK_ENCRYPTION_SET_ID),
    ),
)

ENCRYPTION_SPEC = Obj(
    description="encryption of the replicas in this region (ARM targetRegions[].encryption)",
    fields=(
        Field(
            "os_disk_encryption_set_id",
            Nullable(DISK_ENCRYPTION_SET_ID, "disk encryption set for the OS disk image"),
            None,
        ),
        Field(
            "confidential_vm_encryption_type",
            Nullable(
                Choice(
                    CONFIDENTIAL_OS_TYPES,
                    "confidential VM images only: how the OS disk and VM guest state are encrypted",
                )
            ),
            None,
        ),
        Field(
            "secure_vm_disk_encryption_set_id",
            Nullable(
                DISK_ENCRYPTION_SET_ID,
                "with confidential_vm_encryption_type EncryptedWithCmk: the secure VM disk "
                "encryption set",
            ),
            None,
        ),
        Field(
            "data_disks",
            ListOf(DATA_DISK_ENCRYPTION_SPEC, "per data disk image, by LUN", max_items=64),
            [],
        ),
    ),
)


def encryption_problems(encryption: Any, path: str) -> list[Problem]:
    """Cross-field rules of one region's encryption (only on a fully valid value)."""
    if not isinstance(encryption, Mapping) or not is_valid(encryption):
        return []
    problems: list[Problem] = []
    kind = encryption["confidential_vm_encryption_type"]
    secure = encryption["secure_vm_disk_encryption_set_id"]
    if kind == CUSTOMER_KEY_TYPE and secure is None:
        problems.append(
            Problem(
                child(path, "secure_vm_disk_encryption_set_id"),
                "EncryptedWithCmk needs the secure VM disk encryption set",
                "add secure_vm_disk_encryption_set_id, or use EncryptedWithPmk",
            )
        )
    if secure is not None and kind != CUSTOMER_KEY_TYPE:
        problems.append(
            Problem(
                child(path, "secure_vm_disk_encryption_set_id"),
                "is only used with confidential_vm_encryption_type EncryptedWithCmk",
                "remove it, or set confidential_vm_encryption_type to EncryptedWithCmk",
            )
        )
    seen: dict[int, int] = {}
    for index, disk in enumerate(encryption["data_disks"]):
        if disk["lun"] in seen:
            problems.append(
                Problem(
                    child(child(child(path, "data_disks"), index), "lun"),
                    f"LUN {disk['lun']} is listed twice (also at index {seen[disk['lun']]})",
                    "list each data disk once",
                )
            )
        seen.setdefault(disk["lun"], index)
    return problems


def is_confidential(encryption: Mapping[str, Any] | None) -> bool:
    return bool(encryption and encryption.get("confidential_vm_encryption_type"))
