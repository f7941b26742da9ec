"""Replication duration: image size over a per-region throughput, with seeded jitter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.arm.seeding import seed_capture_scenario
from sandbox.arm.testing import ArmEmulatorProcess, start_arm_emulator

SUB = "33333333-2222-3333-4444-555555555555"
START = "2030-01-01T00:00:00Z"
REGIONS = ["westeurope", "northeurope", "eastus", "westus2", "uksouth", "japaneast"]
RATES = "replication_mb_per_second_by_region"


def _captured(emulator: Any) -> tuple[Any, str]:
    """A 10 GB VM (vm-build) and a 100 GB one (vm-big), both ready to capture, at START."""
    emulator.control("POST", "clock", {"now": START})
    ids = seed_capture_scenario(
        emulator, SUB, os_disk_size_gb=10, power_state="deallocated", generalized=True
    )
    emulator.control(
        "POST",
        "vms",
        {
            "subscription_id": SUB, "resource_group": "rg-src", "name": "vm-big",
            "location": "westeurope", "os_disk_size_gb": 100, "power_state": "deallocated",
            "generalized": True,
        },
    )  # fmt: skip
    return emulator.compute_client(SUB), ids["vm_id"]


def _create(client: Any, vm_id: str, name: str, regions: list[str]) -> None:
    body = {
        "location": "westeurope",
        "properties": {
            "publishingProfile": {"targetRegions": [{"name": r} for r in regions]},
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }
    client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", name, body
    )


def _completion_seconds(
    emulator: Any, client: Any, names: list[str], step: int, limit: int = 400
) -> dict[tuple[str, str], int]:
    """Simulated seconds after creation at which each (version, region) reached Completed,
    to `step` seconds; the clock is stepped until every region of every version is done."""
    done: dict[tuple[str, str], int] = {}
    for index in range(limit):
        pending = False
        for name in names:
            version = client.gallery_image_versions.get(
                "rg-images", "galProd", "ubuntu-golden", name, expand="ReplicationStatus"
            )
            for row in version.properties.replication_status.summary:
                if row.state == "Completed":
                    done.setdefault((name, row.region), index * step)
                else:
                    pending = True
        if not pending:
            return done
        emulator.control("POST", "clock", {"advance_seconds": step})
    raise AssertionError(f"replication not complete after {limit * step} s: {done}")


def test_a_10_gb_image_finishes_before_a_100_gb_one_in_the_same_region(
    arm_emulator: Any,
) -> None:
    client, vm_id = _captured(arm_emulator)
    big_id = vm_id.rsplit("/", 1)[0] + "/vm-big"
    _create(client, vm_id, "1.0.0", ["westeurope"])
    _create(client, big_id, "2.0.0", ["westeurope"])
    done = _completion_seconds(arm_emulator, client, ["1.0.0", "2.0.0"], step=300)
    small, big = done[("1.0.0", "West Europe")], done[("2.0.0", "West Europe")]
    # 10 GB at 8 MB/s +-20 % takes 1067..1600 s, 100 GB ten times that
    assert 900 <= small <= 1800
    assert big >= 5 * small


def test_a_faster_region_finishes_first_and_unlisted_regions_use_the_default(
    arm_emulator: Any,
) -> None:
    table = arm_emulator.control(
        "POST", "settings", {RATES: {"East US": 80, "westus2": 2}, "replication_jitter": 0}
    )[RATES]
    assert table == {"eastus": 80.0, "westus2": 2.0}
    client, vm_id = _captured(arm_emulator)
    _create(client, vm_id, "1.0.0", ["westeurope", "eastus", "westus2"])
    done = _completion_seconds(arm_emulator, client, ["1.0.0"], step=60)
    by_region = {region: seconds for (_, region), seconds in done.items()}
    # 10240 MB: eastus 128 s, westeurope (default 8 MB/s) 1280 s, westus2 5120 s
    assert by_region == {"East US": 180, "West Europe": 1320, "West US 2": 5160}


@pytest.fixture
def second_emulators(tmp_path: Path) -> Iterator[dict[int, ArmEmulatorProcess]]:
    started: dict[int, ArmEmulatorProcess] = {}
    try:
        for seed in (0, 1):
            started[seed] = start_arm_emulator(tmp_path / f"seed-{seed}", seed=seed)
        yield started
    finally:
        for emulator in started.values():
            emulator.stop()


def test_the_seed_decides_the_per_region_completion_times(
    arm_emulator: Any, second_emulators: dict[int, ArmEmulatorProcess]
) -> None:
    runs = {}
    for label, emulator in (
        ("first seed 0", arm_emulator),
        ("second seed 0", second_emulators[0]),
        ("seed 1", second_emulators[1]),
    ):
        client, vm_id = _captured(emulator)
        _create(client, vm_id, "1.0.0", REGIONS)
        runs[label] = _completion_seconds(emulator, client, ["1.0.0"], step=20)
    assert len(runs["first seed 0"]) == len(REGIONS)
    assert runs["first seed 0"] == runs["second seed 0"]
    assert runs["seed 1"] != runs["first seed 0"]
    # the jitter is per region: the regions do not all finish together
    assert len(set(runs["first seed 0"].values())) > 1


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"mars": 5}, "'mars' is not a known region"),
        ({"eastus": 0}, "Got 0 for 'eastus'"),
        ({"eastus": float("inf")}, "Got inf for 'eastus'"),
        ([["eastus", 5]], "must be an object of region name -> MB/s"),
    ],
)
def test_bad_throughput_tables_are_400(arm_emulator: Any, table: Any, words: str) -> None:
    response = requests.post(
        f"{arm_emulator.url}/_sandbox/settings",
        data=json.dumps({RATES: table}),
        headers={"Content-Type": "application/json"},
        verify=str(arm_emulator.ca_file),
        timeout=10,
    )
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]
    assert arm_emulator.control("GET", "settings")[RATES] == {}
