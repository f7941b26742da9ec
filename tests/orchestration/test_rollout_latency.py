"""Progress-aware replication on the real stack: a long, slow, still progressing replication
is never given up; a stalled region is retried (issue #12, item 7)."""

from __future__ import annotations

import pytest

from sandbox.stack import Stack

TWENTY = [
    "westeurope", "northeurope", "eastus", "eastus2", "westus2", "westus3", "centralus",
    "uksouth", "francecentral", "swedencentral", "norwayeast", "switzerlandnorth",
    "germanywestcentral", "polandcentral", "italynorth", "canadacentral", "brazilsouth",
    "japaneast", "australiaeast", "southeastasia",
]  # fmt: skip


@pytest.mark.long
def test_a_default_512_gb_publish_to_20_regions_succeeds(sandbox_stack: Stack) -> None:
    # 512 GB at 8 MB/s +-20 %: 15-22 h per region, far beyond the old 720-minute timeout
    ids = sandbox_stack.seed_demo(vm_name="vm-big", definition="big", os_disk_size_gb=512)
    run = sandbox_stack.start_orchestration("publish_image", ids.request(TWENTY))
    status = sandbox_stack.wait_for_run(run, timeout=300)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "succeeded", result["warnings"]
    assert {r["attempt"] for r in result["regions"].values()} == {1}  # nothing retried
    assert set(result["latest"].values()) == {"1.0.0"}


@pytest.mark.long
def test_a_stalled_region_is_retried(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(vm_name="vm-stall", definition="stall")
    # eastus's first attempt stops at 30 % and never completes; the retry runs normally
    sandbox_stack.arm_control(
        "POST",
        "settings",
        {"replication_progress_shape_by_region": {"eastus": ["stuck", "linear"]}},
    )
    try:
        request = ids.request(
            ["westeurope", "eastus", "westus3"],
            replication={"stall_minutes": 60},
            rollout={"mode": "all_at_once"},
        )
        run = sandbox_stack.start_orchestration("publish_image", request)
        status = sandbox_stack.wait_for_run(run, timeout=180)
    finally:
        sandbox_stack.arm_control("POST", "settings", {"replication_progress_shape_by_region": {}})

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "succeeded"
    assert result["regions"]["eastus"]["attempt"] == 2
    assert result["regions"]["westeurope"]["attempt"] == 1
    log = status["customStatus"]["log"]
    assert any(
        "eastus: attempt 2, retrying after: no replication progress" in line
        and "stalled at 30 %" in line
        for line in log
    ), log
