"""Security type, architecture and definition features of a capture (preflight rules).

A gallery image definition declares what its versions support through `features`
(`SecurityType`, `DiskControllerTypes`, ...) and `architecture`; the source VM must fit, or
ARM refuses the create call — after galleryflow deallocated the VM. These checks run in the
preflight instead (docs/azure-facts.md#q8 for the sources):

- `SecurityType` of the definition (absent = Standard) must accept the VM's security type:
  a TrustedLaunch VM needs TrustedLaunch, TrustedLaunchSupported or
  TrustedLaunchAndConfidentialVmSupported; a ConfidentialVM needs ConfidentialVM,
  ConfidentialVmSupported or TrustedLaunchAndConfidentialVmSupported; a Standard VM cannot
  be captured into a ConfidentialVM definition (its versions need the VM guest state only a
  confidential VM has) nor a TrustedLaunch one (conservative choice).
- `architecture` of the definition (absent = x64) must equal the VM's OS disk architecture.
- A VM whose disks use the NVMe controller needs `DiskControllerTypes` naming NVMe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class SecurityMismatch(NamedTuple):
    code: str
    message: str


STANDARD = "Standard"
TRUSTED_LAUNCH = "TrustedLaunch"
CONFIDENTIAL_VM = "ConfidentialVM"

# The definition's SecurityType feature values that accept a source VM of each security type.
ACCEPTED_BY: dict[str, frozenset[str]] = {
    STANDARD: frozenset(
        {
            STANDARD,
            "TrustedLaunchSupported",
            "ConfidentialVmSupported",
            "TrustedLaunchAndConfidentialVmSupported",
        }
    ),
    TRUSTED_LAUNCH: frozenset(
        {TRUSTED_LAUNCH, "TrustedLaunchSupported", "TrustedLaunchAndConfidentialVmSupported"}
    ),
    CONFIDENTIAL_VM: frozenset(
        {CONFIDENTIAL_VM, "ConfidentialVmSupported", "TrustedLaunchAndConfidentialVmSupported"}
    ),
}


def _feature(definition: Mapping[str, Any], name: str) -> str | None:
    for key, value in (definition.get("features") or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _canonical(value: str, choices: frozenset[str] | tuple[str, ...]) -> str:
    return next((c for c in choices if c.lower() == value.lower()), value)


def security_mismatches(
    vm: Mapping[str, Any], definition: Mapping[str, Any]
) -> list[SecurityMismatch]:
    return [*_security_type(vm, definition), *_architecture(vm, definition), *_nvme(vm, definition)]


def _security_type(vm: Mapping[str, Any], definition: Mapping[str, Any]) -> list[SecurityMismatch]:
    raw = vm.get("security_type")
    if not raw:
        return []
    vm_type = _canonical(str(raw), tuple(ACCEPTED_BY))
    accepted = ACCEPTED_BY.get(vm_type)
    if accepted is None:
        return []  # a security type this version of galleryflow does not know: ARM decides
    feature = _feature(definition, "SecurityType")
    def_type = feature or STANDARD
    if def_type.lower() in {a.lower() for a in accepted}:
        return []
    shown = f"SecurityType {feature}" if feature else "no SecurityType feature (Standard)"
    return [
        SecurityMismatch(
            "SecurityTypeMismatch",
            f"the source VM's security type is {vm_type} but the image definition has "
            f"{shown}; {_FIX[vm_type]}",
        )
    ]


_FIX = {
    STANDARD: "use a definition whose SecurityType accepts standard VMs (e.g. "
    "TrustedLaunchSupported), or capture from a VM of the definition's security type",
    TRUSTED_LAUNCH: "use a definition with the feature SecurityType=TrustedLaunchSupported "
    "(or TrustedLaunch); features cannot be added to an existing definition",
    CONFIDENTIAL_VM: "use a definition with the feature SecurityType=ConfidentialVmSupported "
    "(or ConfidentialVM); features cannot be added to an existing definition",
}


def _architecture(vm: Mapping[str, Any], definition: Mapping[str, Any]) -> list[SecurityMismatch]:
    vm_arch = vm.get("architecture")
    def_arch = definition.get("architecture") or "x64"
    if not vm_arch or str(vm_arch).lower() == str(def_arch).lower():
        return []
    return [
        SecurityMismatch(
            "ArchitectureMismatch",
            f"the source VM's OS disk is {vm_arch} but the image definition's architecture is "
            f"{def_arch}; use a definition with architecture {vm_arch} (architecture cannot "
            "be changed on an existing definition)",
        )
    ]


def _nvme(vm: Mapping[str, Any], definition: Mapping[str, Any]) -> list[SecurityMismatch]:
    if str(vm.get("disk_controller_type") or "").lower() != "nvme":
        return []
    feature = _feature(definition, "DiskControllerTypes") or ""
    if "nvme" in feature.lower():
        return []
    return [
        SecurityMismatch(
            "DiskControllerMismatch",
            "the source VM uses the NVMe disk controller but the image definition's "
            f"DiskControllerTypes feature is {feature or 'not set (SCSI only)'}; create the "
            "definition with DiskControllerTypes=SCSI,NVMe",
        )
    ]
