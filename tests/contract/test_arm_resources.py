"""Resource groups, VMs, scale sets, galleries and image definitions through the real SDK."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "55555555-2222-3333-4444-555555555555"
DEFINITION = {
    "location": "westeurope",
    "properties": {
        "osType": "Windows",
        "osState": "Specialized",
        "hyperVGeneration": "V2",
        "identifier": {"publisher": "contoso", "offer": "win", "sku": "2022"},
        "description": "golden windows",
    },
}


def _resource_group(emulator: Any) -> None:
    """rg-g in westeurope, where the gallery tests put their galleries."""
    emulator.control(
        "POST",
        "resource-groups",
        {"subscription_id": SUB, "name": "rg-g", "location": "westeurope"},
    )


def test_vm_list_get_start_power_off(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB, data_disks=[{"lun": 0, "size_gb": 256}])
    arm_emulator.control(
        "POST",
        "vms",
        {"subscription_id": SUB, "resource_group": "rg-other", "name": "vm2", "location": "eastus",
         "os_type": "Windows", "power_state": "deallocated", "zones": ["2"]},
    )  # fmt: skip
    client = arm_emulator.compute_client(SUB)
    assert sorted(vm.name for vm in client.virtual_machines.list_all()) == ["vm-build", "vm2"]
    assert [vm.name for vm in client.virtual_machines.list("rg-other")] == ["vm2"]
    vm = client.virtual_machines.get("rg-src", "vm-build")
    assert vm.properties.storage_profile.os_disk.os_type == "Linux"
    assert vm.properties.storage_profile.data_disks[0].disk_size_gb == 256
    assert vm.properties.instance_view is None
    other = client.virtual_machines.get("rg-other", "vm2", expand="instanceView")
    assert other.zones == ["2"]
    assert other.properties.instance_view.hyper_v_generation == "V2"

    client.virtual_machines.begin_start("rg-other", "vm2").result()
    codes = [s.code for s in client.virtual_machines.instance_view("rg-other", "vm2").statuses]
    assert "PowerState/running" in codes
    client.virtual_machines.begin_power_off("rg-other", "vm2").result()
    codes = [s.code for s in client.virtual_machines.instance_view("rg-other", "vm2").statuses]
    assert "PowerState/stopped" in codes

    with pytest.raises(ResourceNotFoundError) as missing:
        client.virtual_machines.get("rg-src", "nope")
    assert missing.value.error.code == "ResourceNotFound"


def test_generalizing_a_running_vm_is_refused(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    with pytest.raises(ResourceExistsError) as refused:
        arm_emulator.compute_client(SUB).virtual_machines.generalize("rg-src", "vm-build")
    assert refused.value.error.code == "OperationNotAllowed"


def test_scale_sets_list_and_get_with_image_reference(arm_emulator: Any) -> None:
    ids = seed_capture_scenario(arm_emulator, SUB)
    arm_emulator.control(
        "POST",
        "scale-sets",
        {"subscription_id": SUB, "resource_group": "rg-app", "name": "web",
         "location": "westeurope", "image_reference_id": ids["image_id"] + "/versions/1.0.0"},
    )  # fmt: skip
    client = arm_emulator.compute_client(SUB)
    listed = list(client.virtual_machine_scale_sets.list_all())
    assert [s.name for s in listed] == ["web"]
    scale_set = client.virtual_machine_scale_sets.get("rg-app", "web")
    reference = scale_set.properties.virtual_machine_profile.storage_profile.image_reference
    assert reference.id.endswith("/images/ubuntu-golden/versions/1.0.0")
    assert [s.name for s in client.virtual_machine_scale_sets.list("rg-app")] == ["web"]


def test_gallery_lifecycle_and_nesting(arm_emulator: Any) -> None:
    _resource_group(arm_emulator)
    client = arm_emulator.compute_client(SUB)
    gallery = client.galleries.begin_create_or_update(
        "rg-g", "galA", {"location": "West Europe", "tags": {"team": "platform"}}
    ).result()
    assert (gallery.location, gallery.tags) == ("westeurope", {"team": "platform"})
    updated = client.galleries.begin_update(
        "rg-g", "galA", {"properties": {"description": "prod images"}}
    ).result()
    assert updated.properties.description == "prod images"
    assert [g.name for g in client.galleries.list_by_resource_group("rg-g")] == ["galA"]
    assert [g.name for g in client.galleries.list()] == ["galA"]

    image = client.gallery_images.begin_create_or_update("rg-g", "galA", "win", DEFINITION).result()
    assert (image.properties.os_type, image.properties.os_state) == ("Windows", "Specialized")
    assert image.properties.identifier.sku == "2022"
    patched = client.gallery_images.begin_update(
        "rg-g", "galA", "win", {"properties": {"description": "new"}}
    ).result()
    assert patched.properties.description == "new"
    assert [i.name for i in client.gallery_images.list_by_gallery("rg-g", "galA")] == ["win"]

    with pytest.raises(ResourceExistsError) as nested:
        client.galleries.begin_delete("rg-g", "galA").result()
    assert nested.value.error.code == "CannotDeleteResource"
    client.gallery_images.begin_delete("rg-g", "galA", "win").result()
    client.galleries.begin_delete("rg-g", "galA").result()
    with pytest.raises(ResourceNotFoundError):
        client.galleries.get("rg-g", "galA")


def test_definition_identity_cannot_change(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    client = arm_emulator.compute_client(SUB)
    changed = {
        "location": "westeurope",
        "properties": {
            "osType": "Windows",
            "osState": "Generalized",
            "identifier": {"publisher": "galleryflow", "offer": "ubuntu-golden", "sku": "default"},
        },
    }
    with pytest.raises(ResourceExistsError) as refused:
        client.gallery_images.begin_create_or_update(
            "rg-images", "galProd", "ubuntu-golden", changed
        )
    assert refused.value.error.code == "PropertyChangeNotAllowed"
    assert "osType" in refused.value.error.message


def test_resource_group_must_exist(arm_emulator: Any) -> None:
    client = arm_emulator.compute_client(SUB)
    with pytest.raises(ResourceNotFoundError) as missing:
        client.galleries.begin_create_or_update("rg-none", "galA", {"location": "westeurope"})
    assert missing.value.error.code == "ResourceGroupNotFound"


def test_definition_under_missing_gallery(arm_emulator: Any) -> None:
    _resource_group(arm_emulator)
    with pytest.raises(ResourceNotFoundError) as missing:
        arm_emulator.compute_client(SUB).gallery_images.begin_create_or_update(
            "rg-g", "nogallery", "win", DEFINITION
        )
    assert missing.value.error.code == "ParentResourceNotFound"


@pytest.mark.parametrize(
    ("name", "body", "fragment"),
    [
        ("bad-name", {"location": "westeurope"}, "hyphens"),
        ("galB\n", {"location": "westeurope"}, "hyphens"),  # sent as galB%0A
        ("g" * 40 + "!", {"location": "westeurope"}, "hyphens"),  # took minutes (backtracking)
        ("gal..B", {"location": "westeurope"}, "single periods"),
        ("galB", {"location": "atlantis"}, "atlantis"),
        ("galB", {}, "location"),
        ("galB", {"location": "westeurope", "properties": {"description": 5}}, "description"),
    ],
)
def test_bad_gallery_requests_are_400(
    arm_emulator: Any, name: str, body: Any, fragment: str
) -> None:
    _resource_group(arm_emulator)
    with pytest.raises(HttpResponseError) as bad:
        arm_emulator.compute_client(SUB).galleries.begin_create_or_update("rg-g", name, body)
    assert bad.value.status_code == 400
    assert fragment in bad.value.error.message


def test_definition_outside_its_galleries_region_is_400(arm_emulator: Any) -> None:
    _resource_group(arm_emulator)
    client = arm_emulator.compute_client(SUB)
    client.galleries.begin_create_or_update("rg-g", "galL", {"location": "westeurope"}).result()
    with pytest.raises(HttpResponseError) as bad:
        client.gallery_images.begin_create_or_update(
            "rg-g", "galL", "win", {**DEFINITION, "location": "eastus"}
        )
    assert (bad.value.status_code, bad.value.error.code) == (400, "InvalidParameter")
    assert bad.value.error.message == (
        "Image definition location 'eastus' must match the gallery's location 'westeurope'."
    )


@pytest.mark.parametrize("name", ["win-", "win\n", "-win"])
def test_bad_definition_names_are_400(arm_emulator: Any, name: str) -> None:
    _resource_group(arm_emulator)
    client = arm_emulator.compute_client(SUB)
    client.galleries.begin_create_or_update("rg-g", "galN", {"location": "westeurope"}).result()
    with pytest.raises(HttpResponseError) as bad:
        client.gallery_images.begin_create_or_update("rg-g", "galN", name, DEFINITION)
    assert bad.value.status_code == 400
    assert "starting and ending with a letter or digit" in bad.value.error.message
