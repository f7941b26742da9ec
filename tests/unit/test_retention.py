"""Retention plans: examples, and the invariants of issue 3 as hypothesis properties."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region, latest_names
from galleryflow.domain.quotas import QuotaUsage
from galleryflow.domain.retention import (
    RetentionAction,
    RetentionPlan,
    RetentionPolicy,
    apply_plan,
    plan_retention,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POOL = ["westeurope", "northeurope", "eastus", "westus"]


def version(
    name: str,
    days_old: int | None = 100,
    regions: tuple[str, ...] = ("westeurope", "eastus"),
    state: str = "Completed",
    **fields: Any,
) -> VersionRecord:
    published = NOW - timedelta(days=days_old) if days_old is not None else None
    return VersionRecord.from_dict(
        {
            "name": name,
            "published_date": published.isoformat() if published else None,
            "regions": [{"name": r, "replica_count": 1, "state": state} for r in regions],
            **fields,
        }
    )


def actions(plan: RetentionPlan) -> dict[str, str]:
    return {d.name: d.action.value for d in plan.decisions}


def test_keep_last_and_age_then_delete_the_rest() -> None:
    versions = [version(f"1.0.{i}", days_old=100 - i) for i in range(6)] + [
        version("1.0.9", days_old=3)
    ]
    plan = plan_retention(versions, RetentionPolicy(keep_last=2, keep_newer_than_days=30), now=NOW)
    assert actions(plan) == {
        "1.0.9": "keep",
        "1.0.5": "keep",
        "1.0.4": "delete",
        "1.0.3": "delete",
        "1.0.2": "delete",
        "1.0.1": "delete",
        "1.0.0": "delete",
    }
    reasons = {d.name: d.to_dict()["reason"] for d in plan.decisions}
    assert "latest in eastus, westeurope" in reasons["1.0.9"]
    assert "among the newest 2" in reasons["1.0.5"]
    assert "older than 30 days" in reasons["1.0.0"]
    assert plan.message == "keep 2, delete 5, shrink 0"


def test_protected_versions_survive_with_their_reason() -> None:
    versions = [
        version("3.0.0"),
        version("2.0.0", in_use=True),
        version(
            "1.0.2",
            block_deletion_before_end_of_life=True,
            end_of_life=(NOW + timedelta(days=1)).isoformat(),
        ),
        version(
            "1.0.1",
            block_deletion_before_end_of_life=True,
            end_of_life=(NOW - timedelta(days=1)).isoformat(),
        ),
        version("1.0.0", provisioning_state="Updating"),
        version("0.0.9", regions=("uksouth",)),  # the only one in uksouth: latest there
        version("0.0.1", provisioning_state="Failed"),
    ]
    plan = plan_retention(versions, RetentionPolicy(keep_last=1, min_good_versions=1), now=NOW)
    assert actions(plan) == {
        "3.0.0": "keep",
        "2.0.0": "keep",
        "1.0.2": "keep",
        "1.0.1": "delete",
        "1.0.0": "keep",
        "0.0.9": "keep",
        "0.0.1": "delete",
    }
    reasons = {d.name: d.to_dict()["reason"] for d in plan.decisions}
    assert reasons["2.0.0"] == "in use by VMs or scale sets"
    assert reasons["1.0.2"].startswith("deletion blocked before end of life")
    assert "operation is running" in reasons["1.0.0"]
    assert reasons["0.0.9"] == "latest in uksouth"
    assert reasons["0.0.1"] == "provisioning failed"


def test_minimum_good_versions_keeps_older_good_ones() -> None:
    versions = [
        version("1.0.3", state="Failed"),  # newest, but replication failed: not good
        version("1.0.2"),
        version("1.0.1"),
        version("1.0.0"),
    ]
    plan = plan_retention(
        versions, RetentionPolicy(keep_last=1, keep_newer_than_days=0, min_good_versions=3), now=NOW
    )
    assert actions(plan) == {"1.0.3": "keep", "1.0.2": "keep", "1.0.1": "keep", "1.0.0": "keep"}
    assert "needed to keep 3 good versions" in plan.decisions[3].reasons


def test_protecting_keeps_the_named_versions_and_nothing_else() -> None:
    versions = [version(f"1.0.{i}", regions=("eastus", "westeurope")) for i in range(4)]
    policy = RetentionPolicy(
        keep_last=1, keep_newer_than_days=0, min_good_versions=1, shrink_old_to_one_region=True
    )
    plan = plan_retention(versions, policy, now=NOW, quota=QuotaUsage(used=10, limit=10), adding=1)
    assert actions(plan) == {
        "1.0.3": "keep",
        "1.0.2": "shrink",
        "1.0.1": "shrink",
        "1.0.0": "delete",
    }

    kept = plan.protecting({"1.0.3", "1.0.2", "1.0.0"}, "published by this run")

    assert actions(kept) == {"1.0.3": "keep", "1.0.2": "keep", "1.0.1": "shrink", "1.0.0": "keep"}
    by_name = {d.name: d for d in kept.decisions}
    assert by_name["1.0.2"].reasons == ("published by this run",)
    assert by_name["1.0.2"].remove_regions == ()
    assert by_name["1.0.3"] == plan.decisions[0]  # already kept: its own reasons stay
    assert by_name["1.0.1"] == plan.decisions[2]
    assert (kept.must_free, kept.shortfall) == (plan.must_free, plan.shortfall) == (1, 0)
    assert plan.protecting(set(), "unused") == plan


def test_shrink_keeps_the_home_region_and_quota_turns_shrinks_into_deletes() -> None:
    versions = [version(f"1.0.{i}", regions=("eastus", "westeurope", "westus")) for i in range(5)]
    policy = RetentionPolicy(keep_last=2, keep_newer_than_days=0, shrink_old_to_one_region=True)
    plan = plan_retention(versions, policy, now=NOW, home_region="West Europe")
    assert actions(plan) == {
        "1.0.4": "keep",
        "1.0.3": "keep",
        "1.0.2": "shrink",
        "1.0.1": "shrink",
        "1.0.0": "shrink",
    }
    assert plan.shrinks[0].remove_regions == ("eastus", "westus")
    squeezed = plan_retention(
        versions,
        policy,
        now=NOW,
        home_region="westeurope",
        quota=QuotaUsage(used=100, limit=100),
        adding=1,
    )
    assert actions(squeezed)["1.0.0"] == "delete"
    assert actions(squeezed)["1.0.1"] == "shrink"
    assert squeezed.must_free == 1 and squeezed.shortfall == 0


def test_quota_shortfall_is_reported_not_forced() -> None:
    versions = [version("1.0.0"), version("1.0.1")]
    plan = plan_retention(
        versions,
        RetentionPolicy(quota_headroom=5),
        now=NOW,
        quota=QuotaUsage(used=10, limit=10),
        adding=1,
    )
    assert plan.deletions == []
    assert plan.shortfall == 6
    assert "raise the quota" in plan.message
    assert plan.to_dict()["shortfall"] == 6


# --- the invariants, as properties ----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    versions: list[VersionRecord]
    policy: RetentionPolicy
    quota: QuotaUsage | None
    adding: int
    home: str


@st.composite
def cases(draw: st.DrawFn) -> Case:
    triples = draw(st.lists(st.tuples(*[st.integers(0, 4)] * 3), max_size=14, unique=True))
    versions = []
    for major, minor, patch in triples:
        regions = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=True))
        eol = draw(st.sampled_from([None, NOW - timedelta(days=2), NOW + timedelta(days=2)]))
        versions.append(
            VersionRecord.from_dict(
                {
                    "name": f"{major}.{minor}.{patch}",
                    "published_date": draw(
                        st.one_of(
                            st.none(),
                            st.integers(0, 90).map(lambda d: (NOW - timedelta(days=d)).isoformat()),
                        )
                    ),
                    "end_of_life": eol.isoformat() if eol else None,
                    "exclude_from_latest": draw(st.booleans()),
                    "block_deletion_before_end_of_life": draw(st.booleans()),
                    "regions": [
                        {
                            "name": r,
                            "replica_count": 1,
                            "state": draw(
                                st.sampled_from(["Completed"] * 4 + ["Replicating", "Failed"])
                            ),
                            "exclude_from_latest": draw(st.sampled_from([None, None, True, False])),
                        }
                        for r in regions
                    ],
                    "in_use": draw(st.integers(0, 5)) == 0,
                    "provisioning_state": draw(
                        st.sampled_from(["Succeeded"] * 5 + ["Failed", "Creating"])
                    ),
                }
            )
        )
    policy = RetentionPolicy(
        keep_last=draw(st.integers(1, 5)),
        keep_newer_than_days=draw(st.integers(0, 60)),
        min_good_versions=draw(st.integers(1, 4)),
        shrink_old_to_one_region=draw(st.booleans()),
        quota_headroom=draw(st.integers(0, 4)),
    )
    quota = None
    if draw(st.booleans()):
        used = len(versions) + draw(st.integers(0, 3))
        quota = QuotaUsage(used=used, limit=used + draw(st.integers(0, 4)))
    return Case(versions, policy, quota, draw(st.integers(0, 2)), draw(st.sampled_from(POOL)))


def plan_of(case: Case, versions: list[VersionRecord] | None = None) -> RetentionPlan:
    return plan_retention(
        case.versions if versions is None else versions,
        case.policy,
        now=NOW,
        quota=case.quota,
        adding=case.adding,
        home_region=case.home,
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_invariants(case: Case) -> None:
    plan = plan_of(case)
    by_name = {v.name: v for v in case.versions}
    acted = {d.name: d for d in plan.decisions if d.action is not RetentionAction.KEEP}
    # One decision with a reason for every version.
    assert sorted(d.name for d in plan.decisions) == sorted(by_name)
    assert all(d.reasons for d in plan.decisions)
    # Never delete or shrink away the latest of any region; latest stays what it was.
    assert not set(acted) & set(latest_names(case.versions))
    after = apply_plan(case.versions, plan)
    assert latest_by_region(after, POOL) == latest_by_region(case.versions, POOL)
    for name, decision in acted.items():
        v = by_name[name]
        assert not v.in_use  # never delete (or shrink) a version in use
        assert not v.deletion_blocked(NOW)  # never delete a version blocked before EOL
        if decision.action is RetentionAction.SHRINK:
            assert len(v.regions) - len(decision.remove_regions) == 1
    # Never below the minimum of good versions (or all of them when there are fewer).
    good_before = sum(v.is_good for v in case.versions)
    assert sum(v.is_good for v in after) >= min(case.policy.min_good_versions, good_before)
    # The quota ask is met, or the shortfall says by how much it is not.
    assert len(plan.deletions) >= plan.must_free - plan.shortfall


@settings(max_examples=300, deadline=None)
@given(cases())
def test_applying_then_planning_again_finds_nothing_to_do(case: Case) -> None:
    plan = plan_of(case)
    after = apply_plan(case.versions, plan)
    quota = case.quota
    if quota is not None:
        quota = QuotaUsage(used=quota.used - len(plan.deletions), limit=quota.limit)
    again = plan_retention(
        after, case.policy, now=NOW, quota=quota, adding=case.adding, home_region=case.home
    )
    assert not again.has_actions, again.to_dict()


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(0, 2**32))
def test_same_input_same_plan(case: Case, seed: int) -> None:
    shuffled = list(case.versions)
    random.Random(seed).shuffle(shuffled)
    assert plan_of(case, shuffled) == plan_of(case)
