"""VM instance views: the emulator's own (state statuses, disks, and what a running VM's guest
agent reports), or a caller's seeded view whose state statuses the emulator owns."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sandbox.arm import vm_bodies
from sandbox.arm.store import Store

DISPLAY = {
    "running": "VM running",
    "stopped": "VM stopped",
    "deallocated": "VM deallocated",
    "deallocating": "VM deallocating",
    "stopping": "VM stopping",
    "starting": "VM starting",
}

AGENT_VERSION = "2.11.1.12"
# what a generated VM's guest agent reports, by OS type
OS_INFO = {
    "Linux": ("ubuntu", "22.04"),
    "Windows": ("Windows Server 2022 Datacenter", "Microsoft Windows NT 10.0.20348.0"),
}


def build(store: Store, record: dict[str, Any], power: str) -> dict[str, Any]:
    """The instance view of a VM record whose power state shows as `power` now."""
    body = record["body"]
    when = store.now_iso()
    busy = record.get("transition") is not None
    statuses: list[dict[str, Any]] = [
        {
            "code": "ProvisioningState/updating" if busy else "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Updating" if busy else "Provisioning succeeded",
            "time": when,
        },
        {
            "code": f"PowerState/{power}",
            "level": "Info",
            "displayStatus": DISPLAY[power],
        },
    ]
    if record.get("generalized"):
        statuses.append(
            {"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"}
        )
    seeded = record.get("instance_view")
    if seeded is not None:  # the caller's view; the emulator owns the state statuses
        copied = copy.deepcopy(seeded)
        owned = ("ProvisioningState/", "PowerState/", "OSState/")
        kept = [s for s in copied.get("statuses") or [] if not str(s.get("code")).startswith(owned)]
        copied["statuses"] = statuses + kept
        return copied
    props = body["properties"]
    storage = props["storageProfile"]
    disks = [storage["osDisk"], *storage["dataDisks"]]
    view: dict[str, Any] = {
        "computerName": props.get("osProfile", {}).get("computerName", body["name"]),
        "platformUpdateDomain": 0,
        "platformFaultDomain": 0,
        "hyperVGeneration": record["hyper_v_generation"],
        "disks": [
            {
                "name": disk["name"],
                "statuses": [
                    {
                        "code": "ProvisioningState/succeeded",
                        "level": "Info",
                        "displayStatus": "Provisioning succeeded",
                        "time": props.get("timeCreated", when),
                    }
                ],
            }
            for disk in disks
        ],
        "isVMInStandbyPool": False,
        "statuses": statuses,
    }
    if power == "running":  # the guest agent reports only while the VM runs
        view.update(guest_view(body, storage["osDisk"]["osType"], when))
    boot = boot_diagnostics_view(body)
    if boot is not None:
        view["bootDiagnostics"] = boot
    return view


def _status(code: str, display: str, when: str | None = None) -> dict[str, Any]:
    status = {"code": code, "level": "Info", "displayStatus": display}
    if when is not None:
        status["time"] = when
    return status


def guest_view(body: dict[str, Any], os_type: str, now: str) -> dict[str, Any]:
    """What a running VM's guest agent reports: agent, OS name/version, extensions, patches."""
    extensions = body.get("resources") or []
    info = OS_INFO[os_type]
    ready = _status("ProvisioningState/succeeded", "Ready", now)
    ready["message"] = "Guest Agent is running"
    summary = {
        "status": "Succeeded",
        "startTime": now,
        "lastModifiedTime": now,
        "error": None,
    }
    return {
        "osName": info[0],
        "osVersion": info[1],
        "vmAgent": {
            "vmAgentVersion": AGENT_VERSION,
            "statuses": [ready],
            "extensionHandlers": [
                {
                    "type": f"{e['properties']['publisher']}.{e['properties']['type']}",
                    "typeHandlerVersion": e["properties"]["typeHandlerVersion"],
                    "status": _status("ProvisioningState/succeeded", "Ready"),
                }
                for e in extensions
            ],
        },
        "extensions": [
            {
                "name": e["name"],
                "type": f"{e['properties']['publisher']}.{e['properties']['type']}",
                "typeHandlerVersion": e["properties"]["typeHandlerVersion"],
                "statuses": [
                    {
                        **_status("ProvisioningState/succeeded", "Provisioning succeeded"),
                        "message": "Enable succeeded",
                    }
                ],
            }
            for e in extensions
        ],
        "patchStatus": {
            "availablePatchSummary": {
                **summary,
                "assessmentActivityId": str(uuid.uuid5(uuid.NAMESPACE_URL, body["id"] + "/a")),
                "rebootPending": False,
                "criticalAndSecurityPatchCount": 0,
                "otherPatchCount": 0,
            },
            "lastPatchInstallationSummary": {
                **summary,
                "installationActivityId": str(uuid.uuid5(uuid.NAMESPACE_URL, body["id"] + "/i")),
                "maintenanceWindowExceeded": False,
                "notSelectedPatchCount": 0,
                "excludedPatchCount": 0,
                "pendingPatchCount": 0,
                "installedPatchCount": 0,
                "failedPatchCount": 0,
            },
            "configurationStatuses": [
                _status(
                    "PatchModeConfigurationState/Ready",
                    "Status_PatchModeConfigurationState_Ready",
                    now,
                )
            ],
        },
    }


def boot_diagnostics_view(body: dict[str, Any]) -> dict[str, Any] | None:
    diagnostics = body["properties"].get("diagnosticsProfile", {}).get("bootDiagnostics") or {}
    if not diagnostics.get("enabled"):
        return None
    base = diagnostics.get("storageUri") or vm_bodies.diagnostics_uri(body["id"])
    disk = body["properties"]["storageProfile"]["osDisk"].get("name", body["name"])
    folder = f"{base.rstrip('/')}/bootdiagnostics-{body['name'][:9].lower()}"
    return {
        "consoleScreenshotBlobUri": f"{folder}/{disk}.screenshot.bmp",
        "serialConsoleLogBlobUri": f"{folder}/{disk}.serialconsole.log",
    }
