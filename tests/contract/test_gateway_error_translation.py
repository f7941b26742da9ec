"""ARM failures as the real SDK raises them, translated into the gateway's error tree.

Faults, principals and throttling come from the ARM emulator's control API; the gateway
talks to it over HTTPS with the real ComputeManagementClient.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from galleryflow.azure import actions, compute
from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.errors import (
    Conflict,
    Forbidden,
    GatewayError,
    NotFound,
    Throttled,
    Transient,
)
from sandbox.arm.testing import ArmEmulatorProcess, start_arm_emulator

SUB = "99999999-2222-3333-4444-555555555555"
GALLERY = {"subscription_id": SUB, "resource_group": "rg-images", "name": "gal"}
VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/virtualMachines/vm1"
)
VERSION_PATH = "/galleries/gal/images/ubuntu/versions/1.0.0"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmEmulatorProcess]:
    process = start_arm_emulator(Path(tmp_path_factory.mktemp("arm")))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def arm(emulator: ArmEmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> ArmEmulatorProcess:
    emulator.control("POST", "reset")
    for name, value in emulator.gateway_settings().items():
        monkeypatch.setenv(name, value)
    where = {"subscription_id": SUB, "location": "westeurope"}
    emulator.control("POST", "vms", {**where, "resource_group": "rg-src", "name": "vm1"})
    emulator.control("POST", "galleries", {**where, "resource_group": "rg-images", "name": "gal"})
    emulator.control(
        "POST",
        "images",
        {**GALLERY, "gallery": "gal", "name": "ubuntu", "os_state": "Specialized"},
    )
    yield emulator
    clear_client_caches()


def _fault(arm: ArmEmulatorProcess, **spec) -> None:
    arm.control("POST", "faults", {"kind": "http", **spec})


def _use_principal(arm, monkeypatch, token: str, allowed: list[str]) -> None:
    arm.control("POST", "principals", {"token": token, "name": token, "actions": allowed})
    monkeypatch.setenv("GALLERYFLOW_ARM_STATIC_TOKEN", token)


def _capture() -> dict:
    compute.deallocate_vm(VM_ID)
    return compute.begin_create_version(
        GALLERY,
        "ubuntu",
        "1.0.0",
        VM_ID,
        [{"name": "westeurope", "replica_count": 1}],
        None,
        None,
        None,
    )


def test_403_names_the_missing_action_and_scope(arm, monkeypatch):
    _use_principal(
        arm, monkeypatch, "no-version-write", sorted(actions.ARM_ACTIONS - {actions.VERSION_WRITE})
    )
    with pytest.raises(Forbidden) as caught:
        _capture()
    error = caught.value
    assert (error.status, error.code) == (403, "AuthorizationFailed")
    assert error.action == actions.VERSION_WRITE
    assert error.scope is not None and error.scope.endswith(VERSION_PATH)
    assert not error.retryable
    rebuilt = GatewayError.from_dict(error.to_dict())
    assert isinstance(rebuilt, Forbidden) and rebuilt.action == actions.VERSION_WRITE


def test_linked_authorization_failure_names_the_linked_action(arm):
    linked = "/subscriptions/other/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
    _fault(
        arm,
        status=403,
        code="LinkedAuthorizationFailed",
        method="PUT",
        path="/versions/",
        message=(
            "The client 'x' has permission to perform action "
            f"'{actions.VERSION_WRITE}' on scope '{VERSION_PATH}'; however, it does not have "
            f"permission to perform action(s) '{actions.VM_READ}' on the linked scope(s) "
            f"'{linked}' (respectively) or the linked scope(s) are invalid."
        ),
    )
    with pytest.raises(Forbidden) as caught:
        _capture()
    assert caught.value.code == "LinkedAuthorizationFailed"
    assert (caught.value.action, caught.value.scope) == (actions.VM_READ, linked)


def test_exactly_arm_actions_is_enough_for_a_whole_publish(arm, monkeypatch):
    """A principal holding only ARM_ACTIONS can run every gateway call of a publish."""
    _use_principal(arm, monkeypatch, "least-privilege", sorted(actions.ARM_ACTIONS))
    assert compute.get_vm(VM_ID)["power_state"] == "running"
    compute.get_gallery(GALLERY)
    compute.get_usages(SUB, "westeurope")
    compute.find_image_references(SUB)
    _capture()
    arm.control("POST", "clock", {"advance_seconds": 10 * 86400})
    assert compute.get_replication(GALLERY, "ubuntu", "1.0.0")["aggregated_state"] == "Completed"
    compute.set_exclude_from_latest(GALLERY, "ubuntu", "1.0.0", False, {"westeurope": False})
    compute.start_vm(VM_ID)
    compute.list_versions(GALLERY, "ubuntu")
    compute.delete_version(GALLERY, "ubuntu", "1.0.0")
    denied = [r for r in arm.control("GET", "requests")["requests"] if r["status"] == 403]
    assert denied == []


def test_invalid_token_is_forbidden_without_an_action(arm, monkeypatch):
    monkeypatch.setenv("GALLERYFLOW_ARM_STATIC_TOKEN", "not-registered")
    with pytest.raises(Forbidden) as caught:
        compute.get_vm(VM_ID)
    assert caught.value.status == 401 and caught.value.action is None
    assert "not-registered" not in str(caught.value.to_dict())


def test_429_carries_retry_after(arm):
    _fault(arm, status=429, retry_after=17, method="GET", path="/virtualMachines/vm1$")
    with pytest.raises(Throttled) as caught:
        compute.get_vm(VM_ID)
    error = caught.value
    assert (error.status, error.code, error.retry_after_seconds) == (429, "TooManyRequests", 17)
    assert error.retryable
    assert error.to_dict()["retry_after_seconds"] == 17


def test_azure_core_retries_429_and_503_before_the_gateway_sees_them(arm, monkeypatch):
    monkeypatch.setenv("GALLERYFLOW_ARM_RETRY_TOTAL", "3")
    _fault(arm, status=429, retry_after=0, method="GET", path="/virtualMachines/vm1$", times=1)
    _fault(arm, status=503, method="GET", path="/virtualMachines/vm1$", times=1)
    assert compute.get_vm(VM_ID)["name"] == "vm1"
    gets = [
        r["status"]
        for r in arm.control("GET", "requests")["requests"]
        if r["method"] == "GET" and r["path"].endswith("/virtualMachines/vm1")
    ]
    assert gets == [429, 503, 200]


def test_a_long_retry_after_is_handed_back_not_slept_in_the_activity(arm, monkeypatch):
    # azure-core would sleep the whole Retry-After inside the call; above the cap the gateway
    # raises at once so the orchestrator can wait on a durable timer instead.
    monkeypatch.setenv("GALLERYFLOW_ARM_RETRY_TOTAL", "3")
    _fault(arm, status=429, retry_after=120, method="GET", path="/virtualMachines/vm1$", times=1)
    with pytest.raises(Throttled) as caught:
        compute.get_vm(VM_ID)
    assert caught.value.retry_after_seconds == 120
    gets = [
        r["status"]
        for r in arm.control("GET", "requests")["requests"]
        if r["method"] == "GET" and r["path"].endswith("/virtualMachines/vm1")
    ]
    assert gets == [429]
    assert compute.get_vm(VM_ID)["name"] == "vm1"


def test_409_conflicting_operation_is_a_retryable_conflict(arm):
    _fault(
        arm,
        status=409,
        method="POST",
        path="/deallocate$",
        message="Another operation is in progress.",
    )
    with pytest.raises(Conflict) as caught:
        compute.deallocate_vm(VM_ID)
    assert caught.value.code == "OperationNotAllowed" and caught.value.retryable
    assert caught.value.resource == VM_ID


def test_5xx_is_transient(arm):
    _fault(arm, status=500, method="GET", path="/images/ubuntu$")
    with pytest.raises(Transient) as caught:
        compute.get_image_definition(GALLERY, "ubuntu")
    assert caught.value.status == 500 and caught.value.retryable


def test_failed_and_canceled_long_running_operations(arm):
    arm.control(
        "POST", "faults", {"kind": "lro_outcome", "outcome": "Failed", "path": "/deallocate$"}
    )
    with pytest.raises(Transient) as failed:
        compute.deallocate_vm(VM_ID)
    assert failed.value.code == "InternalOperationError" and failed.value.retryable
    arm.control("DELETE", "faults")
    arm.control("POST", "faults", {"kind": "lro_outcome", "outcome": "Canceled", "path": "/start$"})
    compute.power_off_vm(VM_ID)
    with pytest.raises(GatewayError) as canceled:
        compute.start_vm(VM_ID)
    assert canceled.value.code == "OperationCanceled" and not canceled.value.retryable


def test_missing_version_is_not_found(arm):
    with pytest.raises(NotFound) as caught:
        compute.get_replication(GALLERY, "ubuntu", "9.9.9")
    assert caught.value.resource.endswith("/versions/9.9.9")


def test_untrusted_tls_certificate_is_a_clear_permanent_error(arm, monkeypatch, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("GALLERYFLOW_ARM_CA_BUNDLE", str(other_ca))
    with pytest.raises(GatewayError) as caught:
        compute.get_vm(VM_ID)
    assert caught.value.code == "TlsVerificationFailed" and not caught.value.retryable
    assert "GALLERYFLOW_ARM_CA_BUNDLE" in caught.value.message
