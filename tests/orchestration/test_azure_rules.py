"""Publishing by Azure's own rules on the whole stack (issue #13): 40 production regions,
the per-region replica limit, the safety profile through a publish and a shrink, the
security-type preflight, encryption and Shallow round-trips."""

from __future__ import annotations

from typing import Any

import pytest

from galleryflow.domain.regions import REGIONS
from sandbox.stack import DemoIds, Stack

DAY = 86_400
DES = "/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-1"


def _seed(stack: Stack, name: str, **options: Any) -> DemoIds:
    return stack.seed_demo(vm_name=f"vm-{name}", definition=name, **options)


def _log_since(stack: Stack, since: int) -> list[dict[str, Any]]:
    return list(stack.arm_control("GET", f"requests?since={since}")["requests"])


def _last_seq(stack: Stack) -> int:
    log = stack.arm_control("GET", "requests")["requests"]
    return int(log[-1]["seq"]) if log else 0


@pytest.mark.long
def test_a_production_publish_to_forty_regions_with_three_replicas_each(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "forty")
    regions = ["westeurope", *sorted(r for r in REGIONS if r != "westeurope")[:39]]
    # docs/azure-facts.md#q4: 120 replicas over 40 regions; the emulator caps regions at 50
    # each and, like Azure's documented limits, puts no cap on the sum by default.
    request = ids.request(regions, production=True, target_regions=[{"name": r} for r in regions])
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run, timeout=600)
    assert status["runtimeStatus"] == "Completed", str(status.get("output"))[:2000]
    output = status["output"]
    assert output["status"] == "succeeded" and len(output["regions"]) == 40
    version = sandbox_stack.versions(ids)[output["version"]]
    props = version["properties"]
    targets = props["publishingProfile"]["targetRegions"]
    assert len(targets) == 40
    assert {t["regionalReplicaCount"] for t in targets} == {3}
    assert sum(t["regionalReplicaCount"] for t in targets) == 120
    assert all(t["excludeFromLatest"] is False for t in targets)  # promoted everywhere
    assert props["safetyProfile"]["allowDeletionOfReplicatedLocations"] is False


def test_over_the_per_region_limit_is_refused_naming_the_region(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "limit")
    body = ids.request(
        ["westeurope"],
        target_regions=[
            {"name": "westeurope", "replica_count": 3},
            {"name": "eastus", "replica_count": 51},
        ],
    )
    answer = sandbox_stack.api("POST", "publish", body)
    assert answer.status_code == 400, answer.text
    [problem] = answer.json()["error"]["details"]
    assert problem["path"] == "$.target_regions[1]"
    assert "eastus" in problem["message"] and "at most 50 replicas per region" in problem["message"]


def _put_version(stack: Stack, ids: DemoIds, name: str, regions: list[str]) -> None:
    stack.arm_put(
        f"{stack.definition_id(ids)}/versions/{name}",
        {
            "location": ids.location,
            "properties": {
                "publishingProfile": {
                    "targetRegions": [{"name": r, "regionalReplicaCount": 1} for r in regions]
                },
                "storageProfile": {"source": {"virtualMachineId": ids.vm_id}},
                "safetyProfile": {"allowDeletionOfReplicatedLocations": False},
            },
        },
    )


def test_a_shrink_lifts_the_flag_only_for_its_removal_and_restores_it(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "shrink", power_state="deallocated")
    _put_version(sandbox_stack, ids, "1.0.0", ["westeurope", "eastus"])
    sandbox_stack.advance_clock(60 * DAY)
    before = sandbox_stack.versions(ids)["1.0.0"]["properties"]["safetyProfile"]
    assert before["allowDeletionOfReplicatedLocations"] is False
    since = _last_seq(sandbox_stack)
    retention = {
        "keep_last": 1,
        "keep_newer_than_days": 0,
        "min_good_versions": 1,
        "shrink_old_to_one_region": True,
        "auto_prune": True,
        "dry_run": False,
    }
    run = sandbox_stack.start_orchestration(
        "publish_image", ids.request(["westeurope", "eastus"], retention=retention)
    )
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", str(status.get("output"))[:2000]
    # During: the emulator's log shows the removal PATCH carrying the lifted flag, then the
    # restoring PATCH; nothing else wrote to 1.0.0.
    writes = [
        (r["target_regions"], r["safety_profile"]["allowDeletionOfReplicatedLocations"])
        for r in _log_since(sandbox_stack, since)
        if r["method"] == "PATCH" and r["path"].endswith("/versions/1.0.0")
    ]
    assert writes == [(["westeurope"], True), (["westeurope"], False)]
    after = sandbox_stack.versions(ids)["1.0.0"]
    assert after["properties"]["safetyProfile"]["allowDeletionOfReplicatedLocations"] is False
    assert "galleryflow-safety-lifted" not in after["tags"]
    assert [t["name"] for t in after["properties"]["publishingProfile"]["targetRegions"]] == [
        "West Europe"
    ]


def test_a_trusted_launch_vm_and_a_definition_without_the_feature_fail_in_preflight(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "tl", security_type="TrustedLaunch")
    since = _last_seq(sandbox_stack)
    run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Failed"
    output = str(status["output"])
    assert "preflight failed on" in output and "SecurityTypeMismatch" in output
    assert "TrustedLaunch" in output and "no SecurityType feature (Standard)" in output
    assert "SecurityType=TrustedLaunchSupported" in output  # the fix
    actions = {r["action"] for r in _log_since(sandbox_stack, since)}
    assert "Microsoft.Compute/disks/read" in actions  # the architecture was read
    assert "Microsoft.Compute/virtualMachines/deallocate/action" not in actions
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_encryption_and_shallow_round_trip_through_a_publish(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "shallow")
    des = f"/subscriptions/{ids.subscription_id}{DES}"
    encrypted = ids.request(
        ["westeurope"],
        version={"strategy": "explicit", "value": "1.0.0"},
        target_regions=[{"name": "westeurope", "encryption": {"os_disk_encryption_set_id": des}}],
    )
    shallow = ids.request(
        ["westeurope"],
        version={"strategy": "explicit", "value": "1.0.1"},
        replication_mode="Shallow",
    )
    for request in (encrypted, shallow):  # one after the other: one source, one replication
        status = sandbox_stack.wait_for_run(
            sandbox_stack.start_orchestration("publish_image", request)
        )
        assert status["runtimeStatus"] == "Completed", str(status.get("output"))[:2000]
    held = sandbox_stack.versions(ids)
    [target] = held["1.0.0"]["properties"]["publishingProfile"]["targetRegions"]
    assert target["encryption"] == {"osDiskImage": {"diskEncryptionSetId": des}}
    assert held["1.0.0"]["properties"]["publishingProfile"]["replicationMode"] == "Full"
    assert held["1.0.1"]["properties"]["publishingProfile"]["replicationMode"] == "Shallow"
    # The versions view shows both.
    view = sandbox_stack.api(
        "GET",
        f"galleries/{ids.gallery['name']}/images/{ids.definition}/versions"
        f"?resource_group={ids.gallery['resource_group']}"
        f"&subscription_id={ids.subscription_id}",
    ).json()
    shown = {v["name"]: v for v in view["versions"]}
    assert shown["1.0.1"]["replication_mode"] == "Shallow"
    assert shown["1.0.0"]["regions"][0]["encryption"]["os_disk_encryption_set_id"] == des
