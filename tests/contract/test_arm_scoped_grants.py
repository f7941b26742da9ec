"""Scope-aware principals: a grant applies at and below its scope only (like an Azure role
assignment), so resource-group vs subscription assignments can be verified."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "55555555-2222-3333-4444-555555555555"
OTHER_SUB = "66666666-2222-3333-4444-555555555555"
GALLERY_READ = "Microsoft.Compute/galleries/read"
VM_READ = "Microsoft.Compute/virtualMachines/read"
DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"
OPERATION_READ = "Microsoft.Compute/locations/operations/read"


def _client(emulator: Any, token: str, grants: list[dict[str, Any]]) -> Any:
    emulator.control("POST", "principals", {"token": token, "name": token, "grants": grants})
    return emulator.compute_client(SUB, token=token)


def _denied(call: Any) -> str:
    with pytest.raises(HttpResponseError) as denied:
        call()
    assert denied.value.status_code == 403
    assert denied.value.error.code == "AuthorizationFailed"
    return str(denied.value.error.message)


def test_resource_group_grant_covers_only_that_group(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    # lower-case 'resourcegroups': ARM scopes compare case-insensitively
    images = f"/subscriptions/{SUB}/resourcegroups/RG-IMAGES"
    client = _client(
        arm_emulator, "rg-reader", [{"scope": images, "actions": [GALLERY_READ, VM_READ]}]
    )
    assert client.galleries.get("rg-images", "galProd").name == "galProd"
    message = _denied(lambda: client.virtual_machines.get("rg-src", "vm-build"))
    assert VM_READ in message and "/resourceGroups/rg-src/" in message
    # a subscription-wide list is above the group's scope
    _denied(lambda: list(client.virtual_machines.list_all()))


def test_a_scope_is_a_path_prefix_by_whole_segments(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _client(
        arm_emulator,
        "rg-prefix",
        [{"scope": f"/subscriptions/{SUB}/resourceGroups/rg", "actions": ["*"]}],
    )
    _denied(lambda: client.galleries.get("rg-images", "galProd"))


def test_subscription_grant_covers_its_groups_lists_and_operation_polls(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _client(
        arm_emulator,
        "sub-grant",
        [
            {"scope": f"/subscriptions/{SUB}/resourceGroups/rg-src", "actions": [DEALLOCATE]},
            {"scope": f"/subscriptions/{SUB}", "actions": [VM_READ, OPERATION_READ]},
        ],
    )
    assert [vm.name for vm in client.virtual_machines.list_all()] == ["vm-build"]
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    assert client.virtual_machines.get("rg-src", "vm-build").name == "vm-build"


def test_operation_poll_needs_the_read_at_subscription_scope(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    group = f"/subscriptions/{SUB}/resourceGroups/rg-src"
    client = _client(
        arm_emulator, "rg-only", [{"scope": group, "actions": [DEALLOCATE, OPERATION_READ]}]
    )
    poller = client.virtual_machines.begin_deallocate("rg-src", "vm-build")
    message = _denied(poller.result)
    assert OPERATION_READ in message and f"/subscriptions/{SUB}/providers/" in message


def test_grant_in_another_subscription_does_not_apply(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _client(
        arm_emulator, "elsewhere", [{"scope": f"/subscriptions/{OTHER_SUB}", "actions": ["*"]}]
    )
    _denied(lambda: client.galleries.get("rg-images", "galProd"))


def test_grant_not_actions_subtract_within_the_grant(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _client(
        arm_emulator,
        "no-vm",
        [
            {
                "scope": f"/subscriptions/{SUB}",
                "actions": ["*"],
                "not_actions": ["*/virtualMachines/*"],
            }
        ],
    )
    assert client.galleries.get("rg-images", "galProd").name == "galProd"
    _denied(lambda: client.virtual_machines.get("rg-src", "vm-build"))


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ({"grants": {"scope": "/subscriptions/x"}}, "must be a list"),
        ({"grants": ["x"]}, "grants\\[0\\] must be an object"),
        ({"grants": [{"scope": "rg-images", "actions": ["*"]}]}, "grants\\[0\\].scope"),
        ({"grants": [{"scope": "/subscriptions/x", "actions": "*"}]}, "grants\\[0\\].actions"),
        ({}, "Give 'actions', 'grants' or both"),
    ],
)
def test_bad_grants_are_400_saying_what_to_send(
    arm_emulator: Any, spec: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(RuntimeError, match="400") as refused:
        arm_emulator.control("POST", "principals", {"token": "t", "name": "t", **spec})
    assert refused.match(complaint)
