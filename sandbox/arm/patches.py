"""Guest patching on VMs: seeded pending patches, assessPatches and installPatches as
long-running operations with results, and managed run commands with scripted results.

Facts: docs/azure-facts.md Q7 (the VM must be running; installPatches input and result
shapes of azure-mgmt-compute's VirtualMachineInstallPatchesParameters/-Result, the managed
run command instance view with `exitCode`). Where Azure's exact behaviour is not documented
the emulator's choice is written in docs/sandbox-arm.md ("Patching and run commands").
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sandbox.arm import ids, operations, vms
from sandbox.arm.clock import to_iso
from sandbox.arm.errors import (
    ControlError,
    InvalidParameter,
    OperationNotAllowed,
    ResourceNotFound,
)
from sandbox.arm.store import Store

REBOOT_SETTINGS = ("IfRequired", "Never", "Always")
FAULTS = ("failed_patches", "reboot_required", "timeout")
CRITICAL_OR_SECURITY = {"critical", "security"}
MAX_DURATION_SECONDS = 4 * 3600  # Azure: maximumDuration up to PT4H
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def _patch_state(record: dict[str, Any]) -> dict[str, Any]:
    return record.setdefault("patching", {"pending": [], "installed": [], "fault": None})


def seed_patches(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """`POST /_sandbox/vm-patches` {vm_id, patches: [{name, classifications?, kb_id?,
    reboot_behavior?, fails?}], fault?: failed_patches|reboot_required|timeout|null,
    run_command?: {exit_code, output, error}}: what the VM's guest would find and do."""
    vm_id = spec.get("vm_id")
    if not isinstance(vm_id, str) or not vm_id:
        raise ControlError("Field 'vm_id' is required: the VM's resource id.")
    record = vms.get_vm(store, vm_id)
    state = _patch_state(record)
    patches = spec.get("patches", [])
    if not isinstance(patches, list) or not all(isinstance(p, dict) for p in patches):
        raise ControlError("Field 'patches' must be a list of {'name', 'classifications', ...}.")
    fault = spec.get("fault")
    if fault is not None and fault not in FAULTS:
        raise ControlError(f"Field 'fault' must be one of {', '.join(FAULTS)} or null.")
    state["pending"] = [_patch(p, i) for i, p in enumerate(patches)]
    state["fault"] = fault
    script = spec.get("run_command")
    if script is not None:
        if not isinstance(script, dict) or not isinstance(script.get("exit_code", 0), int):
            raise ControlError("Field 'run_command' must be {'exit_code': int, 'output': str}.")
        record["run_command_script"] = {
            "exit_code": script.get("exit_code", 0),
            "output": str(script.get("output", "")),
            "error": str(script.get("error", "")),
        }
    return {"vm_id": record["body"]["id"], "pending": state["pending"], "fault": fault}


def _patch(spec: dict[str, Any], index: int) -> dict[str, Any]:
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ControlError(f"patches[{index}].name is required (a package or update title).")
    classes = spec.get("classifications", ["Security"])
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise ControlError(f"patches[{index}].classifications must be a list of strings.")
    return {
        "patchId": str(spec.get("patch_id") or f"{name}_{spec.get('version', '1.0')}"),
        "name": name,
        "version": str(spec.get("version", "1.0")),
        "kbId": str(spec.get("kb_id") or ""),
        "classifications": classes,
        "rebootBehavior": str(spec.get("reboot_behavior", "NeverReboots")),
        "fails": bool(spec.get("fails", False)),
    }


def _require_running(store: Store, record: dict[str, Any], action: str) -> None:
    """Q7: patching runs through the guest agent, so the VM must be running."""
    name = record["body"]["name"]
    if record.get("transition") or record["power"] != "running":
        raise OperationNotAllowed(
            f"Operation '{action}' is not allowed on VM '{name}' since the VM is "
            f"{vms.power_code(record)}. Start the VM first."
        )


def _duration_seconds(text: Any) -> int:
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise InvalidParameter(
            f"maximumDuration {text!r} is not an ISO 8601 duration such as 'PT2H'.",
            target="maximumDuration",
        )
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 0 < total <= MAX_DURATION_SECONDS:
        raise InvalidParameter(
            f"maximumDuration {text!r} must be more than zero and at most PT4H.",
            target="maximumDuration",
        )
    return total


