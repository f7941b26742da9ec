"""Quota math and replica planning."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.quotas import QuotaUsage, check_quota, versions_to_free
from galleryflow.domain.replicas import (
    MAX_REPLICAS_PER_VERSION,
    ReplicaDemand,
    StorageAccountType,
    default_storage_type,
    plan_replica_counts,
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


def test_cap_trims_planned_counts_largest_first_never_explicit_ones() -> None:
    plan = plan_replica_counts(
        [
            ReplicaDemand("westeurope", replica_count=40),
            ReplicaDemand("eastus", expected_concurrent_deployments=1000),  # 50
            ReplicaDemand("westus", expected_concurrent_deployments=400),  # 20
        ],
        production=True,
    )
    assert plan.counts == (40, 40, 20) and plan.total == 100 and not plan.problem
    too_many = plan_replica_counts(
        [
            ReplicaDemand("a", replica_count=99),
            ReplicaDemand("b", expected_concurrent_deployments=9),
        ],
        production=True,
    )
    assert too_many.counts == (99, 3) and "at most 100" in too_many.problem


demands = st.lists(
    st.one_of(
        st.builds(ReplicaDemand, st.just("r"), st.integers(1, 60)),
        st.builds(ReplicaDemand, st.just("r"), st.none(), st.integers(1, 5000)),
        st.builds(ReplicaDemand, st.just("r")),
    ),
    min_size=1,
    max_size=8,
)


@given(demands, st.booleans())
def test_replica_plan_properties(ds: list[ReplicaDemand], production: bool) -> None:
    plan = plan_replica_counts(ds, production)
    floor = 3 if production else 1
    for d, count in zip(ds, plan.counts, strict=True):
        if d.replica_count is not None:
            assert count == d.replica_count
        else:
            assert count >= floor
            if d.expected_concurrent_deployments is not None and not plan.problem:
                assert count <= replicas_for_deployments(
                    d.expected_concurrent_deployments, production
                )
    assert (plan.total <= MAX_REPLICAS_PER_VERSION) == (not plan.problem)
