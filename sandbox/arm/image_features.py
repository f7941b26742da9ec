"""What ARM refuses when a VM is captured into a definition whose features do not fit it:
security type vs the `SecurityType` feature, OS disk architecture vs `architecture`, the NVMe
disk controller vs `DiskControllerTypes` (docs/azure-facts.md#q8). Each is a 400
InvalidParameter naming both values and the fix."""

from __future__ import annotations

from typing import Any

from sandbox.arm.errors import InvalidParameter

# SecurityType feature values of a definition that accept a source VM of each security type.
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "Standard": (
        "Standard",
        "TrustedLaunchSupported",
        "ConfidentialVmSupported",
        "TrustedLaunchAndConfidentialVmSupported",
    ),
    "TrustedLaunch": (
        "TrustedLaunch",
        "TrustedLaunchSupported",
        "TrustedLaunchAndConfidentialVmSupported",
    ),
    "ConfidentialVM": (
        "ConfidentialVM",
        "ConfidentialVmSupported",
        "TrustedLaunchAndConfidentialVmSupported",
    ),
}


def _feature(definition: dict[str, Any], name: str) -> str | None:
    for item in definition.get("features") or []:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == name.lower():
            return str(item.get("value", ""))
    return None


def check_features(vm: dict[str, Any], definition: dict[str, Any]) -> None:
    name = vm["body"]["name"]
    security = str(vm.get("security_type", "Standard"))
    declared = _feature(definition, "SecurityType") or "Standard"
    if declared.lower() not in {v.lower() for v in _ACCEPTS.get(security, (security,))}:
        raise InvalidParameter(
            f"The source virtual machine '{name}' has security type '{security}', which the "
            f"image definition's feature SecurityType '{declared}' does not support. Use an "
            f"image definition with SecurityType {' or '.join(_ACCEPTS[security][:2])}.",
            target="properties.storageProfile.source.virtualMachineId",
        )
    architecture = str(vm.get("architecture", "x64"))
    if architecture != definition.get("architecture", "x64"):
        raise InvalidParameter(
            f"The OS disk of the source virtual machine '{name}' has architecture "
            f"'{architecture}' but the image definition's architecture is "
            f"'{definition.get('architecture', 'x64')}'. Use a definition with architecture "
            f"'{architecture}'.",
            target="properties.storageProfile.source.virtualMachineId",
        )
    controllers = _feature(definition, "DiskControllerTypes") or "SCSI"
    if vm.get("disk_controller_type") == "NVMe" and "nvme" not in controllers.lower():
        raise InvalidParameter(
            f"The source virtual machine '{name}' uses the NVMe disk controller but the image "
            f"definition's DiskControllerTypes is '{controllers}'. Use a definition with "
            "DiskControllerTypes 'SCSI, NVMe'.",
            target="properties.storageProfile.source.virtualMachineId",
        )
