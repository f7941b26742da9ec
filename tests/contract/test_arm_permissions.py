"""The identity's own permissions (Permissions - List For Resource, 2022-04-01) through the
gateway against the emulator, and the preflight's role check built on them."""

from __future__ import annotations

import pytest

from activities.role_check import DEFINITION_ACTIONS, role_problems, vm_actions
from galleryflow.azure import actions as a
from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.errors import Forbidden
from galleryflow.azure.permissions import list_permissions
from galleryflow.domain.permissions import allowed, missing
from galleryflow.domain.request import PublishRequest
from sandbox.arm.testing import ArmEmulatorProcess

SUB = "77777777-2222-3333-4444-555555555555"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-src"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm1"
DEFINITION = (
    f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute"
    "/galleries/gal/images/img"
)
TOKEN = "role-check-token"


@pytest.fixture
def arm(arm_emulator: ArmEmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> ArmEmulatorProcess:
    """The session's emulator, reset, with the gateway pointed at it under its own token."""
    settings = {**arm_emulator.gateway_settings(), "GALLERYFLOW_ARM_STATIC_TOKEN": TOKEN}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    clear_client_caches()
    return arm_emulator


def _principal(arm: ArmEmulatorProcess, **spec: object) -> None:
    arm.control("POST", "principals", {"token": TOKEN, "name": "galleryflow", **spec})


def _request(**fields: object) -> PublishRequest:
    body = {
        "schema_version": 1,
        "source_vm_id": VM,
        "gallery": {"subscription_id": SUB, "resource_group": "rg-images", "name": "gal"},
        "image_definition": "img",
        "target_regions": [{"name": "westeurope"}],
        **fields,
    }
    return PublishRequest.from_dict(body)


def test_entries_per_assignment_that_covers_the_scope(arm: ArmEmulatorProcess) -> None:
    _principal(
        arm,
        actions=["Microsoft.Compute/*"],
        not_actions=[a.VM_START],
        grants=[
            {"scope": RG, "actions": [a.PERMISSIONS_READ, a.VM_START]},
            {"scope": f"/subscriptions/{SUB}/resourceGroups/other", "actions": ["*"]},
        ],
    )
    entries = list_permissions(VM)
    assert (
        entries
        == [
            {"actions": ["Microsoft.Compute/*"], "not_actions": [a.VM_START]},
            {"actions": [a.PERMISSIONS_READ, a.VM_START]},
        ]
        or [sorted(e) for e in entries] == [["actions", "not_actions"]] * 2
    )
    # the second assignment grants start although the first one's notActions exclude it
    assert allowed(a.VM_START, entries) and not missing([a.VM_DEALLOCATE, a.VM_START], entries)
    # another group's assignment does not reach this one: permissions/read is missing there
    with pytest.raises(Forbidden):
        list_permissions(f"/subscriptions/{SUB}/resourceGroups/rg-images")


def test_a_role_without_start_refuses_before_the_vm_is_touched(arm: ArmEmulatorProcess) -> None:
    _principal(arm, actions=["*"], not_actions=[a.VM_START])
    refusal, warning = role_problems(_request(), "running", DEFINITION)
    assert warning is None
    assert refusal is not None and a.VM_START in refusal and VM in refusal
    assert role_problems(_request(), "deallocated", DEFINITION) == (None, None)


def test_permissions_unreadable_is_a_warning_not_a_refusal(arm: ArmEmulatorProcess) -> None:
    _principal(arm, actions=["*"], not_actions=[a.PERMISSIONS_READ])
    refusal, warning = role_problems(_request(), "running", DEFINITION)
    assert refusal is None and warning is not None and "AuthorizationFailed" in warning


def test_what_each_publish_needs_on_the_vm() -> None:
    assert vm_actions(_request(), "deallocated") == {a.VM_READ, a.VM_DEALLOCATE}
    stopped = vm_actions(_request(generalize=True), "stopped")
    assert {a.VM_START, a.VM_POWER_OFF, a.VM_GENERALIZE} <= stopped
    patched = vm_actions(_request(patch={}, customize={"script": "echo hi"}), "deallocated")
    assert {a.VM_START, a.VM_INSTALL_PATCHES, a.RUN_COMMAND_WRITE} <= patched
    assert {a.VERSION_WRITE, a.VERSION_READ} == DEFINITION_ACTIONS


def test_rbac_matching_wildcards_case_and_not_actions() -> None:
    entries = [
        {"actions": ["microsoft.compute/virtualmachines/*"], "not_actions": ["*/start/action"]}
    ]
    assert allowed(a.VM_DEALLOCATE, entries)
    assert missing([a.VM_START, a.VM_READ, a.VERSION_WRITE], entries) == [
        a.VERSION_WRITE,
        a.VM_START,
    ]
