"""Source VM power: bring a VM to a wanted power state; generalize it (only when asked)."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded, refuse
from galleryflow.azure import compute
from galleryflow.durable.names import Activity

POWER_STATES = ("running", "deallocated", "stopped")


@guarded
def _set_power_state(payload: Payload) -> Payload:
    vm_id, wanted = payload["vm_id"], payload["state"]
    if wanted not in POWER_STATES:
        return refuse("InvalidPowerState", f"cannot set power state {wanted!r}", vm_id)
    current = compute.get_vm(vm_id)["power_state"]
    if current == wanted:
        return {"power_state": current, "changed": False}
    if wanted == "deallocated":
        compute.deallocate_vm(vm_id)
    elif wanted == "running":
        compute.start_vm(vm_id)
    else:  # stopped = allocated but off: a deallocated VM has to start first
        if current != "running":
            compute.start_vm(vm_id)
        compute.power_off_vm(vm_id)
    return {"power_state": compute.get_vm(vm_id)["power_state"], "changed": True}


@bp.activity_trigger(input_name="payload", activity=Activity.SET_VM_POWER_STATE)
def set_vm_power_state(payload: Payload) -> Payload:
    """{"vm_id", "state": running|deallocated|stopped} -> {"power_state", "changed"}."""
    return _set_power_state(payload)


@guarded
def _generalize(payload: Payload) -> Payload:
    vm_id = payload["vm_id"]
    if compute.get_vm(vm_id)["generalized"]:
        return {"generalized": True, "changed": False}
    compute.generalize_vm(vm_id)
    return {"generalized": True, "changed": True}


@bp.activity_trigger(input_name="payload", activity=Activity.GENERALIZE_VM)
def generalize_vm(payload: Payload) -> Payload:
    """{"vm_id"} -> {"generalized": True}. Destructive; the orchestrator calls it only when
    the request says `generalize: true`."""
    return _generalize(payload)
