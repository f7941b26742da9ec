"""Rollback check and rollout wave validation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region
from galleryflow.domain.rollback import plan_rollback
from galleryflow.domain.staging import add_region_to_first_wave, wave_problems

POOL = ["westeurope", "eastus", "uksouth"]


def version(name: str, states: dict[str, str], **fields: Any) -> VersionRecord:
    regions = [{"name": r, "state": s, **fields.pop(r, {})} for r, s in states.items()]
    return VersionRecord.from_dict({"name": name, "regions": regions, **fields})


def test_global_rollback_falls_back_to_the_previous_good_version() -> None:
    versions = [
        version("1.0.0", {"westeurope": "Completed", "eastus": "Completed"}),
        version(
            "1.1.0",
            {"westeurope": "Completed", "eastus": "Completed"},
            eastus={"exclude_from_latest": False},
        ),
    ]
    plan = plan_rollback(versions, "1.1.0")
    assert not plan.refused
    assert plan.to_dict() == {
        "version": "1.1.0",
        "refused": False,
        "reasons": [],
        # eastus has a regional false that would beat the global true: it is flipped too.
        "changes": {"global": True, "regions": {"westeurope": True, "eastus": True}},
        "before": {"westeurope": "1.1.0", "eastus": "1.1.0"},
        "after": {"westeurope": "1.0.0", "eastus": "1.0.0"},
        "affected": ["westeurope", "eastus"],
    }


def test_refused_when_a_region_would_lose_latest_or_get_a_bad_one() -> None:
    versions = [
        version("1.0.0", {"westeurope": "Completed", "eastus": "Failed"}),
        version(
            "1.1.0", {"westeurope": "Completed", "eastus": "Completed", "uksouth": "Completed"}
        ),
    ]
    plan = plan_rollback(versions, "1.1.0")
    assert plan.refused
    assert plan.reasons == (
        "westeurope would resolve to 1.0.0, which is not fully replicated (eastus: Failed)",
        "eastus would have no latest version left: nothing else serves it",
        "uksouth would have no latest version left: nothing else serves it",
    )


def test_regional_rollback_only_touches_named_regions() -> None:
    versions = [
        version("1.0.0", {"westeurope": "Completed", "eastus": "Completed"}),
        version("1.1.0", {"westeurope": "Completed", "eastus": "Completed"}),
    ]
    plan = plan_rollback(versions, "1.1.0", ["West Europe"])
    assert not plan.refused
    assert plan.set_global is None and plan.set_regions == ("westeurope",)
    assert plan.before == {"westeurope": "1.1.0"} and plan.after == {"westeurope": "1.0.0"}


def test_unknown_version_and_foreign_region_are_refused() -> None:
    versions = [version("1.0.0", {"westeurope": "Completed"})]
    assert plan_rollback(versions, "9.9.9").reasons == (
        "version 9.9.9 does not exist in this image definition",
    )
    foreign = plan_rollback(versions, "1.0.0", ["uksouth"])
    assert foreign.refused and "not replicated to uksouth" in foreign.reasons[0]


def test_rolling_back_a_version_that_is_not_latest_is_a_no_op_note() -> None:
    versions = [
        version("1.0.0", {"westeurope": "Completed"}),
        version("1.1.0", {"westeurope": "Completed"}),
    ]
    plan = plan_rollback(versions, "1.0.0")
    assert not plan.refused and plan.affected == ()
    assert plan.reasons == ("version 1.0.0 is not latest in any of westeurope",)


@st.composite
def inventories(draw: st.DrawFn) -> list[VersionRecord]:
    names = draw(st.lists(st.integers(0, 30), min_size=1, max_size=6, unique=True))
    out = []
    for n in names:
        regions = draw(st.lists(st.sampled_from(POOL), min_size=1, unique=True))
        states = {r: draw(st.sampled_from(["Completed", "Completed", "Failed"])) for r in regions}
        out.append(version(f"1.{n}.0", states, exclude_from_latest=draw(st.booleans())))
    return out


@settings(max_examples=200, deadline=None)
@given(inventories(), st.data())
def test_rollback_properties(versions: list[VersionRecord], data: st.DataObject) -> None:
    bad = data.draw(st.sampled_from(versions))
    regions = data.draw(
        st.one_of(st.none(), st.lists(st.sampled_from(bad.region_names), min_size=1))
    )
    plan = plan_rollback(versions, bad.name, regions)
    scope = bad.region_names if regions is None else tuple(dict.fromkeys(regions))
    # Apply the changes the plan asks for, and resolve latest from scratch.
    changed = replace(
        bad,
        exclude_from_latest=True if plan.set_global else bad.exclude_from_latest,
        regions=tuple(
            replace(r, exclude_from_latest=True) if r.name in plan.set_regions else r
            for r in bad.regions
        ),
    )
    after = latest_by_region([changed if v.name == bad.name else v for v in versions], scope)
    assert after == plan.after
    assert bad.name not in after.values()  # excluded everywhere in scope
    by_name = {v.name: v for v in versions}
    unsafe = [r for r in plan.affected if after[r] is None or not by_name[str(after[r])].is_good]
    assert plan.refused == bool(unsafe)


def test_waves_valid_and_invalid() -> None:
    targets = ["westeurope", "eastus", "uksouth"]
    assert wave_problems([["westeurope"], ["East US", "uksouth"]], targets) == []
    assert [p.path for p in wave_problems([], targets)] == ["$.rollout.waves"]
    problems = wave_problems([["westeurope"], [], ["westeurope", "mars"]], targets)
    assert [(p.path, p.message) for p in problems] == [
        ("$.rollout.waves[1]", "wave is empty"),
        ("$.rollout.waves[2][0]", "westeurope is already in wave 0"),
        ("$.rollout.waves[2][1]", "mars is not a target region"),
        ("$.rollout.waves", "target region(s) eastus, uksouth are in no wave"),
    ]


def test_add_region_to_first_wave() -> None:
    assert add_region_to_first_wave([["a"], ["b"]], "West US") == (("a", "westus"), ("b",))
    assert add_region_to_first_wave([], "westus") == (("westus",),)


@given(st.permutations(POOL), st.integers(1, 3))
def test_any_partition_of_the_targets_is_valid(order: list[str], cut: int) -> None:
    waves = [order[:cut], order[cut:]] if cut < len(order) else [order]
    assert wave_problems(waves, POOL) == []
    assert wave_problems([*waves, [order[0]]], POOL) != []
