"""Retention planning: which versions of an image definition to keep, delete or shrink.

Every version gets a decision and the reasons for it. The plan never deletes or shrinks
a version that is latest in any region, in use, blocked from deletion before its end of
life, or in the middle of an operation; and it keeps at least `min_good_versions` good
versions (or all good ones when there are fewer).

Order: newest first by version number; equal numbers spelled differently (1.2.3 and
1.02.3) are ordered by name, so the same input always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from galleryflow.domain.inventory import FAILED, SUCCEEDED, VersionRecord, newest_first
from galleryflow.domain.latest import latest_names
from galleryflow.domain.quotas import QuotaUsage, versions_to_free
from galleryflow.domain.regions import normalise_region
from galleryflow.domain.request_fields import RETENTION_SPEC

_DEFAULTS = RETENTION_SPEC.check({}, "$", [])  # the field table: the one source of defaults


@dataclass(frozen=True)
class RetentionPolicy:
    keep_last: int = _DEFAULTS["keep_last"]
    keep_newer_than_days: int = _DEFAULTS["keep_newer_than_days"]
    min_good_versions: int = _DEFAULTS["min_good_versions"]
    shrink_old_to_one_region: bool = _DEFAULTS["shrink_old_to_one_region"]
    quota_headroom: int = _DEFAULTS["quota_headroom"]
    auto_prune: bool = _DEFAULTS["auto_prune"]
    dry_run: bool = _DEFAULTS["dry_run"]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetentionPolicy:
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RetentionAction(StrEnum):
    KEEP = "keep"
    DELETE = "delete"
    SHRINK = "shrink"


@dataclass(frozen=True)
class RetentionDecision:
    name: str
    action: RetentionAction
    reasons: tuple[str, ...]
    # For SHRINK: the regions to remove (the version keeps one region).
    remove_regions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "action": self.action.value,
            "reason": "; ".join(self.reasons),
            "remove_regions": list(self.remove_regions),
        }


@dataclass(frozen=True)
class RetentionPlan:
    decisions: tuple[RetentionDecision, ...]  # newest first
    must_free: int = 0  # version slots the quota asked for
    shortfall: int = 0  # of those, how many the plan could not free

    @property
    def deletions(self) -> list[str]:
        return [d.name for d in self.decisions if d.action is RetentionAction.DELETE]

    @property
    def shrinks(self) -> list[RetentionDecision]:
        return [d for d in self.decisions if d.action is RetentionAction.SHRINK]

    @property
    def has_actions(self) -> bool:
        return any(d.action is not RetentionAction.KEEP for d in self.decisions)

    @property
    def message(self) -> str:
        text = (
            f"keep {sum(d.action is RetentionAction.KEEP for d in self.decisions)}, "
            f"delete {len(self.deletions)}, shrink {len(self.shrinks)}"
        )
        if self.shortfall:
            text += (
                f"; the quota needs {self.shortfall} more free version slot(s) but every "
                "remaining version is protected: raise the quota or relax the policy"
            )
        return text

    def protecting(self, names: Collection[str], reason: str) -> RetentionPlan:
        """The plan with the named versions kept for `reason` (e.g. the version a run just
        published, which the gallery may not list as latest yet)."""
        decisions = tuple(
            RetentionDecision(d.name, RetentionAction.KEEP, (reason,))
            if d.name in names and d.action is not RetentionAction.KEEP
            else d
            for d in self.decisions
        )
        return replace(self, decisions=decisions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decisions": [d.to_dict() for d in self.decisions],
            "must_free": self.must_free,
            "shortfall": self.shortfall,
            "message": self.message,
        }


def _protections(version: VersionRecord, latest: dict[str, list[str]], now: datetime) -> list[str]:
    """Reasons that forbid deleting or shrinking the version at all."""
    reasons: list[str] = []
    if version.name in latest:
        reasons.append(f"latest in {', '.join(latest[version.name])}")
    if version.in_use:
        reasons.append("in use by VMs or scale sets")
    if version.deletion_blocked(now):
        until = version.end_of_life.isoformat() if version.end_of_life else "its end of life"
        reasons.append(f"deletion blocked before end of life ({until})")
    if version.provisioning_state not in (SUCCEEDED, FAILED):
        reasons.append(f"provisioning state {version.provisioning_state}: an operation is running")
    return reasons


def plan_retention(
    versions: Sequence[VersionRecord],
    policy: RetentionPolicy,
    *,
    now: datetime,
    quota: QuotaUsage | None = None,
    adding: int = 0,
    home_region: str | None = None,
) -> RetentionPlan:
    """Plan keep / delete / shrink for every version. With `quota` (usage of the gallery's
    region), the plan also frees enough version slots for `adding` new versions plus the
    policy's headroom — by deleting versions it would otherwise shrink, oldest first.
    `home_region` is the gallery's region: a shrunk version keeps that one (Azure needs the
    version resource's own region among its targets), else its first listed region."""
    names = [v.name for v in versions]
    if len(set(names)) != len(names):
        raise ValueError("version names must be unique")
    ordered = newest_first(list(versions))
    latest = latest_names(ordered)
    cutoff = now - timedelta(days=policy.keep_newer_than_days)

    protected: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    for v in ordered:
        reasons = _protections(v, latest, now)
        if reasons:
            protected[v.name] = reasons
            kept[v.name] = list(reasons)
    for rank, v in enumerate(x for x in ordered if x.provisioning_state != FAILED):
        if rank >= policy.keep_last:
            break
        kept.setdefault(v.name, []).append(f"among the newest {policy.keep_last}")
    for v in ordered:
        if v.provisioning_state == FAILED:
            continue
        if v.published_date is None:
            kept.setdefault(v.name, []).append("no publish date yet")
        elif v.published_date >= cutoff:
            days = (now - v.published_date).days
            kept.setdefault(v.name, []).append(
                f"published {days} day(s) ago (keeps {policy.keep_newer_than_days} days)"
            )
    good_kept = sum(1 for v in ordered if v.name in kept and v.is_good)
    for v in ordered:
        if good_kept >= policy.min_good_versions:
            break
        if v.name not in kept and v.is_good:
            kept[v.name] = [f"needed to keep {policy.min_good_versions} good versions"]
            good_kept += 1

    decisions: dict[str, RetentionDecision] = {}
    for v in ordered:
        if v.name in kept:
            decisions[v.name] = RetentionDecision(v.name, RetentionAction.KEEP, tuple(kept[v.name]))
        else:
            decisions[v.name] = _outside_keep_set(v, policy, home_region)

    must_free = versions_to_free(quota, adding, policy.quota_headroom) if quota else 0
    need = must_free - sum(d.action is RetentionAction.DELETE for d in decisions.values())
    for v in reversed(ordered):  # oldest first
        if need <= 0:
            break
        decision = decisions[v.name]
        if v.name not in kept and decision.action is not RetentionAction.DELETE:
            decisions[v.name] = RetentionDecision(
                v.name,
                RetentionAction.DELETE,
                (*decision.reasons, f"deleted for quota: {must_free} free slot(s) needed"),
            )
            need -= 1
    return RetentionPlan(
        tuple(decisions[v.name] for v in ordered), must_free=must_free, shortfall=max(0, need)
    )


