"""The gateway's Compute functions against the ARM emulator, with the real
ComputeManagementClient over HTTPS. Assertions look at the gateway's dicts AND at what
the emulator holds afterwards (read back with a separate SDK client)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from galleryflow.azure import actions, compute
from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.errors import Conflict, InvalidRequest, NotFound, QuotaExceeded
from galleryflow.azure.permissions import list_permissions
from galleryflow.azure.resource_graph import QUERY, count_image_references_graph
from sandbox.arm.testing import ArmEmulatorProcess, start_arm_emulator

SUB = "11111111-2222-3333-4444-555555555555"
GALLERY = {"subscription_id": SUB, "resource_group": "rg-images", "name": "galProd"}
VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/virtualMachines/vm1"
)
DEF_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/galProd"
    "/images/ubuntu"
)
REGIONS = [
    {"name": "westeurope", "replica_count": 2, "storage_account_type": "Standard_ZRS"},
    {"name": "East US", "replica_count": 1, "storage_account_type": "Standard_LRS"},
]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmEmulatorProcess]:
    # One emulator per module, reset before each test: starting one costs ~1 s.
    process = start_arm_emulator(Path(tmp_path_factory.mktemp("arm")))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def arm(emulator: ArmEmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> ArmEmulatorProcess:
    """A reset emulator with one running VM, a gallery and a Specialized definition."""
    emulator.control("POST", "reset")
    for name, value in emulator.gateway_settings().items():
        monkeypatch.setenv(name, value)
    emulator.control(
        "POST",
        "vms",
        {
            "subscription_id": SUB,
            "resource_group": "rg-src",
            "name": "vm1",
            "location": "westeurope",
            "zones": ["1"],
            "data_disks": [{"lun": 3, "size_gb": 64}],
        },
    )
    emulator.control(
        "POST",
        "galleries",
        {**GALLERY, "location": "westeurope"},
    )
    emulator.control(
        "POST",
        "images",
        {
            "subscription_id": SUB,
            "resource_group": "rg-images",
            "gallery": "galProd",
            "name": "ubuntu",
            "os_state": "Specialized",
        },
    )
    yield emulator
    clear_client_caches()


def _sdk_version(arm: ArmEmulatorProcess, name: str) -> dict:
    client = arm.compute_client(SUB)
    return client.gallery_image_versions.get(
        "rg-images", "galProd", "ubuntu", name, expand="ReplicationStatus"
    ).as_dict()


def _create(name: str = "1.0.0", tag: str | None = "run-a", **overrides) -> dict:
    args = {
        "source_vm_id": VM_ID,
        "target_regions": REGIONS,
        "end_of_life": "2030-01-01T00:00:00Z",
        "safety": {"allow_deletion_of_replicated_locations": True},
        "tags": {"team": "platform"},
    }
    args.update(overrides)
    return compute.begin_create_version(GALLERY, "ubuntu", name, idempotency_tag=tag, **args)


def _replicate(arm: ArmEmulatorProcess, days: int = 10) -> None:
    arm.control("POST", "clock", {"advance_seconds": days * 86400})


def test_get_vm_shape(arm):
    assert compute.get_vm(VM_ID) == {
        "id": VM_ID,
        "name": "vm1",
        "resource_group": "rg-src",
        "subscription_id": SUB,
        "location": "westeurope",
        "os_type": "Linux",
        "power_state": "running",
        "generalized": False,
        "hyper_v_generation": "V2",
        "disks": [
            {"name": "vm1_OsDisk", "size_gb": 30, "lun": None},
            {"name": "vm1_DataDisk_0", "size_gb": 64, "lun": 3},
        ],
        "zones": ["1"],
        "security_type": "Standard",
        "disk_controller_type": "SCSI",
        "os_disk_id": f"/subscriptions/{SUB}/resourceGroups/rg-src/providers/Microsoft.Compute"
        "/disks/vm1_OsDisk",
    }


def test_power_actions_wait_for_the_operation_and_are_idempotent(arm):
    compute.deallocate_vm(VM_ID)
    assert compute.get_vm(VM_ID)["power_state"] == "deallocated"
    compute.deallocate_vm(VM_ID)  # a retried activity must not fail
    compute.start_vm(VM_ID)
    assert compute.get_vm(VM_ID)["power_state"] == "running"
    compute.power_off_vm(VM_ID)
    assert compute.get_vm(VM_ID)["power_state"] == "stopped"
    compute.generalize_vm(VM_ID)
    vm = compute.get_vm(VM_ID)
    assert vm["generalized"] is True
    sdk_view = arm.compute_client(SUB).virtual_machines.instance_view("rg-src", "vm1").as_dict()
    assert "OSState/generalized" in [s["code"] for s in sdk_view["statuses"]]


def test_missing_vm_and_bad_ids(arm):
    missing = VM_ID.replace("vm1", "nope")
    with pytest.raises(NotFound) as caught:
        compute.get_vm(missing)
    assert (caught.value.status, caught.value.resource) == (404, missing)
    assert caught.value.code == "ResourceNotFound"
    with pytest.raises(InvalidRequest, match="virtualMachines/<name>"):
        compute.get_vm("/subscriptions/x/vm1")
    with pytest.raises(InvalidRequest, match="missing resource_group"):
        compute.get_gallery({"subscription_id": SUB, "name": "galProd"})


def test_gallery_and_definition(arm):
    assert compute.get_gallery(GALLERY) == {
        "id": DEF_ID.rsplit("/images/", 1)[0],
        "name": "galProd",
        "location": "westeurope",
    }
    assert compute.get_image_definition(GALLERY, "ubuntu") == {
        "id": DEF_ID,
        "location": "westeurope",
        "os_type": "Linux",
        "os_state": "Specialized",
        "hyper_v_generation": "V2",
        "architecture": "x64",
        "features": {},
    }
    with pytest.raises(NotFound):
        compute.get_image_definition(GALLERY, "nope")


def test_capture_creates_an_excluded_version_and_returns_before_replication(arm):
    compute.deallocate_vm(VM_ID)
    created = _create()
    assert created == {
        "id": f"{DEF_ID}/versions/1.0.0",
        "name": "1.0.0",
        "adopted": False,
        "provisioning_state": "Creating",
    }
    # What ARM holds: excluded globally and in every region, EOL, tags, VM source.
    held = _sdk_version(arm, "1.0.0")
    profile = held["properties"]["publishingProfile"]
    assert profile["excludeFromLatest"] is True
    assert [t["excludeFromLatest"] for t in profile["targetRegions"]] == [True, True]
    assert profile["endOfLifeDate"].startswith("2030-01-01")
    source = held["properties"]["storageProfile"]["source"]
    assert source["virtualMachineId"].lower() == VM_ID.lower()
    assert held["tags"] == {"team": "platform", compute.IDEMPOTENCY_TAG: "run-a"}

    replication = compute.get_replication(GALLERY, "ubuntu", "1.0.0")
    assert replication["aggregated_state"] == "InProgress"
    assert set(replication["regions"]) == {"westeurope", "eastus"}
    assert {r["state"] for r in replication["regions"].values()} == {"Replicating"}

    _replicate(arm)
    replication = compute.get_replication(GALLERY, "ubuntu", "1.0.0")
    assert replication["aggregated_state"] == "Completed"
    assert replication["regions"]["eastus"] == {
        "state": "Completed",
        "progress": 100,
        "details": "",
    }
    assert replication["provisioning_state"] == "Succeeded"

    version = compute.get_version(GALLERY, "ubuntu", "1.0.0")
    assert version == {
        "name": "1.0.0",
        "published_date": version["published_date"],
        "end_of_life": profile["endOfLifeDate"],
        "exclude_from_latest": True,
        "block_deletion_before_end_of_life": False,
        "allow_deletion_of_replicated_locations": True,  # _create asks for it
        "replication_mode": "Full",
        "regions": [
            {
                "name": "westeurope",
                "replica_count": 2,
                "storage_account_type": "Standard_ZRS",
                "exclude_from_latest": True,
                "state": "Completed",
                "encryption": None,
            },
            {
                "name": "eastus",
                "replica_count": 1,
                "storage_account_type": "Standard_LRS",
                "exclude_from_latest": True,
                "state": "Completed",
                "encryption": None,
            },
        ],
        "in_use": False,
        "provisioning_state": "Succeeded",
        "source_id": version["source_id"],
        "tags": {"team": "platform", compute.IDEMPOTENCY_TAG: "run-a"},
    }
    assert version["source_id"].lower() == VM_ID.lower()
    assert version["published_date"]


def test_capture_of_a_running_vm_is_refused_and_not_retryable(arm):
    with pytest.raises(Conflict) as caught:
        _create()
    assert caught.value.code == "OperationNotAllowed"
    assert not caught.value.retryable
    with pytest.raises(NotFound):
        compute.get_version(GALLERY, "ubuntu", "1.0.0")


def test_resent_create_adopts_its_own_version_and_refuses_anothers(arm):
    compute.deallocate_vm(VM_ID)
    _create(tag="run-a")
    again = _create(tag="run-a")
    assert again["adopted"] is True and again["name"] == "1.0.0"
    with pytest.raises(Conflict) as caught:
        _create(tag="run-b")
    assert caught.value.code == "VersionAlreadyExists" and not caught.value.retryable
    with pytest.raises(Conflict):
        _create(tag=None)
    log = arm.control("GET", "requests")["requests"]
    puts = [r for r in log if r["method"] == "PUT" and "/versions/" in r["path"]]
    assert len(puts) == 1
    assert [v["name"] for v in compute.list_versions(GALLERY, "ubuntu")] == ["1.0.0"]


def test_promote_regionally_then_globally(arm):
    compute.deallocate_vm(VM_ID)
    _create()
    _replicate(arm)
    after_wave = compute.set_exclude_from_latest(
        GALLERY, "ubuntu", "1.0.0", None, {"East US": False}
    )
    assert {r["name"]: r["exclude_from_latest"] for r in after_wave["regions"]} == {
        "westeurope": True,
        "eastus": False,
    }
    assert after_wave["exclude_from_latest"] is True
    final = compute.set_exclude_from_latest(
        GALLERY, "ubuntu", "1.0.0", False, {"westeurope": False}
    )
    assert final["exclude_from_latest"] is False
    held = _sdk_version(arm, "1.0.0")["properties"]["publishingProfile"]
    assert held["excludeFromLatest"] is False
    assert [t["excludeFromLatest"] for t in held["targetRegions"]] == [False, False]
    # Replica counts and storage types survive the PATCH.
    kept = [(t["regionalReplicaCount"], t["storageAccountType"]) for t in held["targetRegions"]]
    assert kept == [(2, "Standard_ZRS"), (1, "Standard_LRS")]
    with pytest.raises(InvalidRequest, match="northeurope"):
        compute.set_exclude_from_latest(GALLERY, "ubuntu", "1.0.0", None, {"northeurope": True})


def test_retry_a_failed_region_by_removing_and_re_adding_it(arm):
    arm.control("POST", "faults", {"kind": "replication_failure", "region": "eastus", "times": 1})
    compute.deallocate_vm(VM_ID)
    _create()
    _replicate(arm)
    replication = compute.get_replication(GALLERY, "ubuntu", "1.0.0")
    assert replication["regions"]["eastus"]["state"] == "Failed"
    assert replication["regions"]["eastus"]["details"]
    assert replication["aggregated_state"] == "Failed"

    shrunk = compute.set_target_regions(GALLERY, "ubuntu", "1.0.0", [REGIONS[0]])
    assert [r["name"] for r in shrunk["regions"]] == ["westeurope"]
    grown = compute.set_target_regions(GALLERY, "ubuntu", "1.0.0", REGIONS)
    assert {r["name"]: r["state"] for r in grown["regions"]} == {
        "westeurope": "Completed",
        "eastus": "Replicating",
    }
    assert {r["name"]: r["exclude_from_latest"] for r in grown["regions"]} == {
        "westeurope": True,
        "eastus": True,
    }
    _replicate(arm)
    assert compute.get_replication(GALLERY, "ubuntu", "1.0.0")["aggregated_state"] == "Completed"


def test_list_and_delete_versions(arm):
    compute.deallocate_vm(VM_ID)
    for name in ("1.10.0", "1.0.0", "1.9.1"):
        _create(name, tag=f"run-{name}")
        # one source feeds one replication at a time (docs/azure-facts.md#q2)
        _replicate(arm)
    listed = compute.list_versions(GALLERY, "ubuntu")
    assert [v["name"] for v in listed] == ["1.0.0", "1.9.1", "1.10.0"]
    assert all(r["state"] == "Completed" for v in listed for r in v["regions"])
    without = compute.list_versions(GALLERY, "ubuntu", with_replication=False)
    assert [r["state"] for r in without[0]["regions"]] == [None, None]

    assert compute.delete_version(GALLERY, "ubuntu", "1.0.0") == {
        "deleted": True,
        "already_absent": False,
    }
    assert compute.delete_version(GALLERY, "ubuntu", "1.0.0") == {
        "deleted": True,
        "already_absent": True,
    }
    assert [v["name"] for v in compute.list_versions(GALLERY, "ubuntu")] == ["1.9.1", "1.10.0"]


def test_deletion_blocked_before_end_of_life_is_a_permanent_conflict(arm):
    compute.deallocate_vm(VM_ID)
    _create(safety={"block_deletion_before_end_of_life": True})
    assert compute.get_version(GALLERY, "ubuntu", "1.0.0")["block_deletion_before_end_of_life"]
    with pytest.raises(Conflict) as caught:
        compute.delete_version(GALLERY, "ubuntu", "1.0.0")
    assert not caught.value.retryable
    assert compute.get_version(GALLERY, "ubuntu", "1.0.0")["name"] == "1.0.0"


def test_usages_and_quota_exceeded(arm):
    arm.control(
        "POST",
        "quotas",
        {"limits": {"image_versions": 1}, "subscription_id": SUB, "region": "westeurope"},
    )
    assert compute.get_usages(SUB, "West Europe") == {
        "galleries": (1, 100),
        "image_definitions": (1, 1000),
        "image_versions": (0, 1),
    }
    compute.deallocate_vm(VM_ID)
    _create("1.0.0")
    assert compute.get_usages(SUB, "westeurope")["image_versions"] == (1, 1)
    with pytest.raises(QuotaExceeded) as caught:
        _create("1.0.1", tag="run-b")
    assert caught.value.code == "QuotaExceeded" and not caught.value.retryable
    assert caught.value.resource.endswith("/versions/1.0.1")


def test_find_image_references_scans_vms_and_scale_sets(arm):
    version_id = f"{DEF_ID}/versions/1.0.0"
    arm.control(
        "POST",
        "vms",
        {
            "subscription_id": SUB,
            "resource_group": "rg-app",
            "name": "app1",
            "location": "eastus",
            "image_reference_id": version_id,
        },
    )
    arm.control(
        "POST",
        "scale-sets",
        {
            "subscription_id": SUB,
            "resource_group": "rg-app",
            "name": "pool",
            "location": "westeurope",
            "image_reference_id": DEF_ID,
        },
    )
    # a VM whose model names a marketplace image, but whose OS disk was made from 1.0.1
    disk_only = f"{DEF_ID}/versions/1.0.1"
    arm.control(
        "POST",
        "vms",
        {
            "subscription_id": SUB,
            "resource_group": "rg-app",
            "name": "app2",
            "location": "eastus",
            "os_disk_gallery_image_id": disk_only,
        },
    )
    assert compute.find_image_references(SUB) == sorted([version_id, DEF_ID, disk_only])
    # app1 is named by its model and by its OS disk (managedBy): it counts once
    counts = compute.count_image_references(SUB)
    assert counts == {version_id: 1, DEF_ID: 1, disk_only: 1}
    # Azure Resource Graph's one query finds the same (GALLERYFLOW_INUSE_RESOURCE_GRAPH)
    assert count_image_references_graph([SUB, "0" * 8 + "-0000-0000-0000-" + "0" * 12]) == counts


def test_the_emulator_lists_disks_like_the_disk_rp(arm):
    disks = arm.compute_client(SUB).disks
    listed = list(disks.list())
    assert [d.name for d in listed] == ["vm1_DataDisk_0", "vm1_OsDisk"]
    by_group = [d.name for d in disks.list_by_resource_group("rg-src")]
    assert by_group == ["vm1_DataDisk_0", "vm1_OsDisk"]
    os_disk = next(d for d in listed if d.name == "vm1_OsDisk")
    assert str(os_disk.managed_by).lower() == VM_ID.lower()
    assert os_disk.properties.os_type == "Linux"


def test_the_emulator_answers_only_the_in_use_resource_graph_query(arm):
    url = arm.url + "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"
    headers = {"Authorization": f"Bearer {arm.token}"}

    def ask(body):
        return requests.post(url, json=body, headers=headers, verify=str(arm.ca_file), timeout=30)

    for name in ("a1", "a2", "a3"):
        arm.control(
            "POST",
            "vms",
            {
                "subscription_id": SUB,
                "resource_group": "rg-app",
                "name": name,
                "location": "eastus",
                "image_reference_id": f"{DEF_ID}/versions/1.0.0",
            },
        )
    first = ask({"subscriptions": [SUB], "query": QUERY, "options": {"$top": 2}})
    assert first.status_code == 200, first.text
    page = first.json()
    # a1..a3 and their OS disks (made from the version): 6 rows, 2 per page
    assert (page["totalRecords"], page["count"], page["resultTruncated"]) == (6, 2, "false")
    assert set(page["data"][0]) == {"id", "type", "managedBy", "image"}
    rest = ask(
        {"subscriptions": [SUB], "query": QUERY, "options": {"$skipToken": page["$skipToken"]}}
    ).json()
    assert rest["count"] == 4 and "$skipToken" not in rest
    refused = ask({"subscriptions": [SUB], "query": "Resources | limit 1"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "BadRequest"


def _patch():
    """Assess, then install, each looked at until it ends (the VM is running)."""
    for handle in (
        compute.begin_assess_patches(VM_ID),
        compute.begin_install_patches(VM_ID, {"rebootSetting": "IfRequired"}),
    ):
        looks = [compute.poll_patch_operation(handle) for _ in range(3)]
        assert looks[-1]["done"] and looks[-1]["result"]["status"] == "Succeeded", looks
    compute.begin_run_command(VM_ID, "customize", "echo hi", 60, "westeurope")
    assert compute.get_run_command(VM_ID, "customize")["exit_code"] == 0


def test_each_function_performs_only_its_declared_actions(arm):
    """The request log names the ARM action of every call: it must be declared."""
    calls = [
        (compute.get_vm, (VM_ID,)),
        (compute.get_disk, (compute.get_vm(VM_ID)["os_disk_id"],)),
        (compute.deallocate_vm, (VM_ID,)),
        (compute.get_gallery, (GALLERY,)),
        (compute.get_image_definition, (GALLERY, "ubuntu")),
        (_create, ()),
        (compute.get_replication, (GALLERY, "ubuntu", "1.0.0")),
        (compute.set_exclude_from_latest, (GALLERY, "ubuntu", "1.0.0", False, {})),
        (compute.set_target_regions, (GALLERY, "ubuntu", "1.0.0", REGIONS[:1])),
        (compute.restore_safety, (GALLERY, "ubuntu", "1.0.0")),
        (compute.set_end_of_life, (GALLERY, "ubuntu", "1.0.0", "2031-01-01T00:00:00Z")),
        (compute.list_versions, (GALLERY, "ubuntu")),
        (compute.get_usages, (SUB, "westeurope")),
        (compute.find_image_references, (SUB,)),
        (count_image_references_graph, ([SUB],)),
        (list_permissions, (VM_ID,)),
        (compute.delete_version, (GALLERY, "ubuntu", "1.0.0")),
        (compute.start_vm, (VM_ID,)),
        (_patch, ()),
        (compute.power_off_vm, (VM_ID,)),
        (compute.generalize_vm, (VM_ID,)),
    ]
    seen: set[str] = set()
    for func, args in calls:
        if func is compute.get_replication:
            _replicate(arm)  # updates wait for the create to end (docs/azure-facts.md#q1)
        before = arm.control("GET", "requests")["requests"]
        since = before[-1]["seq"] if before else 0
        func(*args)
        log = arm.control("GET", "requests?since=" + str(since))["requests"]
        performed = {r["action"] for r in log if r["action"]}
        targets = {
            _create: [compute.begin_create_version],
            _patch: [
                compute.begin_assess_patches,
                compute.begin_install_patches,
                compute.poll_patch_operation,
                compute.begin_run_command,
                compute.get_run_command,
            ],
        }.get(func, [func])
        declared = frozenset().union(
            *(actions.DECLARED_ACTIONS[f"{t.__module__}.{t.__qualname__}"] for t in targets)
        )
        assert performed <= declared, (func.__name__, performed - declared)
        seen |= performed
    assert seen == actions.ARM_ACTIONS
