"""The emulator authorizes long-running-operation status polls like Azure: as
Microsoft.Compute/locations/operations/read, 403 AuthorizationFailed without it."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "44444444-2222-3333-4444-555555555555"
OPERATION_READ = "Microsoft.Compute/locations/operations/read"
DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"


def _principal(emulator: Any, token: str, actions: list[str]) -> Any:
    emulator.control("POST", "principals", {"token": token, "name": token, "actions": actions})
    return emulator.compute_client(SUB, token=token)


def _polls(emulator: Any, token: str) -> list[dict[str, Any]]:
    logged = emulator.control("GET", "requests")["requests"]
    return [r for r in logged if r.get("principal") == token and "/operations/" in r["path"]]


def test_poll_without_operations_read_is_403_naming_the_action(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _principal(arm_emulator, "no-poll", [DEALLOCATE])
    poller = client.virtual_machines.begin_deallocate("rg-src", "vm-build")
    with pytest.raises(HttpResponseError) as denied:
        poller.result()
    assert denied.value.status_code == 403
    assert denied.value.error.code == "AuthorizationFailed"
    assert OPERATION_READ in denied.value.error.message
    assert f"/subscriptions/{SUB}/providers/Microsoft.Compute/locations/" in (
        denied.value.error.message
    )
    polls = _polls(arm_emulator, "no-poll")
    assert polls and all(p["action"] == OPERATION_READ and p["status"] == 403 for p in polls)


def test_poll_with_operations_read_succeeds_and_is_logged_as_that_action(
    arm_emulator: Any,
) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = _principal(arm_emulator, "poller", [DEALLOCATE, OPERATION_READ])
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    polls = _polls(arm_emulator, "poller")
    assert polls and {p["action"] for p in polls} == {OPERATION_READ}
    assert {p["status"] for p in polls} == {200}
