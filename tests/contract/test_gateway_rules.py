"""Azure's own rules through the gateway and the emulator (issue #13): the safety profile
lifted and restored around a region removal, per-region encryption and Shallow round-trips,
the OS disk read for the architecture, security type refusals at capture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from galleryflow.azure import compute
from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.errors import GatewayError, InvalidRequest
from sandbox.arm.testing import ArmEmulatorProcess

SUB = "11111111-2222-3333-4444-555555555555"
GALLERY = {"subscription_id": SUB, "resource_group": "rg-images", "name": "galRules"}
VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/virtualMachines/vm1"
)
DES = f"/subscriptions/{SUB}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets"
REGIONS = [
    {"name": "westeurope", "replica_count": 1, "storage_account_type": "Standard_ZRS"},
    {"name": "eastus", "replica_count": 1, "storage_account_type": "Standard_LRS"},
]


@pytest.fixture
def arm(
    arm_emulator: ArmEmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ArmEmulatorProcess]:
    for name, value in arm_emulator.gateway_settings().items():
        monkeypatch.setenv(name, value)
    arm_emulator.control("POST", "galleries", {**GALLERY, "location": "westeurope"})
    yield arm_emulator
    clear_client_caches()


def seed(arm: ArmEmulatorProcess, definition: str = "ubuntu", *, vm: Any = None, **image: Any):
    arm.control(
        "POST",
        "vms",
        {
            "subscription_id": SUB,
            "resource_group": "rg-src",
            "name": "vm1",
            "location": "westeurope",
            "power_state": "deallocated",
            "data_disks": [{"lun": 0, "size_gb": 32}],
            **(vm or {}),
        },
    )
    arm.control(
        "POST",
        "images",
        {
            "subscription_id": SUB,
            "resource_group": "rg-images",
            "gallery": GALLERY["name"],
            "name": definition,
            "os_state": "Specialized",
            **image,
        },
    )


def create(name: str, regions: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    return compute.begin_create_version(
        GALLERY,
        "ubuntu",
        name,
        VM_ID,
        regions,
        None,
        {"allow_deletion_of_replicated_locations": False},
        {},
        **kwargs,
    )


def replicate(arm: ArmEmulatorProcess) -> None:
    arm.control("POST", "clock", {"advance_seconds": 10 * 86400})


def version_writes(arm: ArmEmulatorProcess, since: int) -> list[dict[str, Any]]:
    log = arm.control("GET", f"requests?since={since}")["requests"]
    return [r for r in log if r["method"] in ("PUT", "PATCH") and "/versions/" in r["path"]]


def last_seq(arm: ArmEmulatorProcess) -> int:
    log = arm.control("GET", "requests")["requests"]
    return int(log[-1]["seq"]) if log else 0


def test_a_region_removal_lifts_the_flag_in_its_patch_and_restore_puts_it_back(arm) -> None:
    seed(arm)
    create("1.0.0", REGIONS)
    replicate(arm)
    before = compute.get_version(GALLERY, "ubuntu", "1.0.0")
    assert before["allow_deletion_of_replicated_locations"] is False

    since = last_seq(arm)
    during = compute.set_target_regions(GALLERY, "ubuntu", "1.0.0", REGIONS[:1])
    assert [r["name"] for r in during["regions"]] == ["westeurope"]
    assert during["allow_deletion_of_replicated_locations"] is True
    assert during["tags"][compute.SAFETY_LIFTED_TAG] == "true"
    after = compute.restore_safety(GALLERY, "ubuntu", "1.0.0")
    assert after["allow_deletion_of_replicated_locations"] is False
    assert compute.SAFETY_LIFTED_TAG not in after["tags"]
    # The emulator's log: the removal PATCH carried the lifted flag, the next one restored it.
    writes = version_writes(arm, since)
    assert [(w["target_regions"], w["safety_profile"]) for w in writes] == [
        (["westeurope"], {"allowDeletionOfReplicatedLocations": True, **BLOCK_OFF}),
        (["westeurope"], {"allowDeletionOfReplicatedLocations": False, **BLOCK_OFF}),
    ]
    # Restoring again changes nothing and writes nothing.
    since = last_seq(arm)
    compute.restore_safety(GALLERY, "ubuntu", "1.0.0")
    assert version_writes(arm, since) == []


BLOCK_OFF = {"blockDeletionBeforeEndOfLife": False}


def test_the_emulator_refuses_removing_a_region_of_a_protected_version(arm) -> None:
    seed(arm)
    create("1.0.0", REGIONS)
    replicate(arm)
    client = arm.compute_client(SUB)
    with pytest.raises(HttpResponseError) as refused:
        client.gallery_image_versions.begin_update(
            "rg-images",
            GALLERY["name"],
            "ubuntu",
            "1.0.0",
            {"properties": {"publishingProfile": {"targetRegions": [{"name": "westeurope"}]}}},
            polling=False,
        ).result()
    assert refused.value.status_code == 409
    assert "allowDeletionOfReplicatedLocations" in str(refused.value)
    regions = [r["name"] for r in compute.get_version(GALLERY, "ubuntu", "1.0.0")["regions"]]
    assert regions == ["westeurope", "eastus"]


def test_re_adding_a_region_restores_the_flag_in_the_same_patch(arm) -> None:
    seed(arm)
    create("1.0.0", REGIONS)
    replicate(arm)
    compute.set_target_regions(GALLERY, "ubuntu", "1.0.0", REGIONS[:1])
    since = last_seq(arm)
    back = compute.set_target_regions(GALLERY, "ubuntu", "1.0.0", REGIONS, restore_safety=True)
    assert back["allow_deletion_of_replicated_locations"] is False
    [write] = version_writes(arm, since)
    assert write["target_regions"] == ["westeurope", "eastus"]
    assert write["safety_profile"]["allowDeletionOfReplicatedLocations"] is False


def test_encryption_per_region_round_trips_and_is_kept_on_updates(arm) -> None:
    seed(arm)
    encryption = {
        "os_disk_encryption_set_id": f"{DES}/des-weu",
        "confidential_vm_encryption_type": None,
        "secure_vm_disk_encryption_set_id": None,
        "data_disks": [{"lun": 0, "disk_encryption_set_id": f"{DES}/des-weu-data"}],
    }
    create("1.0.0", [{**REGIONS[0], "encryption": encryption}, REGIONS[1]])
    replicate(arm)
    held = arm.compute_client(SUB).gallery_image_versions.get(
        "rg-images", GALLERY["name"], "ubuntu", "1.0.0"
    )
    arm_encryption = held.as_dict()["properties"]["publishingProfile"]["targetRegions"][0][
        "encryption"
    ]
    assert arm_encryption == {
        "osDiskImage": {"diskEncryptionSetId": f"{DES}/des-weu"},
        "dataDiskImages": [{"lun": 0, "diskEncryptionSetId": f"{DES}/des-weu-data"}],
    }
    version = compute.get_version(GALLERY, "ubuntu", "1.0.0")
    assert version["regions"][0]["encryption"] == encryption
    assert version["regions"][1]["encryption"] is None
    # An update that does not mention encryption keeps it (ARM refuses changing it).
    again = compute.set_exclude_from_latest(GALLERY, "ubuntu", "1.0.0", None, {"eastus": False})
    assert again["regions"][0]["encryption"] == encryption
    kept = compute.set_target_regions(
        GALLERY, "ubuntu", "1.0.0", [{"name": "westeurope"}, {"name": "eastus"}]
    )
    assert kept["regions"][0]["encryption"] == encryption
    with pytest.raises(GatewayError) as changed:
        compute.set_target_regions(
            GALLERY,
            "ubuntu",
            "1.0.0",
            [{**REGIONS[0], "encryption": {**encryption, "data_disks": []}}, REGIONS[1]],
        )
    assert changed.value.code == "PropertyChangeNotAllowed"
    assert "encryption of existing region" in changed.value.message


def test_shallow_replication_mode_round_trips(arm) -> None:
    seed(arm)
    create("1.0.0", REGIONS[:1], replication_mode="Shallow")
    version = compute.get_version(GALLERY, "ubuntu", "1.0.0")
    assert version["replication_mode"] == "Shallow"
    replicate(arm)  # one source replicates one version at a time (docs/azure-facts.md#q2)
    create("1.0.1", REGIONS[:1])
    assert compute.get_version(GALLERY, "ubuntu", "1.0.1")["replication_mode"] == "Full"


def test_the_os_disk_tells_the_architecture_and_the_vm_its_security_type(arm) -> None:
    seed(arm, vm={"architecture": "Arm64", "security_type": "TrustedLaunch"})
    vm = compute.get_vm(VM_ID)
    assert vm["security_type"] == "TrustedLaunch"
    disk = compute.get_disk(vm["os_disk_id"])
    assert disk["architecture"] == "Arm64"
    assert disk["os_type"] == "Linux" and disk["size_gb"] == 30


@pytest.mark.parametrize(
    ("vm", "image", "words"),
    [
        ({"security_type": "TrustedLaunch"}, {}, "security type 'TrustedLaunch'"),
        ({"architecture": "Arm64"}, {}, "architecture 'Arm64'"),
        ({"disk_controller_type": "NVMe"}, {}, "NVMe disk controller"),
    ],
)
def test_the_emulator_refuses_a_capture_the_definition_does_not_support(
    arm, vm: dict[str, Any], image: dict[str, Any], words: str
) -> None:
    seed(arm, vm=vm, **image)
    with pytest.raises(InvalidRequest) as refused:
        create("1.0.0", REGIONS[:1])
    assert words in refused.value.message


def test_a_definition_with_the_matching_features_accepts_the_capture(arm) -> None:
    seed(
        arm,
        vm={"security_type": "TrustedLaunch", "architecture": "Arm64"},
        features={"SecurityType": "TrustedLaunchSupported"},
        architecture="Arm64",
    )
    definition = compute.get_image_definition(GALLERY, "ubuntu")
    assert definition["features"] == {"SecurityType": "TrustedLaunchSupported"}
    assert definition["architecture"] == "Arm64"
    assert create("1.0.0", REGIONS[:1])["adopted"] is False
