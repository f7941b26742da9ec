"""Quota math and replica planning."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.quotas import QuotaUsage, check_quota, versions_to_free
from galleryflow.domain.replicas import (
    MAX_REPLICAS_PER_REGION,
    ReplicaDemand,
    StorageAccountType,
    default_storage_type,
    plan_replica_counts,
    replicas_for_demand,
    replicas_for_deployments,
    storage_type_problem,
)


def test_versions_to_free() -> None:
    assert versions_to_free(QuotaUsage(used=9998, limit=10000), adding=1) == 0
    assert versions_to_free(QuotaUsage(used=10000, limit=10000), adding=1) == 1
    assert versions_to_free(QuotaUsage(used=9998, limit=10000), adding=1, headroom=5) == 4


def test_check_quota_verdict_and_message() -> None:
    verdict = check_quota(
        {"West Europe": QuotaUsage(10000, 10000), "eastus": QuotaUsage(5, 10000)},
        {"westeurope": 1, "eastus": 1, "uksouth": 1},
    )
    assert not verdict.fits
    assert verdict.must_free == 1
    assert [r.region for r in verdict.regions] == ["eastus", "westeurope"]  # uksouth: no usage
    assert "westeurope: 10000 of 10000 image versions used, adding 1" in verdict.message
    assert "1 version(s) must be deleted first" in verdict.message
    assert "POST /api/prune" in verdict.message
    ok = check_quota({"eastus": QuotaUsage(5, 10)}, {"eastus": 2}, headroom=3)
    assert ok.fits and ok.message == "the run fits the image version quota"


@given(st.integers(0, 20000), st.integers(0, 20000), st.integers(0, 10), st.integers(0, 10))
def test_freeing_what_is_asked_makes_it_fit(
    used: int, limit: int, adding: int, headroom: int
) -> None:
    need = versions_to_free(QuotaUsage(used, limit), adding, headroom)
    assert need >= 0
    assert versions_to_free(QuotaUsage(used - need, limit), adding, headroom) == 0
    if need:
        assert versions_to_free(QuotaUsage(used - need + 1, limit), adding, headroom) == 1


def test_replicas_for_deployments() -> None:
    assert replicas_for_deployments(1, production=True) == 3
    assert replicas_for_deployments(1, production=False) == 1
    assert replicas_for_deployments(61, production=True) == 4
    assert replicas_for_deployments(400, production=False) == 20


def test_storage_defaults_follow_zones() -> None:
    assert default_storage_type("westeurope") is StorageAccountType.STANDARD_ZRS
    assert default_storage_type("West US") is StorageAccountType.STANDARD_LRS
    assert storage_type_problem("westus", StorageAccountType.STANDARD_ZRS) is not None
    assert storage_type_problem("westus", StorageAccountType.PREMIUM_LRS) is None


def test_storage_types_that_need_zones() -> None:
    assert storage_type_problem("westus", StorageAccountType.PREMIUM_V2_LRS) is not None
    assert storage_type_problem("westeurope", StorageAccountType.PREMIUM_V2_LRS) is None


def test_scale_sets_add_to_the_deployment_demand() -> None:
    assert replicas_for_demand(120, 2, production=True) == 8  # 6 for the VMs + 2 scale sets
    assert replicas_for_demand(None, 1, production=True) == 3  # the production floor
    assert replicas_for_demand(None, 5, production=False) == 5


def test_forty_production_regions_fit_no_cap_over_the_sum() -> None:
    regions = [ReplicaDemand(f"r{i}") for i in range(40)]
    plan = plan_replica_counts(regions, production=True)
    assert plan.counts == (3,) * 40 and plan.total == 120 and not plan.problems


def test_over_the_per_region_limit_names_the_region() -> None:
    plan = plan_replica_counts(
        [
            ReplicaDemand("westeurope", replica_count=MAX_REPLICAS_PER_REGION),
            ReplicaDemand("eastus", replica_count=51),
            ReplicaDemand("uksouth", expected_concurrent_deployments=1001),  # 51
        ],
        production=True,
    )
    assert [(p.index, p.region) for p in plan.problems] == [(1, "eastus"), (2, "uksouth")]
    assert "eastus: replica_count is 51" in plan.problems[0].message
    assert "at most 50 replicas per region" in plan.problems[0].message
    assert "1001 concurrent deployments" in plan.problems[1].message


demands = st.lists(
    st.one_of(
        st.builds(ReplicaDemand, st.just("r"), st.integers(1, 80)),
        st.builds(
            ReplicaDemand,
            st.just("r"),
            st.none(),
            st.none() | st.integers(1, 2000),
            st.none() | st.integers(1, 60),
        ),
        st.builds(ReplicaDemand, st.just("r")),
    ),
    min_size=1,
    max_size=60,
)


@given(demands, st.booleans())
def test_replica_plan_properties(ds: list[ReplicaDemand], production: bool) -> None:
    plan = plan_replica_counts(ds, production)
    floor = 3 if production else 1
    over = {p.index for p in plan.problems}
    for index, (d, count) in enumerate(zip(ds, plan.counts, strict=True)):
        if d.replica_count is not None:
            assert count == d.replica_count  # explicit counts are never changed
        else:
            assert count >= floor
            assert count == replicas_for_demand(
                d.expected_concurrent_deployments, d.concurrent_scale_sets, production
            )
        # Refused exactly where a region is over the per-region limit, whatever the sum.
        assert (index in over) == (count > MAX_REPLICAS_PER_REGION)
