"""A publish run's custom status always fits Durable's 16 KB (UTF-16) limit, also for a
production publish to every Azure region."""

from __future__ import annotations

import json

from galleryflow.domain.regions import REGIONS
from orchestrators.run_status import RunStatus


def utf16_kb(status: dict[str, object]) -> int:
    return len(json.dumps(status, separators=(",", ":")).encode("utf-16-le")) // 1024


def test_every_region_with_details_and_a_full_log_fits() -> None:
    status = RunStatus(
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/g/d", "1.0.0"
    )
    for name in REGIONS:
        status.set_region(
            name,
            state="Replicating",
            progress=75,
            attempt=3,
            started="2026-12-03T10:00:00+00:00",
            details="x" * 120,
        )
    for i in range(20):
        status.say(f"line {i} " + "y" * 290)
    shown = status.to_dict()
    assert utf16_kb(shown) < 16
    assert set(shown["regions"]) == set(REGIONS)  # every region is still shown
