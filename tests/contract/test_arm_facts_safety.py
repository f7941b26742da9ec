"""docs/azure-facts.md#q3 through the real SDK: allowDeletionOfReplicatedLocations defaults to
false, is updatable in place, and while false blocks removing any region."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError

from sandbox.arm import facts_testing as f

SUB = "11111111-aaaa-4bbb-8ccc-000000000033"
DAY = 24 * 3600
TWO = {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "northeurope"}]}}
ONE = {"publishingProfile": {"targetRegions": [{"name": "westeurope"}]}}


def _refused_removal(client: Any, properties: dict[str, Any]) -> None:
    with pytest.raises(ResourceExistsError) as refused:
        f.patch(client, "1.0.0", properties)
    assert refused.value.error.code == "OperationNotAllowed"
    message = refused.value.error.message
    assert "allowDeletionOfReplicatedLocations is false" in message
    assert "North Europe" in message


def test_q3_default_false_blocks_removing_a_completed_region(arm_emulator: Any) -> None:
    """azure-facts Q3: omitted -> false; removal refused; updatable in place; then allowed."""
    client, vm_id = f.captured(arm_emulator, SUB)
    f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, ["westeurope", "northeurope"]))
    f.advance(arm_emulator, DAY)
    props = f.status(client, "1.0.0")
    assert props.safety_profile.allow_deletion_of_replicated_locations is False
    assert f.region_states(props)["North Europe"] == "Completed"
    _refused_removal(client, ONE)

    updated = f.patch(
        client, "1.0.0", {"safetyProfile": {"allowDeletionOfReplicatedLocations": True}}
    )
    assert updated.properties.safety_profile.allow_deletion_of_replicated_locations is True
    shrunk = f.patch(client, "1.0.0", ONE)
    assert [t.name for t in shrunk.properties.publishing_profile.target_regions] == ["West Europe"]


def test_q3_flag_blocks_removing_a_failed_region_too_unless_set_in_the_same_request(
    arm_emulator: Any,
) -> None:
    """azure-facts Q3 (choice): any region, whatever its state; the same request may lift it."""
    client, vm_id = f.captured(arm_emulator, SUB)
    f.fail_once(arm_emulator, "northeurope")
    f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, ["westeurope", "northeurope"]))
    f.advance(arm_emulator, DAY)
    assert f.region_states(f.status(client, "1.0.0"))["North Europe"] == "Failed"
    _refused_removal(client, ONE)
    f.patch(client, "1.0.0", {**ONE, "safetyProfile": {"allowDeletionOfReplicatedLocations": True}})
    props = f.status(client, "1.0.0")
    assert props.provisioning_state == "Succeeded"
    assert list(f.region_states(props)) == ["West Europe"]


def test_q3_flag_does_not_block_deleting_the_version(arm_emulator: Any) -> None:
    """azure-facts Q3: deleting the whole version is blockDeletionBeforeEndOfLife's job."""
    client, vm_id = f.captured(arm_emulator, SUB)
    payload = f.body(
        {"virtualMachineId": vm_id},
        ["westeurope", "northeurope"],
        safetyProfile={"allowDeletionOfReplicatedLocations": False},
    )
    f.create(client, "1.0.0", payload)
    f.advance(arm_emulator, DAY)
    client.gallery_image_versions.begin_delete(*f.GALLERY, f.DEFINITION, "1.0.0").result()
    assert [
        v.name
        for v in client.gallery_image_versions.list_by_gallery_image(*f.GALLERY, f.DEFINITION)
    ] == []
