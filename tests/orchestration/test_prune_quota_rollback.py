"""Retention, quotas and rollback on the real stack, asserting the emulator's versions."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.stack import DemoIds, Stack, prune_old

DAY = 86_400


def _seed(stack: Stack, name: str, **options: Any) -> DemoIds:
    return stack.seed_demo(vm_name=f"vm-{name}", definition=name, **options)


def _put_version(
    stack: Stack, ids: DemoIds, name: str, regions: list[str], **properties: Any
) -> None:
    stack.put_version(ids, name, regions, **properties)


def _publish(stack: Stack, ids: DemoIds, regions: list[str], **overrides: Any) -> dict[str, Any]:
    run = stack.start_orchestration("publish_image", ids.request(regions, **overrides))
    return stack.wait_for_run(run)


def _flags(stack: Stack, ids: DemoIds, name: str) -> tuple[bool, dict[str, bool]]:
    profile = stack.versions(ids)[name]["properties"]["publishingProfile"]
    return profile["excludeFromLatest"], {
        t["name"].replace(" ", "").lower(): t.get("excludeFromLatest")
        for t in profile["targetRegions"]
    }


def _version_usage(stack: Stack, ids: DemoIds) -> int:
    usages = stack.arm_get(
        f"/subscriptions/{ids.subscription_id}/providers/Microsoft.Compute/locations/"
        f"{ids.location}/usages"
    )["value"]
    return next(
        int(u["currentValue"]) for u in usages if u["name"]["value"] == "GalleryImageVersion"
    )


def _limit_versions(stack: Stack, ids: DemoIds, limit: int) -> None:
    stack.arm_control(
        "POST",
        "quotas",
        {
            "limits": {"image_versions": limit},
            "subscription_id": ids.subscription_id,
            "region": ids.location,
        },
    )


def test_prune_never_deletes_in_use_latest_or_eol_blocked(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "prune", power_state="deallocated")
    definition = sandbox_stack.definition_id(ids)
    _put_version(sandbox_stack, ids, "1.0.0", ["westeurope"])  # in use by a VM
    _put_version(
        sandbox_stack,
        ids,
        "1.0.1",
        ["westeurope"],  # blocked before EOL
        profile={"endOfLifeDate": "2099-01-01T00:00:00Z"},
        safetyProfile={"blockDeletionBeforeEndOfLife": True},
    )
    _put_version(
        sandbox_stack,
        ids,
        "1.0.2",
        ["eastus", "westeurope"],  # latest in eastus
        profile={"excludeFromLatest": False},
    )
    _put_version(sandbox_stack, ids, "1.0.3", ["westeurope"])  # old, unprotected
    _put_version(sandbox_stack, ids, "1.0.4", ["westeurope"])  # latest in westeurope
    sandbox_stack.add_vm(
        ids.subscription_id,
        "vm-app",
        "westeurope",
        power_state="running",
        image_reference_id=f"{definition}/versions/1.0.0",
    )
    sandbox_stack.advance_clock(60 * DAY)  # replication done, every version 60 days old
    retention = prune_old(30)
    request = {"gallery": ids.gallery, "image_definition": "prune", "retention": retention}

    plan_run = sandbox_stack.start_orchestration("prune_image", {**request, "apply": False})
    planned = sandbox_stack.wait_for_run(plan_run)["output"]
    decisions = {d["name"]: d["action"] for d in planned["plan"]["decisions"]}
    assert decisions == {
        "1.0.4": "keep",
        "1.0.3": "delete",
        "1.0.2": "keep",
        "1.0.1": "keep",
        "1.0.0": "keep",
    }
    assert planned["deleted"] == [] and len(sandbox_stack.versions(ids)) == 5  # dry run

    run = sandbox_stack.start_orchestration("prune_image", {**request, "apply": True})
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["deleted"] == ["1.0.3"]
    assert sorted(sandbox_stack.versions(ids)) == ["1.0.0", "1.0.1", "1.0.2", "1.0.4"]
    reasons = {d["name"]: d["reason"] for d in status["output"]["plan"]["decisions"]}
    assert "in use" in reasons["1.0.0"]
    assert "end of life" in reasons["1.0.1"]
    assert "latest in eastus" in reasons["1.0.2"]
    pruned = [e for e in sandbox_stack.events(run) if e["type"] == "galleryflow.pruned.v1"]
    assert pruned and pruned[0]["data"]["deleted"] == ["1.0.3"]


def test_quota_full_without_auto_prune_fails_before_touching_the_vm(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "quota1", subscription_id="00000000-0000-0000-0000-0000000000a1")
    assert _publish(sandbox_stack, ids, ["westeurope"])["runtimeStatus"] == "Completed"
    _limit_versions(sandbox_stack, ids, _version_usage(sandbox_stack, ids))

    status = _publish(sandbox_stack, ids, ["westeurope"])

    assert status["runtimeStatus"] == "Failed"
    assert "preflight failed on westeurope: QuotaExceeded" in status["output"]
    assert list(sandbox_stack.versions(ids)) == ["1.0.0"]
    log = sandbox_stack.arm_control("GET", "requests")["requests"]
    deallocations = [r for r in log if r["path"].endswith("vm-quota1/deallocate")]
    assert len(deallocations) == 1  # only the first (successful) publish deallocated it
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_quota_full_with_auto_prune_makes_room(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "quota2", subscription_id="00000000-0000-0000-0000-0000000000a2")
    for _ in range(2):
        assert _publish(sandbox_stack, ids, ["westeurope"])["runtimeStatus"] == "Completed"
    sandbox_stack.advance_clock(60 * DAY)
    _limit_versions(sandbox_stack, ids, _version_usage(sandbox_stack, ids))
    retention = prune_old(30)

    status = _publish(sandbox_stack, ids, ["westeurope"], retention=retention)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["version"] == "1.0.2"
    # 1.0.0 made room before the capture; 1.0.1 went after 1.0.2 became latest
    assert status["output"]["pruned"] == ["1.0.0", "1.0.1"]
    assert list(sandbox_stack.versions(ids)) == ["1.0.2"]


def test_rollback_happy_globally_and_in_one_region(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "rb")
    regions = ["westeurope", "eastus"]
    for _ in range(3):
        assert _publish(sandbox_stack, ids, regions)["runtimeStatus"] == "Completed"

    run = sandbox_stack.start_orchestration(
        "rollback_image",
        {"gallery": ids.gallery, "image_definition": "rb", "version": "1.0.2", "regions": None},
    )
    result = sandbox_stack.wait_for_run(run)["output"]
    assert result["before"] == {"westeurope": "1.0.2", "eastus": "1.0.2"}
    assert result["after"] == {"westeurope": "1.0.1", "eastus": "1.0.1"}
    assert _flags(sandbox_stack, ids, "1.0.2") == (True, {"westeurope": True, "eastus": True})
    assert [e["type"] for e in sandbox_stack.events(run)] == ["galleryflow.rolled-back.v1"]

    regional = sandbox_stack.start_orchestration(
        "rollback_image",
        {
            "gallery": ids.gallery,
            "image_definition": "rb",
            "version": "1.0.1",
            "regions": ["eastus"],
        },
    )
    result = sandbox_stack.wait_for_run(regional)["output"]
    assert result["after"] == {"eastus": "1.0.0"}
    assert _flags(sandbox_stack, ids, "1.0.1") == (False, {"westeurope": False, "eastus": True})


def test_rollback_refused_when_a_region_would_have_no_good_version(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "rbonly")
    assert _publish(sandbox_stack, ids, ["westeurope"])["runtimeStatus"] == "Completed"

    run = sandbox_stack.start_orchestration(
        "rollback_image",
        {"gallery": ids.gallery, "image_definition": "rbonly", "version": "1.0.0", "regions": None},
    )
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "RollbackRefused" in status["output"] and "westeurope" in status["output"]
    assert _flags(sandbox_stack, ids, "1.0.0") == (False, {"westeurope": False})


def test_prune_shrinks_old_versions_to_one_region(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "shrink", power_state="deallocated")
    # The old versions list the home region (the definition's, westeurope) last or in the
    # middle: the region a shrink keeps must be the home region, not the first listed one.
    listed = {
        "2.0.0": ["eastus", "westus3", "westeurope"],
        "2.0.1": ["westus3", "westeurope", "eastus"],
        "2.0.2": ["westeurope", "eastus", "westus3"],
    }
    for name, regions in listed.items():
        _put_version(
            sandbox_stack,
            ids,
            name,
            regions,
            profile={"excludeFromLatest": False},
            safetyProfile={"allowDeletionOfReplicatedLocations": True},
        )
    sandbox_stack.advance_clock(60 * DAY)
    retention = {
        "keep_last": 1,
        "keep_newer_than_days": 30,
        "min_good_versions": 1,
        "shrink_old_to_one_region": True,
        "auto_prune": True,
        "dry_run": False,
    }
    run = sandbox_stack.start_orchestration(
        "prune_image",
        {
            "gallery": ids.gallery,
            "image_definition": "shrink",
            "retention": retention,
            "apply": True,
        },
    )
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["shrunk"] == ["2.0.0", "2.0.1"]
    assert status["output"]["deleted"] == []
    versions = sandbox_stack.versions(ids)
    regions = {
        name: [
            t["name"].replace(" ", "").lower()
            for t in v["properties"]["publishingProfile"]["targetRegions"]
        ]
        for name, v in versions.items()
    }
    assert regions == {
        "2.0.0": ["westeurope"],
        "2.0.1": ["westeurope"],
        "2.0.2": ["westeurope", "eastus", "westus3"],
    }


@pytest.mark.parametrize(
    ("name", "step"), [("rollback_image", "rollback"), ("prune_image", "prune")]
)
def test_a_maintenance_input_that_is_no_request_fails_at_once(
    sandbox_stack: Stack, name: str, step: str
) -> None:
    # Both orchestrators parse their input once into the typed maintenance request.
    status = sandbox_stack.wait_for_run(sandbox_stack.start_orchestration(name, {"gallery": 7}))

    assert status["runtimeStatus"] == "Failed"
    assert f"{step} failed on $: InvalidRequest: " in status["output"]
    assert "$.image_definition: is required" in status["output"]
    assert status["customStatus"]["step"] == "failed"