def _checked_install_input(body: dict[str, Any]) -> dict[str, Any]:
    reboot = body.get("rebootSetting")
    if reboot not in REBOOT_SETTINGS:
        raise InvalidParameter(
            f"rebootSetting is required and must be one of {', '.join(REBOOT_SETTINGS)}.",
            target="rebootSetting",
        )
    if "maximumDuration" in body:
        _duration_seconds(body["maximumDuration"])
    return body


def begin_patch_operation(
    store: Store, vm_id: str, kind: str, body: dict[str, Any], method: str, path: str
) -> dict[str, Any]:
    """Start `assessPatches` or `installPatches`; the result is computed when it ends."""
    record = vms.get_vm(store, vm_id)
    _require_running(store, record, kind)
    if kind == "installPatches":
        _checked_install_input(body)
    op = operations.start_operation(
        store, "patch", ids.key(vm_id), record["body"]["location"], method, path
    )
    op["patch"] = {"kind": kind, "input": body}
    return op


def patch_operation_status(store: Store, op: dict[str, Any]) -> None:
    """Advance on a status poll: it ends after `lro_polls_to_complete` polls (or once
    `resource_operation_seconds` passed), and then applies its effect on the VM."""
    operations.simple_operation_status(store, op)
    final = op["final"]
    if final is None or final["status"] != "Succeeded" or "result" in op:
        return
    record = store.collection("vms").get(op["target"])
    if record is None:
        op["result"] = {"status": "Failed", "error": {"code": "NotFound", "message": "VM gone"}}
        return
    start = to_iso(op["start"])
    if op["patch"]["kind"] == "assessPatches":
        op["result"] = assess(record, start)
    else:
        op["result"] = install(record, op["patch"]["input"], start)


def _public(patch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in patch.items() if k != "fails"}


def assess(record: dict[str, Any], start: str) -> dict[str, Any]:
    pending = _patch_state(record)["pending"]
    critical = sum(1 for p in pending if _is_critical(p))
    return {
        "status": "Succeeded",
        "assessmentActivityId": str(uuid.uuid4()),
        "rebootPending": False,
        "criticalAndSecurityPatchCount": critical,
        "otherPatchCount": len(pending) - critical,
        "startDateTime": start,
        "availablePatches": [
            {**_public(p), "assessmentState": "Available", "activityId": str(uuid.uuid4())}
            for p in pending
        ],
    }


def _is_critical(patch: dict[str, Any]) -> bool:
    return any(c.lower() in CRITICAL_OR_SECURITY for c in patch["classifications"])


def _selection(params: dict[str, Any]) -> tuple[set[str], list[str], list[str]]:
    """(classifications, include, exclude) of windowsParameters or linuxParameters."""
    windows = params.get("windowsParameters") or {}
    linux = params.get("linuxParameters") or {}
    classes = windows.get("classificationsToInclude") or linux.get("classificationsToInclude")
    include = (windows.get("kbNumbersToInclude") or []) + (
        linux.get("packageNameMasksToInclude") or []
    )
    exclude = (windows.get("kbNumbersToExclude") or []) + (
        linux.get("packageNameMasksToExclude") or []
    )
    return {c.lower() for c in classes or []}, include, exclude


def _matches(patch: dict[str, Any], masks: list[str]) -> bool:
    names = {patch["name"].lower(), patch["kbId"].lower(), f"kb{patch['kbId']}".lower()}
    for mask in masks:
        pattern = re.escape(mask.lower()).replace(r"\*", ".*")
        if any(re.fullmatch(pattern, n) for n in names if n):
            return True
    return False


