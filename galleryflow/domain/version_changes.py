"""Version changes: validate a change request, then plan it against the definition's versions.

`parse_change_request(kind, data, now=)` checks the field table of `change_fields.py` plus
the cross-field rules and returns the canonical dict the `change_version` orchestration
receives (`{"change": kind, "gallery", "image_definition", "version", ...}`).
`plan_change(change, versions, home_region=, replication_mode=)` decides, from the
versions ARM holds now, what the run does, or why it refuses (nothing is changed then):

- every change: the version exists and no operation runs on it (ARM refuses updates while
  it is Creating/Updating, docs/azure-facts.md#q1);
- regions and replica counts of a Shallow version cannot change (replication_modes.py);
- add regions: none already targeted; they are added excluded from latest, replicated, and
  promoted only when the version is promoted (not excluded from latest globally);
- remove regions: never the home region; never a region that would be left without a good
  latest (the rollback check of rollback.py: removing a version from a region and
  excluding it there leave the same fallback);
- replica counts: only regions the version targets, production floor, <= 50 per region;
- undo rollback: the version must be good (provisioning Succeeded, replication Completed in
  every region it targets): the same replication check a rollback makes of its fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from galleryflow.domain.change_fields import CHANGE_SPECS, ChangeKind
from galleryflow.domain.fields import INVALID, format_utc, is_valid, parse_utc
from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region
from galleryflow.domain.problems import Problem, RequestValidationError, child
from galleryflow.domain.regions import duplicate_indexes, normalise_region
from galleryflow.domain.replicas import MAX_REPLICAS_PER_REGION, minimum_replicas
from galleryflow.domain.replication_modes import ReplicationMode
from galleryflow.domain.request_targets import plan_targets  # the publish request's rules
from galleryflow.domain.rollback import plan_rollback

TERMINAL_PROVISIONING = ("Succeeded", "Failed")


def parse_change_request(
    kind: ChangeKind | str, data: object, *, now: datetime | None = None
) -> dict[str, Any]:
    kind = ChangeKind(kind)
    problems: list[Problem] = []
    clean = CHANGE_SPECS[kind].check(data, "$", problems)
    if clean is INVALID:
        raise RequestValidationError(problems)
    extra: dict[str, Any] = {}
    if kind is ChangeKind.ADD_REGIONS:
        targets = plan_targets(clean, problems)
        if targets is not None:
            extra["target_regions"] = [
                {**t.to_dict(), "exclude_from_latest": True} for t in targets
            ]
    elif kind is ChangeKind.SET_REPLICAS:
        _check_replicas(clean, problems)
    elif kind is ChangeKind.SET_END_OF_LIFE and isinstance(clean["end_of_life"], str):
        when = parse_utc(clean["end_of_life"])
        if now is not None and when is not None and when <= now:
            problems.append(
                Problem(
                    "$.end_of_life", f"{clean['end_of_life']} is in the past", "give a future date"
                )
            )
    if kind in (ChangeKind.REMOVE_REGIONS, ChangeKind.UNDO_ROLLBACK):
        regions = clean["regions"]
        if isinstance(regions, list) and is_valid(regions):
            for dup, _first in duplicate_indexes(regions):
                problems.append(
                    Problem(
                        child("$.regions", dup), "region is listed twice", "list each region once"
                    )
                )
    if problems:
        raise RequestValidationError(problems)
    return {"change": kind.value, **dict(clean), **extra}


def _check_replicas(clean: Any, problems: list[Problem]) -> None:
    regions, production = clean["regions"], clean["production"]
    if not isinstance(regions, list) or not isinstance(production, bool):
        return
    names = [r["name"] for r in regions if isinstance(r, dict) and is_valid(r["name"])]
    for dup, first in duplicate_indexes(names):
        problems.append(
            Problem(
                child(child("$.regions", dup), "name"),
                f"also at index {first}",
                "list each region once",
            )
        )
    floor = minimum_replicas(production)
    for index, item in enumerate(regions):
        count = item["replica_count"] if isinstance(item, dict) else None
        if not isinstance(count, int):
            continue
        where = child(child("$.regions", index), "replica_count")
        if count < floor:
            problems.append(
                Problem(
                    where,
                    f"production images need at least {floor} replicas",
                    "raise it, or set production to false",
                )
            )
        if count > MAX_REPLICAS_PER_REGION:
            problems.append(
                Problem(
                    where,
                    f"{item['name']}: replica_count is {count}; Azure allows at most "
                    f"{MAX_REPLICAS_PER_REGION} replicas per region",
                    f"use at most {MAX_REPLICAS_PER_REGION}",
                )
            )


def _refused(reason: str, **extra: Any) -> dict[str, Any]:
    return {"refused": True, "reasons": [reason], "before": {}, "after": {}, **extra}


def plan_change(
    change: dict[str, Any],
    versions: Sequence[VersionRecord],
    *,
    home_region: str,
    replication_mode: str = ReplicationMode.FULL.value,
) -> dict[str, Any]:
    """What the run does: `{"refused", "reasons", "targets" (the new targetRegions or None),
    "exclude" ({"global", "regions"} or None), "end_of_life", "added", "removed", "promote",
    "before", "after"}` — `targets` items name only what changes; the gateway keeps the rest."""
    kind = ChangeKind(change["change"])
    name = str(change["version"])
    version = next((v for v in versions if v.name == name), None)
    if version is None:
        return _refused(f"version {name} does not exist in this image definition")
    if version.provisioning_state not in TERMINAL_PROVISIONING:
        return _refused(
            f"version {name} is {version.provisioning_state}: an operation is running on it; "
            "send the change again when it is Succeeded or Failed"
        )
    shallow = replication_mode == ReplicationMode.SHALLOW
    if shallow and kind in (
        ChangeKind.ADD_REGIONS,
        ChangeKind.REMOVE_REGIONS,
        ChangeKind.SET_REPLICAS,
    ):
        return _refused(f"version {name} is Shallow: its regions and replica counts cannot change")
    planners = {
        ChangeKind.ADD_REGIONS: _add_regions,
        ChangeKind.REMOVE_REGIONS: _remove_regions,
        ChangeKind.SET_REPLICAS: _set_replicas,
        ChangeKind.SET_END_OF_LIFE: _set_end_of_life,
        ChangeKind.UNDO_ROLLBACK: _undo_rollback,
    }
    plan = {
        "refused": False,
        "reasons": [],
        "targets": None,
        "exclude": None,
        "end_of_life": None,
        "added": [],
        "removed": [],
        "promote": False,
        "before": {},
        "after": {},
    }
    plan.update(planners[kind](change, versions, version, normalise_region(home_region)))
    return plan


def _add_regions(
    change: dict[str, Any], versions: Sequence[VersionRecord], version: VersionRecord, home: str
) -> dict[str, Any]:
    added = list(change["target_regions"])
    already = [t["name"] for t in added if t["name"] in version.region_names]
    if already:
        return _refused(f"version {version.name} already targets {', '.join(already)}")
    promote = bool(change.get("promote")) and not version.exclude_from_latest
    names = [t["name"] for t in added]
    return {
        "targets": [{"name": r} for r in version.region_names] + added,
        "added": added,
        "promote": promote,
        "before": latest_by_region(versions, names),
        "reasons": []
        if promote or not change.get("promote")
        else [f"not promoted: version {version.name} is excluded from latest globally"],
    }


def _remove_regions(
    change: dict[str, Any], versions: Sequence[VersionRecord], version: VersionRecord, home: str
) -> dict[str, Any]:
    gone = [normalise_region(r) for r in change["regions"]]
    if home in gone:
        return _refused(
            f"{home} is the version's home region (its gallery's region); Azure keeps a "
            "version in its own region: remove other regions, or delete the version"
        )
    foreign = [r for r in gone if r not in version.region_names]
    if foreign:
        return _refused(
            f"version {version.name} is not replicated to {', '.join(foreign)}; its regions "
            f"are {', '.join(version.region_names)}"
        )
    check = plan_rollback(versions, version.name, gone)
    if check.refused:
        return {**_refused("; ".join(check.reasons)), "before": check.before, "after": check.after}
    return {
        "targets": [{"name": r} for r in version.region_names if r not in gone],
        "removed": gone,
        "before": check.before,
        "after": check.after,
    }


def _set_replicas(
    change: dict[str, Any], versions: Sequence[VersionRecord], version: VersionRecord, home: str
) -> dict[str, Any]:
    wanted = {normalise_region(r["name"]): int(r["replica_count"]) for r in change["regions"]}
    foreign = [r for r in wanted if r not in version.region_names]
    if foreign:
        return _refused(
            f"version {version.name} is not replicated to {', '.join(foreign)}; add the "
            "region instead"
        )
    return {
        "targets": [
            {"name": r, **({"replica_count": wanted[r]} if r in wanted else {})}
            for r in version.region_names
        ]
    }


def _set_end_of_life(
    change: dict[str, Any], versions: Sequence[VersionRecord], version: VersionRecord, home: str
) -> dict[str, Any]:
    when = parse_utc(str(change["end_of_life"]))
    return {"end_of_life": format_utc(when) if when else change["end_of_life"]}


def _undo_rollback(
    change: dict[str, Any], versions: Sequence[VersionRecord], version: VersionRecord, home: str
) -> dict[str, Any]:
    regions = change.get("regions")
    scope = (
        list(version.region_names) if regions is None else [normalise_region(r) for r in regions]
    )
    foreign = [r for r in scope if r not in version.region_names]
    if foreign:
        return _refused(
            f"version {version.name} is not replicated to {', '.join(foreign)}; its regions "
            f"are {', '.join(version.region_names)}"
        )
    before = latest_by_region(versions, scope)
    if not version.is_good:
        pending = [
            f"{r.name}: {r.state.value}" for r in version.regions if r.state.value != "Completed"
        ]
        why = (
            f"provisioning state {version.provisioning_state}"
            if version.provisioning_state != "Succeeded"
            else "not fully replicated (" + ", ".join(pending) + ")"
        )
        return {
            **_refused(
                f"version {version.name} is {why}: re-including it would make regions resolve "
                "latest to a version that is not good"
            ),
            "before": before,
        }
    exclude = {"global": False if regions is None else None, "regions": dict.fromkeys(scope, False)}
    return {
        "exclude": exclude,
        "before": before,
        "after": _latest_after(versions, version, exclude),
    }


def _latest_after(
    versions: Sequence[VersionRecord], version: VersionRecord, exclude: dict[str, Any]
) -> dict[str, str | None]:
    """`latest` in the scope's regions once the version's flags are set as `exclude` says."""
    flags = exclude["regions"]
    changed = replace(
        version,
        exclude_from_latest=version.exclude_from_latest
        if exclude["global"] is None
        else exclude["global"],
        regions=tuple(
            replace(r, exclude_from_latest=flags[r.name]) if r.name in flags else r
            for r in version.regions
        ),
    )
    others = [v for v in versions if v.name != version.name]
    return latest_by_region([*others, changed], list(flags))
