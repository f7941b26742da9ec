"""docs/azure-facts.md#q1 and #q2 through the real SDK: no update of a version while it is
Creating/Updating, when the state becomes terminal, and which concurrent writes are refused."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from sandbox.arm import facts_testing as f

SUB = "11111111-aaaa-4bbb-8ccc-000000000011"
DAY = 24 * 3600


def _refused_busy(call: Any, state: str) -> None:
    with pytest.raises(ResourceExistsError) as refused:
        call()
    assert refused.value.status_code == 409
    assert refused.value.error.code == "OperationNotAllowed"
    assert f"provisioning state is '{state}'" in refused.value.error.message


def test_q1_update_refused_while_creating_and_updating(arm_emulator: Any) -> None:
    """azure-facts Q1: every field, PATCH and PUT, refused until the state is terminal."""
    client, vm_id = f.captured(arm_emulator, SUB)
    payload = f.body({"virtualMachineId": vm_id}, ["westeurope"])
    assert f.create(client, "1.0.0", payload).properties.provisioning_state == "Creating"

    for properties in (
        {"publishingProfile": {"excludeFromLatest": True}},
        {
            "publishingProfile": {
                "targetRegions": [{"name": "westeurope", "excludeFromLatest": True}]
            }
        },
        {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "eastus"}]}},
        {"publishingProfile": {"endOfLifeDate": "2099-01-01T00:00:00Z"}},
        {"safetyProfile": {"allowDeletionOfReplicatedLocations": True}},
    ):
        _refused_busy(lambda p=properties: f.patch(client, "1.0.0", p), "Creating")
    _refused_busy(lambda: f.patch(client, "1.0.0", {}, tags={"a": "b"}), "Creating")
    _refused_busy(lambda: f.create(client, "1.0.0", payload), "Creating")  # re-PUT

    f.advance(arm_emulator, DAY)
    assert f.status(client, "1.0.0").provisioning_state == "Succeeded"
    grown = f.patch(
        client,
        "1.0.0",
        {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "eastus"}]}},
    )
    assert grown.properties.provisioning_state == "Updating"
    _refused_busy(
        lambda: f.patch(client, "1.0.0", {"publishingProfile": {"excludeFromLatest": False}}),
        "Updating",
    )
    f.advance(arm_emulator, DAY)
    f.patch(client, "1.0.0", {"publishingProfile": {"excludeFromLatest": False}})  # accepted
    # (the PATCH answer itself says Updating, as in recorded Azure traffic; nothing replicates)
    assert f.status(client, "1.0.0").provisioning_state == "Succeeded"


def test_q1b_failed_region_keeps_version_creating_until_every_region_ends(
    arm_emulator: Any,
) -> None:
    """azure-facts Q1 (Q1b): Failed only once all regions are terminal; then a re-PUT retries."""
    client, vm_id = f.captured(arm_emulator, SUB)
    f.fail_once(arm_emulator, "northeurope")
    arm_emulator.control(
        "POST", "faults", {"kind": "slow_region", "region": "eastus", "factor": 20}
    )
    payload = f.body({"virtualMachineId": vm_id}, ["westeurope", "northeurope", "eastus"])
    f.create(client, "1.0.0", payload)
    f.advance(arm_emulator, 3 * 3600)  # northeurope failed half way, eastus still copying
    props = f.status(client, "1.0.0")
    states = f.region_states(props)
    assert states["North Europe"] == "Failed"
    assert states["East US"] == "Replicating"
    assert props.provisioning_state == "Creating"
    assert props.replication_status.aggregated_state == "InProgress"
    _refused_busy(lambda: f.create(client, "1.0.0", payload), "Creating")

    f.advance(arm_emulator, 10 * DAY)
    props = f.status(client, "1.0.0")
    assert props.provisioning_state == "Failed"
    assert props.replication_status.aggregated_state == "Failed"
    # docs/azure-facts.md#extra: re-sending the create retries the failed region
    retried = f.create(client, "1.0.0", payload)
    assert retried.properties.provisioning_state == "Updating"
    assert f.region_states(f.status(client, "1.0.0"))["North Europe"] == "Replicating"


def test_q2_versions_of_one_definition_run_concurrently_but_not_from_one_source(
    arm_emulator: Any,
) -> None:
    """azure-facts Q2: different sources in parallel are fine; one source feeds one
    replication at a time (409 Conflict); a running version can be deleted."""
    client, vm_id = f.captured(arm_emulator, SUB)
    other_vm = f.extra_vm(arm_emulator, client, SUB, "vm-other")
    f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, ["westeurope"]))
    second = f.create(client, "1.0.1", f.body({"virtualMachineId": other_vm}, ["westeurope"]))
    assert second.properties.provisioning_state == "Creating"

    with pytest.raises(ResourceExistsError) as busy_source:
        f.create(client, "1.0.2", f.body({"virtualMachineId": vm_id}, ["westeurope"]))
    assert busy_source.value.error.code == "Conflict"
    assert "is being used by another replication currently" in busy_source.value.error.message

    f.advance(arm_emulator, DAY)
    third = f.create(client, "1.0.2", f.body({"virtualMachineId": vm_id}, ["westeurope"]))
    assert third.properties.provisioning_state == "Creating"
    # DELETE is accepted while the version is still Creating
    client.gallery_image_versions.begin_delete(*f.GALLERY, f.DEFINITION, "1.0.2").result()
    with pytest.raises(HttpResponseError) as gone:
        f.status(client, "1.0.2")
    assert gone.value.status_code == 404
