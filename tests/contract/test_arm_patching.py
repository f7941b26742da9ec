"""Guest patching and managed run commands on the ARM emulator, through the real
azure-mgmt-compute client (docs/azure-facts.md Q7)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import models

from sandbox.arm.seeding import seed_capture_scenario

SUB = "11111111-2222-3333-4444-555555555555"
VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/virtualMachines/"
    "vm-build"
)
SECURITY = [
    {"name": "openssl", "classifications": ["Security"]},
    {"name": "libc6", "classifications": ["Critical"], "reboot_behavior": "AlwaysRequiresReboot"},
    {"name": "curl", "classifications": ["Security"]},
]


def _seed(arm: Any, patches: list[dict[str, Any]], **extra: Any) -> Any:
    seed_capture_scenario(arm, SUB)
    arm.control("POST", "vm-patches", {"vm_id": VM_ID, "patches": patches, **extra})
    return arm.compute_client(SUB)


def _install(client: Any, **params: Any) -> Any:
    body = models.VirtualMachineInstallPatchesParameters(
        reboot_setting=params.pop("reboot_setting", "IfRequired"),
        maximum_duration=params.pop("maximum_duration", "PT2H"),
        linux_parameters=models.LinuxParameters(**params),
    )
    return client.virtual_machines.begin_install_patches("rg-src", "vm-build", body).result()


def test_assess_then_install_reports_counts_and_patch_ids(arm_emulator: Any) -> None:
    """Q7: both are long-running operations whose results are the SDK's models."""
    client = _seed(arm_emulator, [*SECURITY, {"name": "vim", "classifications": ["Other"]}])
    assessed = client.virtual_machines.begin_assess_patches("rg-src", "vm-build").result()
    assert isinstance(assessed, models.VirtualMachineAssessPatchesResult)
    assert (assessed.critical_and_security_patch_count, assessed.other_patch_count) == (3, 1)

    result = _install(client, classifications_to_include=["Critical", "Security"])
    assert isinstance(result, models.VirtualMachineInstallPatchesResult)
    assert result.status == "Succeeded"
    assert (result.installed_patch_count, result.failed_patch_count) == (3, 0)
    assert result.not_selected_patch_count == 1
    assert result.reboot_status == "Completed"  # libc6 needs a reboot; IfRequired reboots
    assert {p.name for p in result.patches if p.installation_state == "Installed"} == {
        "openssl",
        "libc6",
        "curl",
    }
    again = client.virtual_machines.begin_assess_patches("rg-src", "vm-build").result()
    assert again.critical_and_security_patch_count == 0


def test_exclusions_faults_and_reboot_never(arm_emulator: Any) -> None:
    client = _seed(arm_emulator, SECURITY, fault="failed_patches")
    result = _install(client, package_name_masks_to_exclude=["cur*"], reboot_setting="Never")
    assert result.status == "Failed"
    assert (result.failed_patch_count, result.excluded_patch_count) == (2, 1)
    assert result.error.code == "PatchInstallationFailed"

    arm_emulator.control("POST", "vm-patches", {"vm_id": VM_ID, "patches": SECURITY})
    result = _install(client, reboot_setting="Never")
    assert (result.installed_patch_count, result.reboot_status) == (3, "Required")

    arm_emulator.control(
        "POST", "vm-patches", {"vm_id": VM_ID, "patches": SECURITY, "fault": "timeout"}
    )
    result = _install(client)
    assert result.maintenance_window_exceeded is True
    assert (result.installed_patch_count, result.pending_patch_count) == (1, 2)
    assert result.status == "CompletedWithWarnings"


def test_preconditions_running_vm_and_reboot_setting(arm_emulator: Any) -> None:
    """Q7: the VM must be running (the guest agent installs); rebootSetting is required."""
    client = _seed(arm_emulator, SECURITY)
    with pytest.raises(HttpResponseError) as bad:
        client.virtual_machines.begin_install_patches(
            "rg-src", "vm-build", {"maximumDuration": "PT9H", "rebootSetting": "IfRequired"}
        )
    assert bad.value.error.code == "InvalidParameter"
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    with pytest.raises(ResourceExistsError) as refused:
        client.virtual_machines.begin_assess_patches("rg-src", "vm-build")
    assert refused.value.error.code == "OperationNotAllowed"
    assert "deallocated" in refused.value.error.message


def test_managed_run_command_reports_scripted_exit_code(arm_emulator: Any) -> None:
    """Q7: the managed run command's instance view carries exitCode and output."""
    client = _seed(
        arm_emulator, [], run_command={"exit_code": 3, "output": "step 1\nboom", "error": "bad"}
    )
    command = models.VirtualMachineRunCommand(
        location="westeurope",
        properties=models.VirtualMachineRunCommandProperties(
            source=models.VirtualMachineRunCommandScriptSource(script="echo hi"),
            protected_parameters=[models.RunCommandInputParameter(name="pw", value="s3cret")],
        ),
    )
    ops = client.virtual_machine_run_commands
    created = ops.begin_create_or_update("rg-src", "vm-build", "customize", command).result()
    assert created.properties.provisioning_state == "Succeeded"
    got = ops.get_by_virtual_machine("rg-src", "vm-build", "customize", expand="instanceView")
    view = got.properties.instance_view
    assert (view.exit_code, view.execution_state, view.output) == (3, "Failed", "step 1\nboom")
    assert "s3cret" not in str(got.as_dict())
