"""Rollback planning: what excluding a version changes, and whether that is safe."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from activities import bp
from activities.guard import Payload, guarded, refuse
from activities.inventory import load_versions, records
from galleryflow.domain.inventory import VersionRecord
from galleryflow.domain.latest import latest_by_region
from galleryflow.domain.regions import normalise_region


def rollback_plan(
    versions: list[VersionRecord], name: str, regions: list[str] | None
) -> dict[str, Any]:
    """Pure: exclude `name` in `regions` (None: globally) and say what `latest` becomes.

    Refused when any affected region would be left with no fully replicated version that
    `latest` can resolve to.
    """
    bad = next(v for v in versions if v.name == name)
    affected = [normalise_region(r) for r in regions] if regions else list(bad.region_names)
    if regions is None:
        changed = replace(
            bad,
            exclude_from_latest=True,
            regions=tuple(replace(r, exclude_from_latest=True) for r in bad.regions),
        )
        changes: dict[str, Any] = {"global": True, "regions": dict.fromkeys(affected, True)}
    else:
        changed = replace(
            bad,
            regions=tuple(
                replace(r, exclude_from_latest=True) if r.name in affected else r
                for r in bad.regions
            ),
        )
        changes = {"global": None, "regions": dict.fromkeys(affected, True)}
    before = latest_by_region(versions, affected)
    after = latest_by_region([changed if v.name == name else v for v in versions], affected)
    reasons = [
        f"{region} would have no good version left for latest (only {name} is replicated there)"
        for region, version in after.items()
        if version is None
    ]
    return {
        "refused": bool(reasons),
        "reasons": reasons,
        "before": before,
        "after": after,
        "changes": changes,
    }


@guarded
def _plan(payload: Payload) -> Payload:
    versions = records(load_versions(payload["target"], with_in_use=False))
    name = str(payload["version"])
    if not any(v.name == name for v in versions):
        return refuse("NotFound", f"version {name} does not exist in this image definition", name)
    regions = payload.get("regions")
    known = {r.name for v in versions if v.name == name for r in v.regions}
    unknown = sorted({normalise_region(r) for r in regions or []} - known)
    if unknown:
        return refuse(
            "RegionNotTargeted",
            f"version {name} is not replicated to {', '.join(unknown)}",
            name,
        )
    return rollback_plan(versions, name, regions)


@bp.activity_trigger(input_name="payload", activity="plan_rollback")
def plan_rollback(payload: Payload) -> Payload:
    """{"target", "version", "regions": [..] | None} -> {"refused", "reasons", "before",
    "after", "changes": {"global", "regions"}}."""
    return _plan(payload)
