"""A seeded VM's security type, OS disk architecture and disk controller (what a capture is
checked against, docs/azure-facts.md#q8).

Seeding fields `security_type` (Standard | TrustedLaunch | ConfidentialVM; TrustedLaunch and
ConfidentialVM are Gen2 only, as in Azure), `architecture` (x64 | Arm64, kept on the OS disk)
and `disk_controller_type` (SCSI | NVMe). A seeded ARM body's own `securityProfile` and
`storageProfile.diskControllerType` are the defaults.
"""

from __future__ import annotations

from typing import Any

from sandbox.arm.errors import ControlError

SECURITY_TYPES = ("Standard", "TrustedLaunch", "ConfidentialVM")


def _choice(spec: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = spec.get(name, default)
    if value not in allowed:
        raise ControlError(f"Field '{name}' must be one of {', '.join(allowed)}.")
    return str(value)


def apply(spec: dict[str, Any], body: dict[str, Any], generation: str) -> dict[str, str]:
    """Set the VM body's `securityProfile` / `diskControllerType`; returns what the record
    keeps (`security_type`, `architecture`, `disk_controller_type`)."""
    props = body["properties"]
    storage = props.setdefault("storageProfile", {})
    current = (props.get("securityProfile") or {}).get("securityType") or "Standard"
    security = _choice(spec, "security_type", current, SECURITY_TYPES)
    if security != "Standard" and generation != "V2":
        raise ControlError(f"A {security} VM needs hyper_v_generation 'V2' (as in Azure).")
    architecture = _choice(spec, "architecture", "x64", ("x64", "Arm64"))
    controller = _choice(
        spec, "disk_controller_type", storage.get("diskControllerType") or "SCSI", ("SCSI", "NVMe")
    )
    if security != "Standard":
        profile = props.setdefault("securityProfile", {})
        profile["securityType"] = security
        profile.setdefault("uefiSettings", {"secureBootEnabled": True, "vTpmEnabled": True})
    if controller == "NVMe":
        storage["diskControllerType"] = "NVMe"
    return {
        "security_type": security,
        "architecture": architecture,
        "disk_controller_type": controller,
    }
