"""Per-region replication of an image version, derived from the simulated clock.

Each region attempt stores its start, duration and (if a fault hit it) the point where it fails;
state and progress are computed from the clock, so nothing needs to run in the background and a
restarted emulator continues where it stopped.
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.arm import faults, progress, regions
from sandbox.arm.settings import REGION_RATES
from sandbox.arm.store import Store


def throughput(settings: dict[str, Any], region: str) -> float:
    """MB/s of simulated time to `region` before jitter: its entry in the per-region table,
    else the global default."""
    table = settings.get(REGION_RATES) or {}
    return float(table.get(region, settings["replication_mb_per_second"]))


def start(store: Store, record: dict[str, Any], region: str, *, shallow: bool = False) -> None:
    """Begin a new replication attempt of `record` to `region` at the current simulated time.

    A Shallow version references its source instead of copying it: it completes after the
    minimum replication time whatever its size (docs/azure-facts.md#q6)."""
    attempts = record.setdefault("attempts", {})
    attempts[region] = attempts.get(region, 0) + 1
    settings = store.settings
    rng = random.Random(f"{store.data['seed']}|{record['key']}|{region}|{attempts[region]}")
    jitter = float(settings["replication_jitter"])
    rate = throughput(settings, region) * rng.uniform(1 - jitter, 1 + jitter)
    duration = max(float(settings["replication_min_seconds"]), record["size_gb"] * 1024 / rate)
    duration *= faults.slow_factor(store, region)
    details = None if shallow else faults.take_replication_failure(store, region, record["id"])
    if shallow:  # nothing is copied: the minimum time, whatever the size (first answer Creating)
        duration = float(settings["replication_min_seconds"])
    record["replication"][region] = {
        "attempt": attempts[region],
        "start": store.now(),
        "duration": duration,
        "fail_at": float(settings["replication_failure_point"]) if details else None,
        "details": details or "",
        "shape": progress.shape_for(settings, region, attempts[region]),
    }


def region_status(store: Store, entry: dict[str, Any]) -> tuple[str, int, str]:
    """(state, progress 0-100, details) of one region attempt at the current simulated time."""
    elapsed = store.now() - entry["start"]
    duration = entry["duration"]
    if entry["fail_at"] is not None and elapsed >= duration * entry["fail_at"]:
        return "Failed", int(entry["fail_at"] * 100), entry["details"]
    shape = entry.get("shape", "linear")
    if progress.never_completes(shape):
        if elapsed >= duration * progress.STUCK_FAILS_AFTER:
            return "Failed", int(progress.STUCK_AT * 100), progress.STUCK_DETAILS
    elif elapsed >= duration:
        return "Completed", 100, ""
    done = progress.fraction_done(shape, elapsed / duration if duration > 0 else 1.0)
    return "Replicating", max(0, min(99, int(done * 100))), ""


def summary(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    rows = []
    states = []
    for region, entry in record["replication"].items():
        state, progress, details = region_status(store, entry)
        states.append(state)
        rows.append(
            {
                "region": regions.REGIONS[region].display,
                "state": state,
                "details": details,
                "progress": progress,
            }
        )
    # docs/azure-facts.md#q1 (Q1b): terminal only when every region is terminal
    if not states or "Replicating" in states:
        aggregated = "InProgress"
    elif "Failed" in states:
        aggregated = "Failed"
    else:
        aggregated = "Completed"
    return {"aggregatedState": aggregated, "summary": rows}


def provisioning_state(store: Store, record: dict[str, Any]) -> str:
    """`Creating`/`Updating` while any region replicates, then `Succeeded` or `Failed`
    (or the outcome an `lro_outcome` fault forced)."""
    if record.get("override"):
        return str(record["override"])
    aggregated = summary(store, record)["aggregatedState"]
    if aggregated == "Failed":
        return "Failed"
    if aggregated == "Completed":
        return "Succeeded"
    return str(record["phase"])


def failed_regions(store: Store, record: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (region, region_status(store, entry)[2])
        for region, entry in record["replication"].items()
        if region_status(store, entry)[0] == "Failed"
    ]
