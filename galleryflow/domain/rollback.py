"""Rollback check: exclude a bad version from `latest` and see what each region falls back to.

Given the definition's versions, the bad version and the regions to exclude it in (None:
everywhere), this computes the `excludeFromLatest` changes, `latest` before and after per
region, and refuses when an affected region (one where the bad version is latest now)
would be left without a good version: provisioning Succeeded and replication Completed in
every region it targets. Globally excluding also sets the version's regional flags,
because a regional `false` would otherwise beat the global `true`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from galleryflow.domain.inventory import ReplicationState, VersionRecord
from galleryflow.domain.latest import latest_by_region
from galleryflow.domain.regions import normalise_region


@dataclass(frozen=True)
class RollbackPlan:
    version: str
    refused: bool
    reasons: tuple[str, ...]
    # The excludeFromLatest changes: global flag (None: leave it) and regional flags.
    set_global: bool | None
    set_regions: tuple[str, ...]
    before: dict[str, str | None]
    after: dict[str, str | None]
    affected: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "refused": self.refused,
            "reasons": list(self.reasons),
            "changes": {
                "global": self.set_global,
                "regions": dict.fromkeys(self.set_regions, True),
            },
            "before": dict(self.before),
            "after": dict(self.after),
            "affected": list(self.affected),
        }


def _refusal(version: str, reason: str) -> RollbackPlan:
    return RollbackPlan(version, True, (reason,), None, (), {}, {}, ())


def _not_good_because(v: VersionRecord) -> str:
    if v.provisioning_state != "Succeeded":
        return f"provisioning state {v.provisioning_state}"
    pending = [
        f"{r.name}: {r.state.value}" for r in v.regions if r.state is not ReplicationState.COMPLETED
    ]
    return "not fully replicated (" + ", ".join(pending) + ")"


def plan_rollback(
    versions: Sequence[VersionRecord], version: str, regions: Iterable[str] | None = None
) -> RollbackPlan:
    bad = next((v for v in versions if v.name == version), None)
    if bad is None:
        return _refusal(version, f"version {version} does not exist in this image definition")
    if regions is None:
        scope = list(bad.region_names)
        set_global: bool | None = True
    else:
        scope = list(dict.fromkeys(normalise_region(r) for r in regions))
        set_global = None
        foreign = [r for r in scope if r not in bad.region_names]
        if foreign:
            return _refusal(
                version,
                f"version {version} is not replicated to {', '.join(foreign)}; "
                f"its regions are {', '.join(bad.region_names)}",
            )
    changed_regions = tuple(
        r.name for r in bad.regions if r.name in scope and r.exclude_from_latest is not True
    )
    excluded = replace(
        bad,
        exclude_from_latest=True if set_global else bad.exclude_from_latest,
        regions=tuple(
            replace(r, exclude_from_latest=True) if r.name in scope else r for r in bad.regions
        ),
    )
    after_versions = [excluded if v.name == version else v for v in versions]
    before = latest_by_region(versions, scope)
    after = latest_by_region(after_versions, scope)
    by_name = {v.name: v for v in versions}
    affected = tuple(r for r in scope if before[r] == version)
    blockers: list[str] = []
    for region in affected:
        fallback = after[region]
        if fallback is None:
            blockers.append(f"{region} would have no latest version left: nothing else serves it")
        elif not by_name[fallback].is_good:
            why = _not_good_because(by_name[fallback])
            blockers.append(f"{region} would resolve to {fallback}, which is {why}")
    notes = [] if affected else [f"version {version} is not latest in any of {', '.join(scope)}"]
    return RollbackPlan(
        version=version,
        refused=bool(blockers),
        reasons=tuple(blockers or notes),
        set_global=set_global,
        set_regions=changed_regions,
        before=before,
        after=after,
        affected=affected,
    )
