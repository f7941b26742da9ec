"""Behaviour seen in real recorded Azure traffic (AZURE_FACTS.md, last entry), through the real
azure-mgmt-compute client: PATCH answers 200 with Azure-AsyncOperation, creates answer
`Creating` before `Succeeded`, a requested hostCaching is kept, snapshots and managed images
are version sources. Also: the CLI's clock flows by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from sandbox.arm.seeding import seed_capture_scenario
from sandbox.arm.testing import start_arm_emulator

SUB = "11111111-2222-3333-4444-555555555555"
RG = "rg-images"
SNAPSHOTS = f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/snapshots"


def _headers_of(seen: list[Any]) -> Any:
    return lambda response: seen.append(response.http_response.headers)


def _operation_polls(emulator: Any, since: int) -> list[str]:
    log = emulator.control("GET", f"requests?since={since}")["requests"]
    return [r["path"] for r in log if "/operations/" in r["path"]]


def _last_seq(emulator: Any) -> int:
    log = emulator.control("GET", "requests")["requests"]
    return int(log[-1]["seq"]) if log else 0


def test_patch_of_gallery_definition_and_version_answers_200_with_an_operation(
    arm_emulator: Any,
) -> None:
    client = arm_emulator.compute_client(SUB)
    vm_id = seed_capture_scenario(arm_emulator, SUB, power_state="deallocated", generalized=True)[
        "vm_id"
    ]
    client.gallery_image_versions.begin_create_or_update(
        RG, "galProd", "ubuntu-golden", "1.0.0",
        {"location": "westeurope",
         "properties": {"storageProfile": {"source": {"virtualMachineId": vm_id}}}},
        polling=False,  # replication follows simulated time, frozen here
    ).result()  # fmt: skip
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    calls = [
        lambda hook: client.galleries.begin_update(
            RG, "galProd", {"properties": {"description": "d"}}, raw_response_hook=hook
        ),
        lambda hook: client.gallery_images.begin_update(
            RG, "galProd", "ubuntu-golden", {"properties": {}}, raw_response_hook=hook
        ),
        lambda hook: client.gallery_image_versions.begin_update(
            RG, "galProd", "ubuntu-golden", "1.0.0", {"properties": {}}, raw_response_hook=hook
        ),  # nothing changes: Azure still answers with an operation
    ]
    for call in calls:
        seen: list[Any] = []
        since = _last_seq(arm_emulator)
        result = call(_headers_of(seen)).result()
        assert "Azure-AsyncOperation" in seen[0], seen[0]
        assert _operation_polls(arm_emulator, since), "the SDK polls the operation"
        assert result.provisioning_state == "Succeeded"


def test_creates_answer_creating_before_succeeded(arm_emulator: Any) -> None:
    arm_emulator.control(
        "POST", "resource-groups", {"subscription_id": SUB, "name": RG, "location": "westeurope"}
    )
    client = arm_emulator.compute_client(SUB)
    first = client.galleries.begin_create_or_update(
        RG, "galNew", {"location": "westeurope"}, polling=False
    ).result()
    assert first.provisioning_state == "Creating"
    assert client.galleries.get(RG, "galNew").provisioning_state == "Creating"
    # the operation ends after its simulated duration (or a couple of status polls)
    arm_emulator.control("POST", "clock", {"advance_seconds": 10})
    assert client.galleries.get(RG, "galNew").provisioning_state == "Succeeded"

    definition = {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "osState": "Generalized",
            "identifier": {"publisher": "p", "offer": "o", "sku": "s"},
        },
    }
    first = client.gallery_images.begin_create_or_update(
        RG, "galNew", "img", definition, polling=False
    ).result()
    assert first.provisioning_state == "Creating"
    assert client.gallery_images.get(RG, "galNew", "img").provisioning_state == "Creating"
    # a polling SDK client waits for the operation (its poller polls in a thread at once)
    poller = client.gallery_images.begin_create_or_update(RG, "galNew", "img2", definition)
    assert poller.result().provisioning_state == "Succeeded"


def _snapshot(emulator: Any, name: str, **spec: Any) -> None:
    emulator.control(
        "POST",
        "snapshots",
        {"subscription_id": SUB, "resource_group": "rg-src", "name": name,
         "location": "westeurope", **spec},
    )  # fmt: skip


def _create_version(emulator: Any, version: str, storage: dict[str, Any]) -> Any:
    """Create a version (the first answer), let replication finish, read it back."""
    client = emulator.compute_client(SUB)
    client.gallery_image_versions.begin_create_or_update(
        RG, "galProd", "ubuntu-golden", version,
        {"location": "westeurope", "properties": {"storageProfile": storage}}, polling=False,
    ).result()  # fmt: skip
    emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    return client.gallery_image_versions.get(RG, "galProd", "ubuntu-golden", version)


def test_version_from_snapshots_keeps_the_requested_host_caching(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    _snapshot(arm_emulator, "os-snap", os_type="Linux", size_gb=40)
    _snapshot(arm_emulator, "data-snap", size_gb=8)
    client = arm_emulator.compute_client(SUB)
    storage = {
        "osDiskImage": {"hostCaching": "ReadOnly", "source": {"id": f"{SNAPSHOTS}/os-snap"}},
        "dataDiskImages": [
            {"lun": 2, "hostCaching": "ReadWrite", "source": {"id": f"{SNAPSHOTS}/data-snap"}}
        ],
    }
    version = _create_version(arm_emulator, "1.0.0", storage)
    assert version.provisioning_state == "Succeeded"
    profile = client.gallery_image_versions.get(
        RG, "galProd", "ubuntu-golden", "1.0.0"
    ).storage_profile
    assert profile.os_disk_image.host_caching == "ReadOnly"
    assert profile.os_disk_image.size_in_gb == 40
    assert profile.os_disk_image.source.id.endswith("/snapshots/os-snap")
    (data,) = profile.data_disk_images
    assert (data.lun, data.size_in_gb, data.host_caching) == (2, 8, "ReadWrite")


def test_a_missing_or_wrong_source_says_so(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    with pytest.raises(ResourceNotFoundError) as missing:
        _create_version(
            arm_emulator, "1.0.0", {"osDiskImage": {"source": {"id": f"{SNAPSHOTS}/nope"}}}
        )
    assert missing.value.error.code == "NotFound"
    assert "nope is not found" in missing.value.error.message
    assert "osDiskImage.source.id" in missing.value.error.message
    _snapshot(arm_emulator, "win-snap", os_type="Windows")
    with pytest.raises(HttpResponseError) as mismatch:
        _create_version(
            arm_emulator, "1.0.0", {"osDiskImage": {"source": {"id": f"{SNAPSHOTS}/win-snap"}}}
        )
    assert mismatch.value.status_code == 400
    assert "OS type of the source snapshot 'win-snap' (Windows)" in mismatch.value.error.message


def test_version_from_a_managed_image(arm_emulator: Any) -> None:
    seed_capture_scenario(arm_emulator, SUB)
    image = arm_emulator.control(
        "POST",
        "managed-images",
        {"subscription_id": SUB, "resource_group": "rg-src", "name": "golden",
         "location": "westeurope", "data_disks": [{"lun": 0, "size_gb": 16}]},
    )  # fmt: skip
    client = arm_emulator.compute_client(SUB)
    served = client.images.get("rg-src", "golden")
    assert served.storage_profile.os_disk.os_state == "Generalized"
    version = _create_version(arm_emulator, "1.0.0", {"source": {"id": image["id"]}})
    assert version.storage_profile.source.id == image["id"]
    assert [d.lun for d in version.storage_profile.data_disk_images] == [0]


def test_seeding_takes_a_real_arm_body(arm_emulator: Any) -> None:
    """The emulator serves a caller's body and owns only ids, state and the disks it tracks."""
    resource = {
        "location": "westeurope",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_DS3_v2"},
            "storageProfile": {
                "osDisk": {"osType": "Linux", "name": "osd", "diskSizeGB": 64},
                "dataDisks": [{"lun": 3, "name": "dd", "diskSizeGB": 128}],
            },
            "applicationProfile": {"galleryApplications": [{"packageReferenceId": "/x"}]},
            "provisioningState": "Failed",  # the emulator's to say
        },
    }
    view = {"osName": "myOs", "statuses": [{"code": "PowerState/stopped"}, {"code": "Custom/x"}]}
    arm_emulator.control(
        "POST",
        "vms",
        {"subscription_id": SUB, "resource_group": "rg", "name": "vm1", "resource": resource,
         "instance_view": view, "power_state": "running"},
    )  # fmt: skip
    client = arm_emulator.compute_client(SUB)
    vm = client.virtual_machines.get("rg", "vm1", expand="instanceView")
    assert vm.id.endswith("/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")
    assert vm.provisioning_state == "Succeeded"
    assert vm.application_profile.gallery_applications[0].package_reference_id == "/x"
    codes = [s.code for s in vm.instance_view.statuses]
    assert "PowerState/running" in codes and "PowerState/stopped" not in codes
    assert "Custom/x" in codes and vm.instance_view.os_name == "myOs"
    # the tracked disks drive capture: 64 GB, and 128 GB at lun 3
    seed_capture_scenario(arm_emulator, SUB)
    client.virtual_machines.begin_deallocate("rg", "vm1").result()
    client.virtual_machines.generalize("rg", "vm1")
    version = _create_version(arm_emulator, "1.0.0", {"source": {"virtualMachineId": vm.id}})
    disks = version.storage_profile
    assert disks.os_disk_image.size_in_gb == 64
    assert [(d.lun, d.size_in_gb) for d in disks.data_disk_images] == [(3, 128)]

    arm_emulator.control(
        "POST",
        "scale-sets",
        {"subscription_id": SUB, "resource_group": "rg", "name": "ss", "location": "westeurope",
         "resource": {"sku": {"name": "Standard_D2s_v3", "capacity": 4},
                      "properties": {"overprovision": True}},
         "image_reference_id": "/subscriptions/x/images/y"},
    )  # fmt: skip
    scale_set = client.virtual_machine_scale_sets.get("rg", "ss")
    assert (scale_set.sku.capacity, scale_set.overprovision) == (4, True)
    profile = scale_set.virtual_machine_profile.storage_profile
    assert profile.image_reference.id == "/subscriptions/x/images/y"


def test_the_cli_clock_flows_by_default(tmp_path: Path) -> None:
    emulator = start_arm_emulator(tmp_path / "arm", clock_scale=None)
    try:
        answer = requests.get(
            f"{emulator.url}/_sandbox/clock", verify=str(emulator.ca_file), timeout=10
        )
        assert answer.json()["scale"] == 1.0
    finally:
        emulator.stop()