def _outside_keep_set(
    v: VersionRecord, policy: RetentionPolicy, home_region: str | None
) -> RetentionDecision:
    if v.provisioning_state == FAILED:
        return RetentionDecision(v.name, RetentionAction.DELETE, ("provisioning failed",))
    why = (
        f"older than {policy.keep_newer_than_days} days and not among the newest {policy.keep_last}"
    )
    if not (policy.shrink_old_to_one_region and v.is_good):
        return RetentionDecision(v.name, RetentionAction.DELETE, (why,))
    if len(v.regions) <= 1:
        return RetentionDecision(
            v.name, RetentionAction.KEEP, (why, "already in one region (shrink_old_to_one_region)")
        )
    home = normalise_region(home_region) if home_region else ""
    stay = home if home in v.region_names else v.regions[0].name
    return RetentionDecision(
        v.name,
        RetentionAction.SHRINK,
        (why, f"shrink to {stay} (shrink_old_to_one_region)"),
        remove_regions=tuple(r for r in v.region_names if r != stay),
    )


def apply_plan(versions: Sequence[VersionRecord], plan: RetentionPlan) -> list[VersionRecord]:
    """The versions as they are after the plan is carried out (deleted ones gone, shrunk
    ones left with one region) — what the next planning run will see."""
    by_name = {d.name: d for d in plan.decisions}
    after: list[VersionRecord] = []
    for v in versions:
        decision = by_name.get(v.name)
        if decision is None or decision.action is RetentionAction.KEEP:
            after.append(v)
        elif decision.action is RetentionAction.SHRINK:
            gone = set(decision.remove_regions)
            after.append(replace(v, regions=tuple(r for r in v.regions if r.name not in gone)))
    return after
