"""Benchmark: plan retention for 10,000 versions x 10 regions; compare with just sorting them.

Run: .venv/bin/python benchmarks/retention_plan.py
Prints the best-of-N wall time of `plan_retention` and of sorting the same versions by
version number (the floor any planner needs), and their ratio.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galleryflow.domain.inventory import (
    RegionReplica,
    ReplicationState,
    VersionRecord,
    sort_key,
)
from galleryflow.domain.quotas import QuotaUsage
from galleryflow.domain.retention import RetentionPolicy, plan_retention

VERSIONS = 10_000
REGIONS = [
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "westus2",
    "uksouth",
    "swedencentral",
    "japaneast",
    "australiaeast",
    "centralindia",
]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
REPEATS = 5


def make_versions(seed: int = 7) -> list[VersionRecord]:
    rnd = random.Random(seed)
    out: list[VersionRecord] = []
    for i in range(VERSIONS):
        major, minor, patch = i // 2500, (i // 50) % 50, i % 50
        states = [ReplicationState.COMPLETED] * 18 + [ReplicationState.FAILED]
        regions = tuple(
            RegionReplica(
                name=r,
                replica_count=rnd.randint(1, 5),
                storage_account_type="Standard_ZRS",
                exclude_from_latest=rnd.choice([None] * 8 + [True, False]),
                state=rnd.choice(states),
            )
            for r in REGIONS
        )
        out.append(
            VersionRecord(
                name=f"{major}.{minor}.{patch}",
                regions=regions,
                published_date=NOW - timedelta(days=(VERSIONS - i) / 20),
                exclude_from_latest=rnd.random() < 0.05,
                in_use=rnd.random() < 0.01,
                block_deletion_before_end_of_life=rnd.random() < 0.02,
                end_of_life=NOW + timedelta(days=rnd.randint(-30, 30)),
            )
        )
    rnd.shuffle(out)
    return out


def best_of(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    versions = make_versions()
    policy = RetentionPolicy(keep_last=20, keep_newer_than_days=30, shrink_old_to_one_region=True)
    quota = QuotaUsage(used=VERSIONS, limit=VERSIONS)

    def plan() -> object:
        return plan_retention(
            versions, policy, now=NOW, quota=quota, adding=1, home_region="westeurope"
        )

    def sort() -> object:
        return sorted(versions, key=sort_key, reverse=True)

    result = plan_retention(versions, policy, now=NOW, quota=quota, adding=1)
    plan_s = best_of(plan)
    sort_s = best_of(sort)
    print(f"versions x regions : {VERSIONS} x {len(REGIONS)}")
    print(f"plan               : {result.message}")
    print(f"plan_retention     : {plan_s * 1000:8.1f} ms (best of {REPEATS})")
    print(f"sort versions      : {sort_s * 1000:8.1f} ms (best of {REPEATS})")
    print(f"ratio plan / sort  : {plan_s / sort_s:8.1f}x")


if __name__ == "__main__":
    main()
