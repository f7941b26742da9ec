"""Replication in simulated time: speed, progress, failures and retries, restarts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "22222222-2222-3333-4444-555555555555"
TEN_REGIONS = [
    "westeurope", "northeurope", "eastus", "eastus2", "westus2",
    "uksouth", "francecentral", "swedencentral", "japaneast", "australiaeast",
]  # fmt: skip


def _captured(emulator: Any, **seed: Any) -> tuple[Any, str]:
    ids = seed_capture_scenario(emulator, SUB, **seed)
    client = emulator.compute_client(SUB)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    client.virtual_machines.generalize("rg-src", "vm-build")
    return client, ids["vm_id"]


def _create(client: Any, vm_id: str, regions: list[str], name: str = "1.0.0") -> Any:
    body = {
        "location": "westeurope",
        "properties": {
            "publishingProfile": {"targetRegions": [{"name": r} for r in regions]},
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }
    return client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", name, body
    )


def _status(client: Any, name: str = "1.0.0") -> Any:
    version = client.gallery_image_versions.get(
        "rg-images", "galProd", "ubuntu-golden", name, expand="ReplicationStatus"
    )
    return version.properties


def _by_region(props: Any) -> dict[str, tuple[str, int]]:
    return {s.region: (s.state, s.progress) for s in props.replication_status.summary}


def test_100_gb_to_ten_regions_in_seconds_with_rising_progress(arm_emulator: Any) -> None:
    started = time.monotonic()
    client, vm_id = _captured(arm_emulator, os_disk_size_gb=100)
    poller = _create(client, vm_id, TEN_REGIONS)
    seen: list[int] = []
    for _ in range(40):
        props = _status(client)
        progress = [p for _, p in _by_region(props).values()]
        seen.append(min(progress))
        if props.replication_status.aggregated_state == "Completed":
            break
        arm_emulator.control("POST", "clock", {"advance_seconds": 600})
    simulated = len(seen) * 600
    assert props.replication_status.aggregated_state == "Completed"
    assert len(props.replication_status.summary) == 10
    assert simulated >= 2 * 3600, "100 GB at the default throughput takes hours of simulated time"
    assert seen == sorted(seen) and seen[0] < seen[len(seen) // 2] < 100
    assert poller.result().properties.provisioning_state == "Succeeded"
    assert time.monotonic() - started < 15


def test_region_failure_then_retry_by_removing_and_re_adding(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST", "faults", {"kind": "replication_failure", "region": "northeurope", "times": 1}
    )
    poller = _create(client, vm_id, ["westeurope", "northeurope"])
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    props = _status(client)
    assert props.provisioning_state == "Failed"
    assert props.replication_status.aggregated_state == "Failed"
    assert _by_region(props)["North Europe"][0] == "Failed"
    assert _by_region(props)["West Europe"] == ("Completed", 100)
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert failed.value.error.code == "ReplicationFailed"

    def patch(regions: list[str]) -> Any:
        body = {
            "properties": {
                "publishingProfile": {"targetRegions": [{"name": r} for r in regions]},
                # removing a region needs the flag (default false, docs/azure-facts.md#q3)
                "safetyProfile": {"allowDeletionOfReplicatedLocations": True},
            }
        }
        # like Azure, a PATCH that restarts replication stays Updating until that ends, and
        # the SDK poller would wait for all of it: take the first answer instead
        return client.gallery_image_versions.begin_update(
            "rg-images", "galProd", "ubuntu-golden", "1.0.0", body, polling=False
        ).result()

    # the answer says Updating, as Azure's does; nothing restarted, so a GET says Succeeded
    assert patch(["westeurope"]).properties.provisioning_state == "Updating"
    assert _status(client).provisioning_state == "Succeeded"
    assert patch(["westeurope", "northeurope"]).properties.provisioning_state == "Updating"
    assert _by_region(_status(client))["North Europe"] == ("Replicating", 0)
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    props = _status(client)
    assert props.replication_status.aggregated_state == "Completed"
    assert props.provisioning_state == "Succeeded"


def test_failing_n_times_then_retry_by_re_putting_same_regions(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST", "faults", {"kind": "replication_failure", "region": "eastus", "times": 2}
    )
    _create(client, vm_id, ["westeurope", "eastus"])
    for attempt in (1, 2):
        arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
        assert _by_region(_status(client))["East US"][0] == "Failed", attempt
        _create(client, vm_id, ["westeurope", "eastus"])  # re-PUT restarts the failed region
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    assert _status(client).replication_status.aggregated_state == "Completed"


def test_slow_region_finishes_later(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator, os_disk_size_gb=64)
    arm_emulator.control(
        "POST", "faults", {"kind": "slow_region", "region": "eastus", "factor": 20}
    )
    _create(client, vm_id, ["westeurope", "eastus"])
    arm_emulator.control("POST", "clock", {"advance_seconds": 3 * 3600})
    regions = _by_region(_status(client))
    assert regions["West Europe"] == ("Completed", 100)
    assert regions["East US"][0] == "Replicating" and regions["East US"][1] < 50


def test_restart_mid_replication_continues(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator, os_disk_size_gb=100)
    _create(client, vm_id, ["westeurope", "eastus"])
    arm_emulator.control("POST", "clock", {"advance_seconds": 3600})
    before = _by_region(_status(client))
    assert all(state == "Replicating" and 0 < p < 100 for state, p in before.values())

    arm_emulator.restart()
    client = arm_emulator.compute_client(SUB)
    after = _by_region(_status(client))
    assert after == before  # the frozen clock survived the restart
    arm_emulator.control("POST", "clock", {"advance_seconds": 1800})
    later = _by_region(_status(client))
    assert all(later[r][1] > before[r][1] for r in before)
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    assert _status(client).replication_status.aggregated_state == "Completed"


@pytest.mark.parametrize("outcome", ["Failed", "Canceled"])
def test_long_running_operation_can_end_failed_or_canceled(arm_emulator: Any, outcome: str) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST",
        "faults",
        {
            "kind": "lro_outcome",
            "method": "PUT",
            "path": "/versions/",
            "outcome": outcome,
            "times": 1,
        },
    )
    with pytest.raises(HttpResponseError) as ended:
        _create(client, vm_id, ["westeurope"]).result()
    assert outcome.lower() in str(ended.value).lower()
    assert _status(client).provisioning_state == outcome
