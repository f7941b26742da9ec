"""docs/azure-facts.md#q5 and #q6 through the real SDK: a version made from another gallery
version (region, subscription, definition rules) and Shallow replication's restrictions."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from sandbox.arm import facts_testing as f

SUB = "11111111-aaaa-4bbb-8ccc-000000000055"
OTHER_SUB = "11111111-aaaa-4bbb-8ccc-000000000066"
DAY = 24 * 3600


def _definition(emulator: Any, sub: str, gallery: str, name: str, **extra: Any) -> None:
    spec = {"subscription_id": sub, "resource_group": "rg-images", "gallery": gallery, "name": name}
    emulator.control(
        "POST", "images", {**spec, "publisher": "p", "offer": name, "sku": "s", **extra}
    )


def _source_version(emulator: Any, client: Any, vm_id: str, regions: list[str]) -> str:
    created = f.create(client, "1.0.0", f.body({"virtualMachineId": vm_id}, regions))
    f.advance(emulator, DAY)
    assert f.status(client, "1.0.0").provisioning_state == "Succeeded"
    return str(created.id)


def _refused(call: Any, status: int, code: str, fragment: str) -> None:
    with pytest.raises(HttpResponseError) as refused:
        call()
    assert refused.value.status_code == status
    assert refused.value.error.code == code
    assert fragment in refused.value.error.message


def test_q5_version_from_a_version_in_the_same_region(arm_emulator: Any) -> None:
    """azure-facts Q5: accepted from a Completed replica; disks and source id carried over."""
    client, vm_id = f.captured(arm_emulator, SUB, data_disks=[{"lun": 0, "size_gb": 8}])
    source_id = _source_version(arm_emulator, client, vm_id, ["westeurope"])
    _definition(arm_emulator, SUB, "galProd", "ubuntu-copy")
    copy = f.create(client, "2.0.0", f.body({"id": source_id}, ["westeurope"]), "ubuntu-copy")
    assert copy.properties.storage_profile.source.id == source_id
    assert [d.lun for d in copy.properties.storage_profile.data_disk_images] == [0]
    f.advance(arm_emulator, DAY)
    assert f.status(client, "2.0.0", "ubuntu-copy").provisioning_state == "Succeeded"


def test_q5_source_must_be_replicated_in_the_new_versions_region(arm_emulator: Any) -> None:
    """azure-facts Q5: no replica (or not Completed) where the version is created -> 400."""
    client, vm_id = f.captured(arm_emulator, SUB)
    source_id = _source_version(arm_emulator, client, vm_id, ["westeurope"])
    arm_emulator.control(
        "POST",
        "galleries",
        {
            "subscription_id": SUB,
            "resource_group": "rg-images",
            "name": "galUs",
            "location": "eastus",
        },
    )
    _definition(arm_emulator, SUB, "galUs", "ubuntu-us")
    versions = client.gallery_image_versions

    def create_in_us() -> Any:
        payload = f.body({"id": source_id}, ["eastus"], location="eastus")
        return versions.begin_create_or_update(
            "rg-images", "galUs", "ubuntu-us", "1.0.0", payload, polling=False
        ).result()

    _refused(create_in_us, 400, "InvalidParameter", "has no replica in 'East US'")
    regions = {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "eastus"}]}}
    f.patch(client, "1.0.0", regions)
    _refused(create_in_us, 400, "InvalidParameter", "is Replicating in 'East US'")
    f.advance(arm_emulator, DAY)
    assert create_in_us().properties.storage_profile.source.id == source_id
    _refused(
        lambda: f.create(client, "3.0.0", f.body({"id": source_id + "9"}, ["westeurope"])),
        404,
        "NotFound",
        "is not found. Please check source exists, and is in the same region",
    )


def test_q5_definition_properties_must_match(arm_emulator: Any) -> None:
    """azure-facts Q5: OS state (and type, generation) of the definitions must agree."""
    client, vm_id = f.captured(arm_emulator, SUB)
    source_id = _source_version(arm_emulator, client, vm_id, ["westeurope"])
    _definition(arm_emulator, SUB, "galProd", "ubuntu-special", os_state="Specialized")
    _refused(
        lambda: f.create(
            client, "1.0.0", f.body({"id": source_id}, ["westeurope"]), "ubuntu-special"
        ),
        400,
        "InvalidParameter",
        "different OS state ['Generalized'] than the parent gallery image OS state ['Specialized']",
    )


def test_q5_source_in_another_subscription_needs_read_on_it(arm_emulator: Any) -> None:
    """azure-facts Q5: another subscription works for a caller that can read the source;
    otherwise 403 LinkedAuthorizationFailed naming the read action and the source."""
    other, other_vm = f.captured(arm_emulator, OTHER_SUB)
    source_id = _source_version(arm_emulator, other, other_vm, ["westeurope"])
    client, _ = f.captured(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "principals",
        {
            "token": "publisher-token",
            "name": "publisher",
            "grants": [{"scope": f"/subscriptions/{SUB}", "actions": ["Microsoft.Compute/*"]}],
        },
    )
    narrow = arm_emulator.compute_client(SUB, token="publisher-token")
    payload = f.body({"id": source_id}, ["westeurope"])
    _refused(
        lambda: f.create(narrow, "1.0.0", payload),
        403,
        "LinkedAuthorizationFailed",
        f"'Microsoft.Compute/galleries/images/versions/read' on the linked scope(s) '{source_id}'",
    )
    assert f.create(client, "1.0.0", payload).properties.storage_profile.source.id == source_id


def test_q6_shallow_is_single_region_immediate_and_fixed(arm_emulator: Any) -> None:
    """azure-facts Q6: Shallow = home region only, 1 replica, no encryption, no region
    updates; it completes after the minimum replication time."""
    client, vm_id = f.captured(arm_emulator, SUB)
    shallow = {"replicationMode": "Shallow"}

    def create(regions: list[Any]) -> Any:
        payload = f.body({"virtualMachineId": vm_id}, regions, publishingProfile=shallow)
        return f.create(client, "1.0.0", payload)

    _refused(lambda: create(["westeurope", "eastus"]), 400, "InvalidParameter", "Shallow")
    _refused(
        lambda: create([{"name": "westeurope", "regionalReplicaCount": 2}]),
        400,
        "InvalidParameter",
        "regionalReplicaCount 1",
    )
    encrypted = {"name": "westeurope", "encryption": {"osDiskImage": {"diskEncryptionSetId": "x"}}}
    _refused(lambda: create([encrypted]), 400, "InvalidParameter", "encryption")

    assert create(["westeurope"]).properties.provisioning_state == "Creating"
    f.advance(arm_emulator, 60)  # nothing to copy: done after the minimum time, not hours
    props = f.status(client, "1.0.0")
    assert props.provisioning_state == "Succeeded"
    assert props.publishing_profile.replication_mode == "Shallow"
    grow = {"publishingProfile": {"targetRegions": [{"name": "westeurope"}, {"name": "eastus"}]}}
    _refused(lambda: f.patch(client, "1.0.0", grow), 400, "InvalidParameter", "cannot be updated")
    full = {"publishingProfile": {"replicationMode": "Full"}}
    _refused(
        lambda: f.patch(client, "1.0.0", full), 409, "PropertyChangeNotAllowed", "replicationMode"
    )
    # fields other than regions stay updatable
    f.patch(client, "1.0.0", {"publishingProfile": {"excludeFromLatest": True}})
