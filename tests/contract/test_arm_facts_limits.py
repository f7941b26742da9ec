"""docs/azure-facts.md#q4 through the real SDK: 1..50 replicas per region (400
InvalidParameter "out of range"), at most 100 over all regions of a version (409 QuotaExceeded)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from sandbox.arm import facts_testing as f

SUB = "11111111-aaaa-4bbb-8ccc-000000000044"
DAY = 24 * 3600


def _regions(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": name, "regionalReplicaCount": n} for name, n in counts.items()]


@pytest.mark.parametrize(
    ("regions", "publishing", "path"),
    [
        ({"westeurope": 51}, {}, "targetRegions[0].regionalReplicaCount"),
        ({"westeurope": 0}, {}, "targetRegions[0].regionalReplicaCount"),
        ({"westeurope": 1, "eastus": 60}, {}, "targetRegions[1].regionalReplicaCount"),
        ({"westeurope": 1}, {"replicaCount": 51}, "publishingProfile.replicaCount"),
    ],
)
def test_q4_replicas_per_region_out_of_range(
    arm_emulator: Any, regions: dict[str, int], publishing: dict[str, Any], path: str
) -> None:
    """azure-facts Q4: regionalReplicaCount and replicaCount must be 1..50."""
    client, vm_id = f.captured(arm_emulator, SUB)
    payload = f.body({"virtualMachineId": vm_id}, _regions(regions), publishingProfile=publishing)
    with pytest.raises(HttpResponseError) as refused:
        f.create(client, "1.0.0", payload)
    assert refused.value.status_code == 400
    assert refused.value.error.code == "InvalidParameter"
    assert "is out of range. The value must be between 1 and 50, inclusive" in (
        refused.value.error.message
    )
    assert path in refused.value.error.message


def test_q4_replicas_per_version_over_all_regions(arm_emulator: Any) -> None:
    """azure-facts Q4: no cap on the sum by default (120 replicas over three regions pass);
    with the strict `replicas_per_version` quota set to 100, the sum is capped on create and
    on update."""
    client, vm_id = f.captured(arm_emulator, SUB)
    assert f.create(
        client,
        "0.9.0",
        f.body(
            {"virtualMachineId": vm_id},
            _regions({"westeurope": 40, "northeurope": 40, "eastus": 40}),
        ),
    )
    f.advance(arm_emulator, DAY)
    arm_emulator.control("POST", "quotas", {"limits": {"replicas_per_version": 100}})
    too_many = _regions({"westeurope": 34, "northeurope": 34, "eastus": 34})
    with pytest.raises(ResourceExistsError) as refused:
        f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, too_many))
    assert refused.value.error.code == "QuotaExceeded"
    assert "Maximum allowed: 100, requested: 102" in refused.value.error.message

    at_limit = _regions({"westeurope": 50, "northeurope": 50})
    assert f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, at_limit))
    f.advance(arm_emulator, DAY)
    grown = {"publishingProfile": {"targetRegions": [*at_limit, {"name": "eastus"}]}}
    with pytest.raises(ResourceExistsError) as update_refused:
        f.patch(client, "1.0.0", grown)
    assert update_refused.value.error.code == "QuotaExceeded"
    assert f.status(client, "1.0.0").provisioning_state == "Succeeded"  # all or nothing
