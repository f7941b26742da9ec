"""Does the source VM fit the image definition? Pure checks on the gateway's dicts.

(Kept next to the preflight activity because galleryflow.domain has no VM/definition
compatibility module; it imports nothing from azure and could move there unchanged.)
"""

from __future__ import annotations

from typing import Any

MAX_DISK_GB = 2048  # every disk of a gallery image must be <= 2 TB


def source_problems(
    vm: dict[str, Any], definition: dict[str, Any], *, generalize: bool
) -> list[tuple[str, str]]:
    """(code, message) for every way the VM cannot be captured into the definition."""
    problems: list[tuple[str, str]] = []
    vm_os, def_os = str(vm.get("os_type") or ""), str(definition.get("os_type") or "")
    if vm_os and def_os and vm_os.lower() != def_os.lower():
        problems.append(
            ("OsTypeMismatch", f"the VM runs {vm_os} but the image definition is for {def_os}")
        )
    state = str(definition.get("os_state") or "").lower()
    generalized = bool(vm.get("generalized"))
    if state == "generalized" and not generalized and not generalize:
        problems.append(
            (
                "OsStateMismatch",
                "the image definition is Generalized but the VM is not generalized; "
                "generalize it inside the VM first and set `generalize: true`",
            )
        )
    if state == "specialized" and (generalized or generalize):
        problems.append(
            (
                "OsStateMismatch",
                "the image definition is Specialized but the VM is (or would be) generalized",
            )
        )
    vm_gen, def_gen = vm.get("hyper_v_generation"), definition.get("hyper_v_generation")
    if vm_gen and def_gen and str(vm_gen).upper() != str(def_gen).upper():
        problems.append(
            ("HyperVGenerationMismatch", f"the VM is {vm_gen} but the definition is {def_gen}")
        )
    for disk in vm.get("disks") or []:
        size = disk.get("size_gb")
        if isinstance(size, int | float) and size > MAX_DISK_GB:
            problems.append(
                (
                    "DiskTooLarge",
                    f"disk {disk.get('name')} is {size} GB; gallery images allow at most "
                    f"{MAX_DISK_GB} GB per disk",
                )
            )
    return problems
