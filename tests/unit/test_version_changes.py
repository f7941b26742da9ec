"""Version-change requests and plans (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from galleryflow.domain.change_fields import ChangeKind
from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.problems import RequestValidationError
from galleryflow.domain.version_changes import parse_change_request, plan_change

SUB = "00000000-0000-0000-0000-000000000001"
BASE = {
    "gallery": {"subscription_id": SUB, "resource_group": "rg", "name": "gal"},
    "image_definition": "def",
    "version": "1.0.1",
}


def record(
    name: str, regions: list[str], *, state: str = "Completed", excluded: bool = False, **extra: Any
) -> VersionRecord:
    return VersionRecord.from_dict(
        {
            "name": name,
            "regions": [
                {"name": r, "state": state, "exclude_from_latest": excluded} for r in regions
            ],
            "exclude_from_latest": excluded,
            **extra,
        }
    )


VERSIONS = [
    record("1.0.0", ["westeurope", "eastus"]),
    record("1.0.1", ["westeurope", "eastus", "uksouth"]),
]


def plan(
    kind: ChangeKind, versions: list[VersionRecord] = VERSIONS, **fields: Any
) -> dict[str, Any]:
    change = parse_change_request(kind, {**BASE, **fields})
    return plan_change(change, versions, home_region="westeurope")


def test_add_regions_plans_excluded_targets_and_promotion() -> None:
    planned = plan(
        ChangeKind.ADD_REGIONS, target_regions=[{"name": "North Europe"}], production=False
    )
    assert not planned["refused"] and planned["promote"]
    [added] = planned["added"]
    assert added["name"] == "northeurope" and added["exclude_from_latest"] is True
    assert added["replica_count"] == 1
    assert [t["name"] for t in planned["targets"]] == [
        "westeurope",
        "eastus",
        "uksouth",
        "northeurope",
    ]
    again = plan(ChangeKind.ADD_REGIONS, target_regions=[{"name": "eastus"}])
    assert again["refused"] and "already targets eastus" in again["reasons"][0]


def test_remove_regions_home_fallback_and_unknown() -> None:
    assert "home region" in plan(ChangeKind.REMOVE_REGIONS, regions=["westeurope"])["reasons"][0]
    ok = plan(ChangeKind.REMOVE_REGIONS, regions=["eastus"])
    assert not ok["refused"] and ok["after"] == {"eastus": "1.0.0"} and ok["removed"] == ["eastus"]
    alone = plan(ChangeKind.REMOVE_REGIONS, regions=["uksouth"])
    assert alone["refused"] and "uksouth would have no latest" in alone["reasons"][0]
    assert (
        "not replicated to northeurope"
        in plan(ChangeKind.REMOVE_REGIONS, regions=["northeurope"])["reasons"][0]
    )


def test_replicas_names_only_the_changed_regions() -> None:
    planned = plan(ChangeKind.SET_REPLICAS, regions=[{"name": "eastus", "replica_count": 5}])
    assert planned["targets"] == [
        {"name": "westeurope"},
        {"name": "eastus", "replica_count": 5},
        {"name": "uksouth"},
    ]
    with pytest.raises(RequestValidationError) as bad:
        parse_change_request(
            ChangeKind.SET_REPLICAS, {**BASE, "regions": [{"name": "eastus", "replica_count": 2}]}
        )
    assert "at least 3" in str(bad.value.to_dicts())


def test_end_of_life_in_the_past_is_a_problem() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(RequestValidationError):
        parse_change_request(
            ChangeKind.SET_END_OF_LIFE, {**BASE, "end_of_life": "2029-01-01T00:00:00Z"}, now=now
        )
    assert (
        plan(ChangeKind.SET_END_OF_LIFE, end_of_life="2031-01-01T00:00:00+01:00")["end_of_life"]
        == "2030-12-31T23:00:00Z"
    )


def test_undo_rollback_needs_a_good_version() -> None:
    rolled = [
        record("1.0.0", ["westeurope"]),
        record("1.0.1", ["westeurope"], excluded=True),
    ]
    ok = plan(ChangeKind.UNDO_ROLLBACK, rolled)
    assert ok["exclude"] == {"global": False, "regions": {"westeurope": False}}
    assert ok["before"] == {"westeurope": "1.0.0"}
    assert ok["after"] == {"westeurope": "1.0.1"}  # what a preview shows
    scoped = [
        record("1.0.0", ["westeurope", "eastus"]),
        record("1.0.1", ["westeurope", "eastus"], excluded=True),
    ]
    one = plan(ChangeKind.UNDO_ROLLBACK, scoped, regions=["eastus"])
    assert one["exclude"] == {"global": None, "regions": {"eastus": False}}
    assert (one["before"], one["after"]) == ({"eastus": "1.0.0"}, {"eastus": "1.0.1"})
    failed = [
        record("1.0.0", ["westeurope"]),
        record("1.0.1", ["westeurope"], state="Failed", excluded=True),
    ]
    refused = plan(ChangeKind.UNDO_ROLLBACK, failed)
    assert (
        refused["refused"] and "not fully replicated (westeurope: Failed)" in refused["reasons"][0]
    )


def test_busy_and_shallow_versions_are_refused() -> None:
    busy = [record("1.0.1", ["westeurope"], provisioning_state="Updating")]
    assert (
        "operation is running"
        in plan(ChangeKind.SET_END_OF_LIFE, busy, end_of_life="2099-01-01T00:00:00Z")["reasons"][0]
    )
    change = parse_change_request(
        ChangeKind.SET_REPLICAS, {**BASE, "regions": [{"name": "westeurope", "replica_count": 3}]}
    )
    shallow = plan_change(change, VERSIONS, home_region="westeurope", replication_mode="Shallow")
    assert shallow["refused"] and "Shallow" in shallow["reasons"][0]
