"""Can a VM be captured into an image definition? Pure checks on the gateway's dicts.

The VM dict carries `os_type`, `generalized`, `hyper_v_generation`, `disks`
(`[{"name", "size_gb"}]`), `security_type` (Standard, TrustedLaunch, ConfidentialVM),
`disk_controller_type` (SCSI, NVMe) and `architecture` (x64, Arm64: read from the OS disk,
the only place ARM keeps it); the definition dict `os_type`, `os_state`,
`hyper_v_generation`, `architecture` and `features` (`{name: value}`). A field that is
missing or empty is not checked: ARM decides then. Security types and features:
docs/azure-facts.md#q8.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from galleryflow.domain.security import security_mismatches

MAX_DISK_GB = 2048  # every disk of a gallery image must be <= 2 TB


class Mismatch(NamedTuple):
    code: str  # the ARM-style error code the preflight refuses with
    message: str


def source_mismatches(
    vm: Mapping[str, Any], definition: Mapping[str, Any], *, generalize: bool
) -> list[Mismatch]:
    """Every way the VM cannot be captured into the definition (empty when it can).
    `generalize` says the run will generalize the VM before capturing it."""
    return [
        *_os_type(vm, definition),
        *_os_state(vm, definition, generalize),
        *_generation(vm, definition),
        *_disk_sizes(vm),
        *(Mismatch(*found) for found in security_mismatches(vm, definition)),
    ]


def _os_type(vm: Mapping[str, Any], definition: Mapping[str, Any]) -> list[Mismatch]:
    vm_os, def_os = str(vm.get("os_type") or ""), str(definition.get("os_type") or "")
    if vm_os and def_os and vm_os.lower() != def_os.lower():
        return [
            Mismatch(
                "OsTypeMismatch", f"the VM runs {vm_os} but the image definition is for {def_os}"
            )
        ]
    return []


def _os_state(
    vm: Mapping[str, Any], definition: Mapping[str, Any], generalize: bool
) -> list[Mismatch]:
    state = str(definition.get("os_state") or "").lower()
    generalized = bool(vm.get("generalized"))
    if state == "generalized" and not generalized and not generalize:
        return [
            Mismatch(
                "OsStateMismatch",
                "the image definition is Generalized but the VM is not generalized; "
                "generalize it inside the VM first and set `generalize: true`",
            )
        ]
    if state == "specialized" and (generalized or generalize):
        return [
            Mismatch(
                "OsStateMismatch",
                "the image definition is Specialized but the VM is (or would be) generalized",
            )
        ]
    return []


def _generation(vm: Mapping[str, Any], definition: Mapping[str, Any]) -> list[Mismatch]:
    vm_gen, def_gen = vm.get("hyper_v_generation"), definition.get("hyper_v_generation")
    if vm_gen and def_gen and str(vm_gen).upper() != str(def_gen).upper():
        return [
            Mismatch(
                "HyperVGenerationMismatch", f"the VM is {vm_gen} but the definition is {def_gen}"
            )
        ]
    return []


def _disk_sizes(vm: Mapping[str, Any]) -> list[Mismatch]:
    return [
        Mismatch(
            "DiskTooLarge",
            f"disk {disk.get('name')} is {disk['size_gb']} GB; gallery images allow at most "
            f"{MAX_DISK_GB} GB per disk",
        )
        for disk in vm.get("disks") or []
        if isinstance(disk.get("size_gb"), int | float) and disk["size_gb"] > MAX_DISK_GB
    ]