def install(record: dict[str, Any], params: dict[str, Any], start: str) -> dict[str, Any]:
    state = _patch_state(record)
    classes, include, exclude = _selection(params)
    fault = state.get("fault")
    selected, not_selected, excluded = [], [], []
    for patch in state["pending"]:
        if exclude and _matches(patch, exclude):
            excluded.append(patch)
        elif (include and _matches(patch, include)) or (
            not include and (not classes or {c.lower() for c in patch["classifications"]} & classes)
        ):
            selected.append(patch)
        else:
            not_selected.append(patch)
    window_exceeded = fault == "timeout" and bool(selected)
    attempted = selected[: len(selected) // 2] if window_exceeded else selected
    failed = [p for p in attempted if p["fails"] or fault == "failed_patches"]
    installed = [p for p in attempted if p not in failed]
    still_pending = [p for p in selected if p not in attempted]
    needs_reboot = fault == "reboot_required" or any(
        p["rebootBehavior"] != "NeverReboots" for p in installed
    )
    reboot = params.get("rebootSetting", "IfRequired")
    reboot_status = (
        "NotNeeded"
        if not needs_reboot and reboot != "Always"
        else "Required"
        if reboot == "Never"
        else "Completed"
    )
    state["pending"] = [p for p in state["pending"] if p not in installed]
    state["installed"] = state.get("installed", []) + installed
    status = "Failed" if failed else "CompletedWithWarnings" if window_exceeded else "Succeeded"

    def detail(patch: dict[str, Any], how: str) -> dict[str, Any]:
        keys = ("patchId", "name", "version", "kbId", "classifications")
        return {**{k: patch[k] for k in keys}, "installationState": how}

    result: dict[str, Any] = {
        "status": status,
        "installationActivityId": str(uuid.uuid4()),
        "rebootStatus": reboot_status,
        "maintenanceWindowExceeded": window_exceeded,
        "excludedPatchCount": len(excluded),
        "notSelectedPatchCount": len(not_selected),
        "pendingPatchCount": len(still_pending),
        "installedPatchCount": len(installed),
        "failedPatchCount": len(failed),
        "startDateTime": start,
        "patches": [detail(p, "Installed") for p in installed]
        + [detail(p, "Failed") for p in failed]
        + [detail(p, "Pending") for p in still_pending]
        + [detail(p, "Excluded") for p in excluded]
        + [detail(p, "NotSelected") for p in not_selected],
    }
    if failed:
        result["error"] = {
            "code": "PatchInstallationFailed",
            "message": f"{len(failed)} patch(es) failed to install: "
            + ", ".join(p["name"] for p in failed),
        }
    return result


# -- managed run commands ----------------------------------------------------------------------
def put_run_command(
    store: Store, vm_id: str, name: str, body: dict[str, Any], method: str, path: str
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Create a managed run command: it runs at once with the VM's scripted result
    (exit code 0 and empty output unless seeded). Returns (resource, operation, created)."""
    record = vms.get_vm(store, vm_id)
    _require_running(store, record, "runCommands/write")
    given = body.get("properties")
    props: dict[str, Any] = given if isinstance(given, dict) else {}
    source = props.get("source")
    if not isinstance(source, dict) or not any(
        source.get(k) for k in ("script", "scriptUri", "commandId")
    ):
        raise InvalidParameter(
            "properties.source needs one of script, scriptUri or commandId.",
            target="properties.source",
        )
    commands = record.setdefault("run_commands", {})
    created = name.lower() not in commands
    script = record.get("run_command_script") or {"exit_code": 0, "output": "", "error": ""}
    now = store.now_iso()
    resource = {
        "id": f"{record['body']['id']}/runCommands/{name}",
        "name": name,
        "type": "Microsoft.Compute/virtualMachines/runCommands",
        "location": record["body"]["location"],
        "properties": {
            "source": source,
            "parameters": [
                {"name": p.get("name"), "value": p.get("value")}
                for p in (props.get("parameters") or [])
                if isinstance(p, dict)
            ],
            "asyncExecution": bool(props.get("asyncExecution", False)),
            "timeoutInSeconds": int(props.get("timeoutInSeconds") or 0),
            "provisioningState": "Succeeded",
        },
        "instance_view": {
            "executionState": "Succeeded" if script["exit_code"] == 0 else "Failed",
            "executionMessage": "" if script["exit_code"] == 0 else "Script failed",
            "exitCode": script["exit_code"],
            "output": script["output"],
            "error": script["error"],
            "startTime": now,
            "endTime": now,
        },
    }
    commands[name.lower()] = resource  # protectedParameters are never stored or returned
    op = operations.start_operation(
        store, "simple", ids.key(vm_id), record["body"]["location"], method, path
    )
    return render_run_command(resource, instance_view=False), op, created


def get_run_command(store: Store, vm_id: str, name: str, instance_view: bool) -> dict[str, Any]:
    record = vms.get_vm(store, vm_id)
    resource = record.get("run_commands", {}).get(name.lower())
    if resource is None:
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/virtualMachines/{record['body']['name']}/"
            f"runCommands/{name}' was not found."
        )
    return render_run_command(resource, instance_view=instance_view)


def render_run_command(resource: dict[str, Any], *, instance_view: bool) -> dict[str, Any]:
    body = {k: v for k, v in resource.items() if k != "instance_view"}
    body["properties"] = dict(resource["properties"])
    if instance_view:
        body["properties"]["instanceView"] = resource["instance_view"]
    return body
