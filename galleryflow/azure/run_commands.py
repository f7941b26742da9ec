"""Managed run commands on a VM (`virtualMachines/runCommands`): start one without waiting,
read its instance view (execution state, exit code, output) — docs/azure-facts.md Q7.

The action form (`runCommand`) reports no exit code, so galleryflow uses the managed form.
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.compute.models import (
    VirtualMachineRunCommand,
    VirtualMachineRunCommandProperties,
    VirtualMachineRunCommandScriptSource,
)

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, parse_vm_id, raw
from galleryflow.azure.clients import compute_client

TERMINAL_STATES = ("Succeeded", "Failed", "TimedOut", "Canceled")
OUTPUT_TAIL = 600  # characters of output kept for the run log


@a.requires(a.RUN_COMMAND_WRITE)
def begin_run_command(
    vm_id: str, name: str, script: str, timeout_seconds: int, location: str
) -> None:
    """Create (or replace) run command `name` running `script` asynchronously; returns at once
    (the orchestrator reads the instance view on durable timers)."""
    sub, rg, vm = parse_vm_id(vm_id)
    command = VirtualMachineRunCommand(
        location=location,
        properties=VirtualMachineRunCommandProperties(
            source=VirtualMachineRunCommandScriptSource(script=script),
            async_execution=True,
            timeout_in_seconds=timeout_seconds,
        ),
    )
    with azure_call(vm_id):
        compute_client(sub).virtual_machine_run_commands.begin_create_or_update(
            rg, vm, name, command, polling=False
        )


@a.requires(a.RUN_COMMAND_READ)
def get_run_command(vm_id: str, name: str) -> dict[str, Any]:
    """{"state", "exit_code", "output" (tail), "error" (tail), "done"} of run command `name`."""
    sub, rg, vm = parse_vm_id(vm_id)
    with azure_call(vm_id):
        found = compute_client(sub).virtual_machine_run_commands.get_by_virtual_machine(
            rg, vm, name, expand="instanceView"
        )
    view = (raw(found).get("properties") or {}).get("instanceView") or {}
    state = str(view.get("executionState") or "Pending")
    return {
        "state": state,
        "exit_code": view.get("exitCode"),
        "output": str(view.get("output") or "")[-OUTPUT_TAIL:],
        "error": str(view.get("error") or "")[-OUTPUT_TAIL:],
        "done": state in TERMINAL_STATES,
    }
