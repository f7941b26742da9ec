"""Replica planning: how many replicas per region and which storage type.

Rules (Azure guidance, docs/azure-facts.md): about one replica per 20 VMs created
concurrently and one per scale set scaling concurrently, at least 3 for production images,
at most 50 replicas per region (`MAX_REPLICAS_PER_REGION`, the limit the ARM emulator
enforces too). There is no cap over the sum of the regions: a production image (3 per
region) in 40 regions has 120 replicas. Standard_ZRS where the region has availability
zones, else Standard_LRS; Standard_ZRS and PremiumV2_LRS only where the region has zones.
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
# Seed 002: "you can have a maximum of 50 replicas per region" (docs/azure-facts.md).
MAX_REPLICAS_PER_REGION = 50


class StorageAccountType(StrEnum):
    STANDARD_LRS = "Standard_LRS"
    STANDARD_ZRS = "Standard_ZRS"
    PREMIUM_LRS = "Premium_LRS"
    PREMIUM_V2_LRS = "PremiumV2_LRS"


# Storage types that need availability zones in the region (ZRS by definition; Premium SSD
# v2 is offered in zonal regions only — a conservative choice, docs/domain.md).
ZONAL_STORAGE = frozenset({StorageAccountType.STANDARD_ZRS, StorageAccountType.PREMIUM_V2_LRS})


def minimum_replicas(production: bool) -> int:
    return MIN_PRODUCTION_REPLICAS if production else MIN_REPLICAS


def replicas_for_demand(
    expected_concurrent_deployments: int | None,
    concurrent_scale_sets: int | None,
    production: bool,
) -> int:
    """One replica per 20 concurrent deployments (rounded up) plus one per concurrently
    scaling scale set (the seed says to over-provision: the two demands add up), never
    below the minimum."""
    needed = math.ceil((expected_concurrent_deployments or 0) / DEPLOYMENTS_PER_REPLICA)
    needed += concurrent_scale_sets or 0
    return max(needed, minimum_replicas(production))


def replicas_for_deployments(expected_concurrent_deployments: int, production: bool) -> int:
    return replicas_for_demand(expected_concurrent_deployments, None, production)


def default_storage_type(region: str) -> StorageAccountType:
    return StorageAccountType.STANDARD_ZRS if has_zones(region) else StorageAccountType.STANDARD_LRS


def storage_type_problem(region: str, storage: StorageAccountType) -> tuple[str, str] | None:
    """(message, hint) when the storage type cannot be used in the region, else None."""
    if storage in ZONAL_STORAGE and not has_zones(region):
        return (
            f"{storage.value} is not available in {region} (no availability zones)",
            "use Standard_LRS or Premium_LRS there, or leave storage_account_type out "
            "to get the default",
        )
    return None


@dataclass(frozen=True)
class ReplicaDemand:
    """What a request says about one region: an explicit count, or demand estimates
    (or neither: then the minimum)."""

    region: str
    replica_count: int | None = None
    expected_concurrent_deployments: int | None = None
    concurrent_scale_sets: int | None = None

    @property
    def planned(self) -> bool:
        return self.replica_count is None


@dataclass(frozen=True)
class ReplicaProblem:
    index: int
    region: str
    message: str
    hint: str


@dataclass(frozen=True)
class ReplicaPlan:
    counts: tuple[int, ...]
    # One per region over the per-region limit (empty when the plan is usable).
    problems: tuple[ReplicaProblem, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts)


def _over_limit(index: int, demand: ReplicaDemand, count: int) -> ReplicaProblem:
    if demand.planned:
        why = (
            f"{demand.expected_concurrent_deployments or 0} concurrent deployments and "
            f"{demand.concurrent_scale_sets or 0} concurrent scale sets need {count} replicas"
        )
        hint = "spread the deployments over more regions, or lower the demand here"
    else:
        why = f"replica_count is {count}"
        hint = f"use at most {MAX_REPLICAS_PER_REGION} replicas in {demand.region}"
    return ReplicaProblem(
        index,
        demand.region,
        f"{demand.region}: {why}; Azure allows at most {MAX_REPLICAS_PER_REGION} replicas "
        "per region",
        hint,
    )


def plan_replica_counts(demands: Sequence[ReplicaDemand], production: bool) -> ReplicaPlan:
    """Counts per region, in order: explicit counts as given, planned ones from the demand.
    A region over `MAX_REPLICAS_PER_REGION` is a problem naming that region (never
    silently trimmed: fewer replicas than the demand throttles deployments there)."""
    counts: list[int] = []
    problems: list[ReplicaProblem] = []
    for index, demand in enumerate(demands):
        count = (
            demand.replica_count
            if demand.replica_count is not None
            else replicas_for_demand(
                demand.expected_concurrent_deployments, demand.concurrent_scale_sets, production
            )
        )
        counts.append(count)
        if count > MAX_REPLICAS_PER_REGION:
            problems.append(_over_limit(index, demand, count))
    return ReplicaPlan(tuple(counts), tuple(problems))
