"""Invariants checked on the emulator's final state after every fault-matrix cell."""

from __future__ import annotations

from typing import Any

TAG = "galleryflow-idempotency"


def _norm(region: str) -> str:
    return region.replace(" ", "").lower()


def live_regions(version: dict[str, Any]) -> set[str]:
    """Regions where the version can be `latest` (regional flag, else the global one)."""
    profile = version["properties"]["publishingProfile"]
    default = bool(profile.get("excludeFromLatest"))
    live = set()
    for target in profile.get("targetRegions", []):
        flag = target.get("excludeFromLatest")
        if not (default if flag is None else flag):
            live.add(_norm(target["name"]))
    return live


def completed_regions(version: dict[str, Any]) -> set[str]:
    summary = (version["properties"].get("replicationStatus") or {}).get("summary") or []
    return {_norm(s["region"]) for s in summary if s.get("state") == "Completed"}


def check(
    *,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    protected: dict[str, str],
    statuses: list[dict[str, Any]],
    power: tuple[str, str, bool],
) -> list[str]:
    """Problems found (empty when consistent). `protected`: version -> why it must stay;
    `power`: (original, final, generalize requested)."""
    problems: list[str] = []
    original, final, generalized = power
    if final != original and not (generalized and final == "deallocated"):
        problems.append(f"source VM is {final}, was {original}")
    for name, version in after.items():
        early = live_regions(version) - completed_regions(version)
        if early:
            problems.append(f"{name} is live in {sorted(early)} before replication completed")
    for name, why in protected.items():
        if name not in after:
            problems.append(f"{name} was deleted though {why}")
    had_latest = set().union(*(live_regions(v) for v in before.values())) if before else set()
    has_latest = set().union(*(live_regions(v) for v in after.values())) if after else set()
    if had_latest - has_latest:
        problems.append(f"no latest left in {sorted(had_latest - has_latest)}")
    new = {n: v for n, v in after.items() if n not in before}
    if len(new) > 1:
        problems.append(f"{len(new)} versions created: {sorted(new)}")
    for status in statuses:
        problems += _rule_one(status, new)
    return problems


def _rule_one(status: dict[str, Any], new: dict[str, dict[str, Any]]) -> list[str]:
    """The run ended as docs/pipeline.md "The failure rule" says."""
    run = status.get("instanceId", "?")
    runtime = status.get("runtimeStatus")
    mine = {n: v for n, v in new.items() if (v.get("tags") or {}).get(TAG) in (run, None)} or new
    if runtime == "Completed":
        output = status.get("output") or {}
        if output.get("status") not in ("succeeded", "partially_succeeded"):
            return [f"run {run} completed with status {output.get('status')!r}"]
        version = new.get(str(output.get("version")))
        if version is None or not live_regions(version):
            return [f"run {run} completed but its version is not live anywhere"]
        return []
    if runtime == "Failed":
        if "RunInProgress" in str(status.get("output")):
            return []
        return [
            f"failed run {run} left {name} live in {sorted(live_regions(v))}"
            for name, v in mine.items()
            if live_regions(v)
        ]
    return [f"run {run} did not end ({runtime})"]


def check_mirror(
    *,
    primary: dict[str, dict[str, Any]],
    copies: dict[str, dict[str, Any]],
    statuses: list[dict[str, Any]],
) -> list[str]:
    """A mirrored publish (docs/pipeline.md "Mirror galleries"): at most one copy, made from
    the primary version; live only where replicated (checked with the rest), never while the
    primary is live nowhere; live wherever it replicated once the run succeeded; not live
    once the run failed."""
    problems: list[str] = []
    if len(copies) > 1:
        problems.append(f"{len(copies)} mirror copies created: {sorted(copies)}")
    for name, copy in copies.items():
        early = live_regions(copy) - completed_regions(copy)
        if early:
            problems.append(f"mirror {name} is live in {sorted(early)} before it replicated")
        source = copy["properties"]["storageProfile"].get("source", {}).get("id", "")
        if not str(source).lower().endswith(f"/versions/{name}"):
            problems.append(f"mirror {name} was copied from {source}, not the primary version")
        if live_regions(copy) and not (name in primary and live_regions(primary[name])):
            problems.append(f"mirror {name} is live while the primary version is not")
    for status in statuses:
        output = status.get("output") or {}
        if status.get("runtimeStatus") == "Completed" and output.get("status") == "succeeded":
            made = copies.get(str(output.get("version")))
            if made is None or live_regions(made) != completed_regions(made):
                problems.append(f"run {status.get('instanceId')} succeeded, its mirror is not live")
        if status.get("runtimeStatus") == "Failed" and "RunInProgress" not in str(output):
            problems += [
                f"failed run {status.get('instanceId')} left mirror {n} live"
                for n, copy in copies.items()
                if live_regions(copy)
            ]
    return problems
