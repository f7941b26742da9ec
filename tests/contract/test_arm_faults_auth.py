"""Fault injection, throttling, authentication, authorization and the request log."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)

from sandbox.arm.seeding import seed_capture_scenario

SUB = "33333333-2222-3333-4444-555555555555"
GALLERY_PATH = "/galleries/galProd$"


def _log(emulator: Any, path_end: str) -> list[dict[str, Any]]:
    return [
        r for r in emulator.control("GET", "requests")["requests"] if r["path"].endswith(path_end)
    ]


def test_429_carries_retry_after_and_the_sdk_honours_it(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "faults",
        {"method": "GET", "path": GALLERY_PATH, "status": 429, "retry_after": 1, "times": 1},
    )
    gallery = arm_emulator.compute_client(SUB).galleries.get("rg-images", "galProd")
    assert gallery.name == "galProd"
    attempts = _log(arm_emulator, "/galleries/galProd")
    assert [a["status"] for a in attempts] == [429, 200]
    assert attempts[1]["wall_time"] - attempts[0]["wall_time"] >= 0.9


def test_429_details_reach_the_caller_when_retries_are_off(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST", "faults", {"method": "GET", "path": GALLERY_PATH, "status": 429, "retry_after": 7}
    )
    client = arm_emulator.compute_client(SUB, retry_total=0)
    with pytest.raises(HttpResponseError) as throttled:
        client.galleries.get("rg-images", "galProd")
    assert throttled.value.status_code == 429
    assert throttled.value.error.code == "TooManyRequests"
    headers = throttled.value.response.headers
    assert headers["Retry-After"] == "7"
    assert headers["x-ms-ratelimit-remaining-resource"].startswith("Microsoft.Compute/")


@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalServerError"), (503, "ServiceUnavailable")]
)
def test_injected_server_errors(arm_emulator: Any, status: int, code: str) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control("POST", "faults", {"path": GALLERY_PATH, "status": status, "times": 1})
    with pytest.raises(HttpResponseError) as failed:
        arm_emulator.compute_client(SUB, retry_total=0).galleries.get("rg-images", "galProd")
    assert failed.value.status_code == status
    assert failed.value.error.code == code
    # the rule fired once; the default client retries past a single transient error
    assert arm_emulator.compute_client(SUB).galleries.get("rg-images", "galProd").name == "galProd"


def test_injected_conflicting_operation(arm_emulator: Any) -> None:
    ids = seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "faults",
        {"method": "PUT", "path": "/versions/", "status": 409, "code": "OperationNotAllowed",
         "message": "Another operation on this or dependent resource is in progress."},
    )  # fmt: skip
    body = {
        "location": "westeurope",
        "properties": {"storageProfile": {"source": {"virtualMachineId": ids["vm_id"]}}},
    }
    with pytest.raises(ResourceExistsError) as conflict:
        arm_emulator.compute_client(SUB).gallery_image_versions.begin_create_or_update(
            "rg-images", "galProd", "ubuntu-golden", "1.0.0", body
        )
    assert conflict.value.error.code == "OperationNotAllowed"


def test_vm_action_during_a_transition_is_a_conflict(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = arm_emulator.compute_client(SUB)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build", polling=False)
    with pytest.raises(ResourceExistsError) as conflict:
        client.virtual_machines.begin_start("rg-src", "vm-build")
    assert conflict.value.error.code == "OperationNotAllowed"


def test_unknown_token_is_401(arm_emulator: Any) -> None:
    client = arm_emulator.compute_client(SUB, token="nobody")
    with pytest.raises(ClientAuthenticationError) as denied:
        list(client.galleries.list_by_resource_group("rg-images"))
    assert denied.value.error.code == "InvalidAuthenticationToken"


def test_action_outside_the_principal_is_403_naming_action_and_scope(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "principals",
        {"token": "reader-token", "name": "reader", "actions": ["Microsoft.Compute/*/read"]},
    )
    client = arm_emulator.compute_client(SUB, token="reader-token")
    assert client.galleries.get("rg-images", "galProd").name == "galProd"
    with pytest.raises(HttpResponseError) as denied:
        client.virtual_machines.begin_deallocate("rg-src", "vm-build")
    assert denied.value.status_code == 403
    assert denied.value.error.code == "AuthorizationFailed"
    message = denied.value.error.message
    assert "Microsoft.Compute/virtualMachines/deallocate/action" in message
    assert "/resourceGroups/rg-src/providers/Microsoft.Compute/virtualMachines/vm-build" in message
    entry = _log(arm_emulator, "/vm-build/deallocate")[-1]
    assert entry["principal"] == "reader"
    assert entry["action"] == "Microsoft.Compute/virtualMachines/deallocate/action"
    assert entry["status"] == 403
    assert entry["api_version"]


def test_not_actions_subtract_from_wildcards(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "principals",
        {"token": "no-delete", "name": "no-delete", "actions": ["*"], "not_actions": ["*/delete"]},
    )
    client = arm_emulator.compute_client(SUB, token="no-delete")
    with pytest.raises(HttpResponseError) as denied:
        client.gallery_images.begin_delete("rg-images", "galProd", "ubuntu-golden")
    assert denied.value.error.code == "AuthorizationFailed"


def test_request_rate_throttle_per_principal(arm_emulator: Any) -> None:
    arm_emulator.control(
        "POST",
        "principals",
        {"token": "busy", "name": "busy", "actions": ["*"],
         "rate_limit": {"requests": 2, "window_seconds": 30}},
    )  # fmt: skip
    client = arm_emulator.compute_client(SUB, token="busy", retry_total=0)
    for _ in range(2):
        list(client.galleries.list())
    with pytest.raises(HttpResponseError) as throttled:
        list(client.galleries.list())
    assert throttled.value.status_code == 429
    assert 0 < int(throttled.value.response.headers["Retry-After"]) <= 30
    # other principals are not affected
    assert list(arm_emulator.compute_client(SUB).galleries.list()) == []


def test_fault_rules_validate_their_input(arm_emulator: Any) -> None:
    with pytest.raises(RuntimeError, match="400"):
        arm_emulator.control("POST", "faults", {"status": 200})
    with pytest.raises(RuntimeError, match="region"):
        arm_emulator.control("POST", "faults", {"kind": "replication_failure", "region": "mars"})
    rule = arm_emulator.control("POST", "faults", {"status": 503, "path": "x"})
    arm_emulator.control("DELETE", f"faults/{rule['id']}")
    assert arm_emulator.control("GET", "faults")["faults"] == []


def test_probabilistic_faults_are_seeded_and_repeatable(arm_emulator: Any) -> None:
    def run() -> list[int]:
        seed_capture_scenario(arm_emulator, SUB)
        arm_emulator.control(
            "POST", "faults", {"path": GALLERY_PATH, "status": 503, "probability": 0.5}
        )
        client = arm_emulator.compute_client(SUB, retry_total=0)
        statuses = []
        for _ in range(12):
            try:
                client.galleries.get("rg-images", "galProd")
                statuses.append(200)
            except HttpResponseError as error:
                statuses.append(error.status_code)
        arm_emulator.control("POST", "reset")
        return statuses

    first = run()
    assert set(first) == {200, 503}
    assert run() == first


def test_a_vm_action_can_end_failed_and_leaves_the_vm_as_it_was(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "faults",
        {"kind": "lro_outcome", "path": "/deallocate$", "outcome": "Failed", "times": 1},
    )
    client = arm_emulator.compute_client(SUB)
    with pytest.raises(HttpResponseError) as failed:
        client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    assert "InternalOperationError" in str(failed.value)
    codes = [s.code for s in client.virtual_machines.instance_view("rg-src", "vm-build").statuses]
    assert "PowerState/running" in codes
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()


def test_reset_drops_the_request_unanswered(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control("POST", "faults", {"kind": "reset", "path": GALLERY_PATH, "times": 1})
    client = arm_emulator.compute_client(SUB, retry_total=0)
    with pytest.raises((ServiceRequestError, ServiceResponseError)):  # "Connection aborted"
        client.galleries.get("rg-images", "galProd")
    assert client.galleries.get("rg-images", "galProd").name == "galProd"
    assert [a["status"] for a in _log(arm_emulator, "/galleries/galProd")] == [0, 200]


def test_delay_answers_after_the_client_gave_up(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST", "faults", {"kind": "delay", "seconds": 2, "path": GALLERY_PATH, "times": 1}
    )
    client = arm_emulator.compute_client(SUB, retry_total=0, read_timeout=1)
    with pytest.raises(ServiceResponseError):
        client.galleries.get("rg-images", "galProd")
    assert [a["status"] for a in _log(arm_emulator, "/galleries/galProd")] == [200]  # served
