"""The ARM emulator's core flow through the real azure-mgmt-compute client."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "11111111-2222-3333-4444-555555555555"


def _version_body(vm_id: str, regions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {
            "publishingProfile": {
                "targetRegions": regions or [{"name": "westeurope", "regionalReplicaCount": 2}],
                "excludeFromLatest": True,
            },
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }


def test_vm_power_transitions_and_generalize(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = arm_emulator.compute_client(SUB)
    vm = client.virtual_machines.get("rg-src", "vm-build", expand="instanceView")
    codes = [s.code for s in vm.properties.instance_view.statuses]
    assert "PowerState/running" in codes

    # polling=False: a polling SDK would finish the operation (2 status polls) at once
    client.virtual_machines.begin_deallocate("rg-src", "vm-build", polling=False)
    during = [s.code for s in client.virtual_machines.instance_view("rg-src", "vm-build").statuses]
    assert "PowerState/deallocating" in during
    arm_emulator.control("POST", "clock", {"advance_seconds": 30})
    view = client.virtual_machines.instance_view("rg-src", "vm-build")
    assert "PowerState/deallocated" in [s.code for s in view.statuses]

    client.virtual_machines.generalize("rg-src", "vm-build")
    view = client.virtual_machines.instance_view("rg-src", "vm-build")
    assert "OSState/generalized" in [s.code for s in view.statuses]

    with pytest.raises(ResourceExistsError) as refused:
        client.virtual_machines.begin_start("rg-src", "vm-build").result()
    assert refused.value.error.code == "OperationNotAllowed"


def test_power_transition_takes_simulated_time(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = arm_emulator.compute_client(SUB)
    client.virtual_machines.begin_power_off("rg-src", "vm-build", polling=False)
    codes = [s.code for s in client.virtual_machines.instance_view("rg-src", "vm-build").statuses]
    assert "PowerState/stopping" in codes
    arm_emulator.control("POST", "clock", {"advance_seconds": 31})
    codes = [s.code for s in client.virtual_machines.instance_view("rg-src", "vm-build").statuses]
    assert "PowerState/stopped" in codes


def test_capture_replicate_patch_list_delete(arm_emulator: Any) -> None:
    ids = seed_capture_scenario(arm_emulator, SUB, os_disk_size_gb=64)
    client = arm_emulator.compute_client(SUB)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    client.virtual_machines.generalize("rg-src", "vm-build")
    regions = [
        {"name": "westeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
        {"name": "North Europe", "regionalReplicaCount": 1},
    ]
    poller = client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0", _version_body(ids["vm_id"], regions)
    )
    version = client.gallery_image_versions.get(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0", expand="ReplicationStatus"
    )
    assert version.properties.provisioning_state == "Creating"
    assert version.properties.replication_status.aggregated_state == "InProgress"
    assert {s.region for s in version.properties.replication_status.summary} == {
        "West Europe",
        "North Europe",
    }

    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    done = poller.result()
    assert done.properties.provisioning_state == "Succeeded"
    profile = done.properties.publishing_profile
    assert profile.exclude_from_latest is True
    assert [
        (t.name, t.regional_replica_count, t.storage_account_type) for t in profile.target_regions
    ] == [
        ("West Europe", 2, "Standard_ZRS"),
        ("North Europe", 1, "Standard_LRS"),
    ]
    assert done.properties.storage_profile.os_disk_image.size_in_gb == 64

    updated = client.gallery_image_versions.begin_update(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0",
        {"properties": {"publishingProfile": {"excludeFromLatest": False}}},
    ).result()  # fmt: skip
    assert updated.properties.publishing_profile.exclude_from_latest is False

    listed = client.gallery_image_versions.list_by_gallery_image(
        "rg-images", "galProd", "ubuntu-golden"
    )
    assert [v.name for v in listed] == ["1.0.0"]

    with pytest.raises(ResourceExistsError) as nested:
        client.gallery_images.begin_delete("rg-images", "galProd", "ubuntu-golden").result()
    assert nested.value.error.code == "CannotDeleteResource"

    client.gallery_image_versions.begin_delete(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0"
    ).result()
    with pytest.raises(ResourceNotFoundError):
        client.gallery_image_versions.get("rg-images", "galProd", "ubuntu-golden", "1.0.0")


def test_capturing_a_running_vm_is_refused(arm_emulator: Any) -> None:
    ids = seed_capture_scenario(arm_emulator, SUB, os_state="Specialized")
    client = arm_emulator.compute_client(SUB)
    with pytest.raises(ResourceExistsError) as refused:
        client.gallery_image_versions.begin_create_or_update(
            "rg-images", "galProd", "ubuntu-golden", "1.0.0", _version_body(ids["vm_id"])
        )
    assert refused.value.error.code == "OperationNotAllowed"
    assert "Deallocate" in refused.value.error.message


def test_clock_never_moves_backwards(arm_emulator: Any) -> None:
    before = arm_emulator.control("GET", "clock")
    arm_emulator.control("POST", "clock", {"now": "2001-01-01T00:00:00Z"})
    assert arm_emulator.control("GET", "clock")["now"] == before["now"]
    after = arm_emulator.control("POST", "clock", {"now": "2099-01-01T00:00:00Z"})
    assert after["now"].startswith("2099-01-01T00:00:00")


def test_missing_api_version_is_rejected(arm_emulator: Any) -> None:
    import requests

    response = requests.get(
        f"{arm_emulator.url}/subscriptions/{SUB}/providers/Microsoft.Compute/galleries",
        headers={"Authorization": f"Bearer {arm_emulator.token}"},
        verify=str(arm_emulator.ca_file),
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_version_errors_are_http_errors_with_arm_codes(arm_emulator: Any) -> None:
    ids = seed_capture_scenario(arm_emulator, SUB)
    client = arm_emulator.compute_client(SUB)
    with pytest.raises(HttpResponseError) as bad_name:
        client.gallery_image_versions.begin_create_or_update(
            "rg-images", "galProd", "ubuntu-golden", "1.0", _version_body(ids["vm_id"])
        )
    assert bad_name.value.status_code == 400
    assert bad_name.value.error.code == "InvalidParameter"


def test_a_silent_or_plain_http_client_does_not_stall_the_server(arm_emulator: Any) -> None:
    import socket

    port = int(arm_emulator.url.rsplit(":", 1)[1])
    silent = socket.create_connection(("127.0.0.1", port))
    plain = socket.create_connection(("127.0.0.1", port))
    try:
        plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        client = arm_emulator.compute_client(SUB)
        assert list(client.galleries.list()) == []
    finally:
        silent.close()
        plain.close()


def test_unknown_paths_and_methods_are_4xx_arm_errors(arm_emulator: Any) -> None:
    import requests

    def call(method: str, path: str) -> requests.Response:
        return requests.request(
            method,
            f"{arm_emulator.url}{path}?api-version=2026-03-03",
            headers={"Authorization": f"Bearer {arm_emulator.token}"},
            verify=str(arm_emulator.ca_file),
            timeout=10,
        )

    unknown = call("GET", f"/subscriptions/{SUB}/providers/Microsoft.Compute/snapshots")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "InvalidResourceType"
    wrong = call("POST", f"/subscriptions/{SUB}/providers/Microsoft.Compute/galleries")
    assert wrong.status_code == 405
    assert "GET" in wrong.json()["error"]["message"]


def test_the_async_client_works_too(arm_emulator: Any) -> None:
    import asyncio
    import time

    from azure.core.credentials import AccessToken
    from azure.mgmt.compute.aio import ComputeManagementClient

    ids = seed_capture_scenario(arm_emulator, SUB)

    class AsyncToken:
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken(arm_emulator.token, int(time.time()) + 3600)

        async def close(self) -> None:
            return None

    async def flow() -> Any:
        async with ComputeManagementClient(
            AsyncToken(),  # type: ignore[arg-type]
            SUB,
            base_url=arm_emulator.url,
            connection_verify=str(arm_emulator.ca_file),
            polling_interval=0,
        ) as client:
            poller = await client.virtual_machines.begin_deallocate("rg-src", "vm-build")
            await poller.result()
            await client.virtual_machines.generalize("rg-src", "vm-build")
            await client.gallery_image_versions.begin_create_or_update(
                "rg-images", "galProd", "ubuntu-golden", "2.0.0", _version_body(ids["vm_id"])
            )
            return await client.gallery_image_versions.get(
                "rg-images", "galProd", "ubuntu-golden", "2.0.0", expand="ReplicationStatus"
            )

    version = asyncio.run(flow())
    assert version.properties.replication_status.aggregated_state == "InProgress"


def test_reset_forgets_everything_and_can_restart_the_clock(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control("POST", "clock", {"advance_seconds": 10 * 365 * 86400})
    kept = arm_emulator.control("POST", "reset")
    assert kept["clock"]["now"] >= "2035"
    assert list(arm_emulator.compute_client(SUB).virtual_machines.list_all()) == []
    fresh = arm_emulator.control("POST", "reset", {"clock": "wall"})
    assert fresh["clock"]["now"] < kept["clock"]["now"]
    assert fresh["clock"]["scale"] == 0
    with pytest.raises(RuntimeError, match="400"):
        arm_emulator.control("POST", "reset", {"clock": "yesterday"})


def test_lists_are_paged_and_the_sdk_follows_next_link(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    for name in ("vm-a", "vm-b", "vm-c", "vm-d"):
        arm_emulator.control(
            "POST",
            "vms",
            {
                "subscription_id": SUB,
                "resource_group": "rg-src",
                "name": name,
                "location": "westeurope",
            },
        )
    arm_emulator.control("POST", "settings", {"page_size": 2})
    client = arm_emulator.compute_client(SUB)
    names = [vm.name for vm in client.virtual_machines.list("rg-src")]
    assert names == ["vm-a", "vm-b", "vm-build", "vm-c", "vm-d"]
    lists = [
        r
        for r in arm_emulator.control("GET", "requests")["requests"]
        if r["path"].endswith("/virtualMachines")
    ]
    assert len(lists) == 3
    with pytest.raises(RuntimeError, match="page_size"):
        arm_emulator.control("POST", "settings", {"page_size": 0})
