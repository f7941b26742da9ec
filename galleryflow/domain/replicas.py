"""Replica planning: how many replicas per region and which storage type.

Rules (Azure guidance): about one replica per 20 VMs deployed concurrently, at least 3 for
production images, at most 100 replicas per image version in total; Standard_ZRS where the
region has availability zones, else Standard_LRS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from galleryflow.domain.regions import has_zones

DEPLOYMENTS_PER_REPLICA = 20
MIN_PRODUCTION_REPLICAS = 3
MIN_REPLICAS = 1
MAX_REPLICAS_PER_VERSION = 100


class StorageAccountType(StrEnum):
    STANDARD_LRS = "Standard_LRS"
    STANDARD_ZRS = "Standard_ZRS"
    PREMIUM_LRS = "Premium_LRS"


def minimum_replicas(production: bool) -> int:
    return MIN_PRODUCTION_REPLICAS if production else MIN_REPLICAS


def replicas_for_deployments(expected_concurrent_deployments: int, production: bool) -> int:
    """One replica per 20 concurrent deployments (rounded up), never below the minimum."""
    needed = math.ceil(expected_concurrent_deployments / DEPLOYMENTS_PER_REPLICA)
    return max(needed, minimum_replicas(production))


def default_storage_type(region: str) -> StorageAccountType:
    return StorageAccountType.STANDARD_ZRS if has_zones(region) else StorageAccountType.STANDARD_LRS


def storage_type_problem(region: str, storage: StorageAccountType) -> tuple[str, str] | None:
    """(message, hint) when the storage type cannot be used in the region, else None."""
    if storage is StorageAccountType.STANDARD_ZRS and not has_zones(region):
        return (
            f"Standard_ZRS is not available in {region} (no availability zones)",
            "use Standard_LRS there, or leave storage_account_type out to get the default",
        )
    return None


@dataclass(frozen=True)
class ReplicaDemand:
    """What a request says about one region: an explicit count, or a deployment estimate
    (or neither: then the minimum)."""

    region: str
    replica_count: int | None = None
    expected_concurrent_deployments: int | None = None


@dataclass(frozen=True)
class ReplicaPlan:
    counts: tuple[int, ...]
    # Non-empty when the plan cannot fit the per-version cap even at the minimums.
    problem: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)


def plan_replica_counts(demands: Sequence[ReplicaDemand], production: bool) -> ReplicaPlan:
    """Counts per region, in order. Planned (not explicit) counts are trimmed, largest first,
    down to the minimum until the version fits 100 replicas; explicit counts are never
    changed — if they alone do not fit, the plan carries a problem."""
    floor = minimum_replicas(production)
    counts: list[int] = []
    planned: list[int] = []
    for i, d in enumerate(demands):
        if d.replica_count is not None:
            counts.append(d.replica_count)
        else:
            deployments = d.expected_concurrent_deployments
            counts.append(
                floor if deployments is None else replicas_for_deployments(deployments, production)
            )
            planned.append(i)
    excess = sum(counts) - MAX_REPLICAS_PER_VERSION
    while excess > 0:
        trimmable = [i for i in planned if counts[i] > floor]
        if not trimmable:
            break
        # Largest first; the lowest index on ties keeps the result deterministic.
        biggest = max(trimmable, key=lambda i: (counts[i], -i))
        counts[biggest] -= 1
        excess -= 1
    if excess > 0:
        return ReplicaPlan(
            tuple(counts),
            f"{sum(counts)} replicas in total, "
            f"at most {MAX_REPLICAS_PER_VERSION} per image version",
        )
    return ReplicaPlan(tuple(counts))
