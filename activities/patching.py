"""Guest patching of the source VM: start installPatches/assessPatches, look at it once.

The orchestrator waits between looks on durable timers, so no activity runs long
(installPatches may take up to its maximumDuration, hours; functionTimeout is minutes).
"""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded, refuse
from galleryflow.azure import compute
from galleryflow.domain.patching import PatchSettings, install_parameters
from galleryflow.durable.names import Activity


@guarded
def _start(payload: Payload) -> Payload:
    vm_id, kind = payload["vm_id"], payload["kind"]
    if kind == "assess":
        return {"handle": compute.begin_assess_patches(vm_id)}
    if kind != "install":
        return refuse("InvalidPatchOperation", f"unknown patch operation {kind!r}", vm_id)
    settings = PatchSettings.from_dict(payload["settings"])
    body = install_parameters(settings, str(payload.get("os_type") or "Linux"))
    return {"handle": compute.begin_install_patches(vm_id, body)}


@bp.activity_trigger(input_name="payload", activity=Activity.START_PATCH_OPERATION)
def start_patch_operation(payload: Payload) -> Payload:
    """{"vm_id", "kind": assess|install, "settings"?: request.patch, "os_type"?}
    -> {"handle"} (the operation to poll)."""
    return _start(payload)


@guarded
def _poll(payload: Payload) -> Payload:
    return compute.poll_patch_operation(payload["handle"])


@bp.activity_trigger(input_name="payload", activity=Activity.POLL_PATCH_OPERATION)
def poll_patch_operation(payload: Payload) -> Payload:
    """{"handle"} -> {"done": false} | {"done": true, "result": the result's REST JSON}."""
    return _poll(payload)


RUN_COMMAND_NAME = "galleryflow-customize"


@guarded
def _start_script(payload: Payload) -> Payload:
    compute.begin_run_command(
        payload["vm_id"],
        RUN_COMMAND_NAME,
        payload["script"],
        int(payload["timeout_minutes"]) * 60,
        payload["location"],
    )
    return {"name": RUN_COMMAND_NAME}


@bp.activity_trigger(input_name="payload", activity=Activity.START_RUN_COMMAND)
def start_run_command(payload: Payload) -> Payload:
    """{"vm_id", "script", "timeout_minutes", "location"} -> {"name"}; the script runs
    asynchronously on the VM (managed run command)."""
    return _start_script(payload)


@guarded
def _read_script(payload: Payload) -> Payload:
    return compute.get_run_command(payload["vm_id"], RUN_COMMAND_NAME)


@bp.activity_trigger(input_name="payload", activity=Activity.READ_RUN_COMMAND)
def read_run_command(payload: Payload) -> Payload:
    """{"vm_id"} -> {"state", "exit_code", "output", "error", "done"} (output tails)."""
    return _read_script(payload)
