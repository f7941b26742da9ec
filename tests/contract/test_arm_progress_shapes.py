"""Replication progress shapes (sandbox/arm/progress.py): linear, stepped, stall-then-fast,
stuck, per region and per attempt; completion time does not depend on the shape."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.arm import progress
from sandbox.arm.seeding import seed_capture_scenario

SUB = "44444444-2222-3333-4444-555555555555"
SHAPES = "replication_progress_shape_by_region"


@given(st.sampled_from(sorted(progress.SHAPES)), st.floats(0, 1), st.floats(0, 1))
def test_every_shape_rises_monotonically_within_0_and_1(shape: str, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert 0 <= progress.fraction_done(shape, low) <= progress.fraction_done(shape, high) <= 1


def test_shape_by_attempt_repeats_the_last_one() -> None:
    settings = {progress.SHAPE: "linear", SHAPES: {"eastus": ["stuck", "stepped"]}}
    assert [progress.shape_for(settings, "eastus", a) for a in (1, 2, 3)] == [
        "stuck", "stepped", "stepped"
    ]  # fmt: skip
    assert progress.shape_for(settings, "westus", 1) == "linear"


def _progress_by_region(emulator: Any, client: Any, steps: int, step: int) -> dict[str, list]:
    seen: dict[str, list] = {}
    for _ in range(steps):
        version = client.gallery_image_versions.get(
            "rg-images", "galProd", "ubuntu-golden", "1.0.0", expand="ReplicationStatus"
        )
        for row in version.properties.replication_status.summary:
            seen.setdefault(row.region, []).append((row.state, row.progress))
        emulator.control("POST", "clock", {"advance_seconds": step})
    return seen


def test_shapes_per_region_on_the_wire(arm_emulator: Any) -> None:
    arm_emulator.control("POST", "clock", {"now": "2030-01-01T00:00:00Z"})
    arm_emulator.control(
        "POST",
        "settings",
        {
            "replication_jitter": 0,
            "replication_progress_shape": "stall_then_fast",
            SHAPES: {"East US": "stepped", "westus2": "stuck", "uksouth": "linear"},
        },
    )
    ids = seed_capture_scenario(
        arm_emulator, SUB, os_disk_size_gb=10, power_state="deallocated", generalized=True
    )
    client = arm_emulator.compute_client(SUB)
    body = {
        "location": "westeurope",
        "properties": {
            "publishingProfile": {
                "targetRegions": [
                    {"name": r} for r in ("westeurope", "eastus", "westus2", "uksouth")
                ]
            },
            "storageProfile": {"source": {"virtualMachineId": ids["vm_id"]}},
        },
    }
    client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0", body
    )
    try:
        # 10 GB at 8 MB/s: 1280 s; read every 128 s (a tenth)
        seen = _progress_by_region(arm_emulator, client, 12, 128)
    finally:
        arm_emulator.control(
            "POST", "settings", {"replication_progress_shape": "linear", SHAPES: {}}
        )
    linear = [p for _, p in seen["UK South"]]
    assert linear[:10] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    stepped = [p for _, p in seen["East US"]]
    assert stepped[:10] == [0, 0, 20, 20, 40, 40, 60, 60, 80, 80]
    stall = [p for _, p in seen["West Europe"]]
    assert stall[5] <= 10 and stall[9] >= 75  # crawls, then fast
    for region in ("UK South", "East US", "West Europe"):
        assert seen[region][10] == ("Completed", 100)  # same completion time, any shape
    stuck = seen["West US 2"]
    assert stuck[-1] == ("Replicating", 30) and stuck[5] == ("Replicating", 30)
    # ARM gives up on a stuck attempt at 3x its planned duration (1280 s here)
    arm_emulator.control("POST", "clock", {"advance_seconds": 3 * 1280})
    version = client.gallery_image_versions.get(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0", expand="ReplicationStatus"
    )
    rows = {r.region: r for r in version.properties.replication_status.summary}
    assert rows["West US 2"].state == "Failed" and "no progress" in rows["West US 2"].details


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"replication_progress_shape": "wobbly"}, "one of linear, stepped"),
        ({SHAPES: {"mars": "linear"}}, "'mars' is not a known region"),
        ({SHAPES: {"eastus": []}}, "got []"),
        ({SHAPES: "linear"}, "object of region name"),
    ],
)
def test_bad_shape_settings_are_refused_with_the_choices(
    arm_emulator: Any, spec: dict[str, Any], words: str
) -> None:
    with pytest.raises(Exception) as refused:
        arm_emulator.control("POST", "settings", spec)
    assert words in str(refused.value)
