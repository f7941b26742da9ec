"""Per-region replication bookkeeping for the replication monitor. Pure and deterministic.

Regions are added stage by stage (galleryflow/domain/rollout.py); a region not added yet is
`Pending`. Each reading adds a progress sample per region (galleryflow/domain/eta.py), which
both schedules the next poll (orchestrators/polling.py) and decides stalls: a region that
keeps progressing is never given up; one whose progress has not moved for `stall_minutes`
(or past the optional hard ceiling `region_timeout_minutes`) is retried like a failed one,
by removing and re-adding it, up to `max_region_retries` times; after that it is Failed for
good. ARM refuses updates while any region of the version replicates (docs/azure-facts.md
Q1), so retries wait until every other region is terminal. The version's home region (its
ARM location) cannot be removed, so a failure there is final at once.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from galleryflow.domain.eta import Sample, StallRule, add_sample
from orchestrators.polling import FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS, plan_poll, young_cap

TERMINAL = ("Completed", "Failed")
PROGRESS_BUCKET = 25  # a region crossing 25/50/75 % is worth showing in the run status


def initial_state(
    *,
    target: dict[str, Any],
    version: str,
    target_regions: list[dict[str, Any]],
    max_region_retries: int,
    stall_minutes: int,
    region_timeout_minutes: int | None,
    now: datetime,
    added: list[str] | None = None,
    watch: list[str] | None = None,
) -> dict[str, Any]:
    """State for every target region; those in `added` (default: all) start replicating.
    `watch`: regions whose own completion is a decision (a mirror's home region: the mirror
    starts then), polled for on their own as well as with the rest."""
    state: dict[str, Any] = {
        "target": target,
        "version": version,
        "max_region_retries": max_region_retries,
        "stall_minutes": stall_minutes,
        "region_timeout_minutes": region_timeout_minutes,
        "delay": None,
        "polls": 0,
        "next_poll_at": None,
        "watch": list(watch or []),
        "regions": {
            spec["name"]: {
                "state": "Pending",
                "progress": 0,
                "attempt": 0,
                "since": now.isoformat(),
                "started": None,
                "completed": None,
                "details": "",
                "spec": spec,
                "samples": [],
            }
            for spec in target_regions
        },
    }
    return add_regions(state, [s["name"] for s in target_regions] if added is None else added, now)


def add_regions(state: dict[str, Any], names: list[str], now: datetime) -> dict[str, Any]:
    """The state with `names` (Pending ones) starting to replicate now; polled soon."""
    new = copy.deepcopy(state)
    for name in names:
        region = new["regions"][name]
        if region["state"] == "Pending":
            region.update(
                state="Replicating",
                attempt=1,
                since=now.isoformat(),
                started=now.isoformat(),
                samples=[],
            )
    new["delay"] = None
    new["next_poll_at"] = None
    return new


def resubmitted(state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The state after an update of the version: an update sends `targetRegions` whole, and
    ARM starts replicating again every region that had failed (docs/azure-facts.md#q1: the
    version is Updating until they end), so they are watched as a new attempt — the next
    update waits for them, and one that completes can still go live."""
    new = copy.deepcopy(state)
    for region in new["regions"].values():
        if region["state"] == "Failed":
            region.update(
                state="Replicating",
                attempt=region["attempt"] + 1,
                since=now.isoformat(),
                progress=0,
                details="replicating again: re-submitted by the rollout's update",
                samples=[],
            )
    return new


def all_terminal(state: dict[str, Any]) -> bool:
    """Every region added so far is Completed or Failed (the version is idle again)."""
    return all(r["state"] in TERMINAL for r in state["regions"].values() if r["state"] != "Pending")


def _active(region: dict[str, Any]) -> bool:
    return region["state"] == "Replicating" and not region.get("retry_due")


def _finished_while_waiting(region: dict[str, Any], seen: dict[str, Any], now: datetime) -> bool:
    """A region waiting for its retry that completed after all (a stall that recovered)."""
    if region.get("retry_due") and seen.get("state") == "Completed":
        region.pop("retry_due")
        region.update(state="Completed", progress=100, details="", completed=now.isoformat())
        return True
    return False


def advance(
    state: dict[str, Any], observed: dict[str, dict[str, Any]], now: datetime
) -> tuple[dict[str, Any], list[str], bool]:
    """Fold one replication reading into the state and schedule the next poll.

    Returns (new state, regions to retry now, whether anything worth reporting changed).
    """
    new = copy.deepcopy(state)
    changed = False
    t = now.timestamp()
    ceiling = state.get("region_timeout_minutes")
    rule = StallRule(int(state["stall_minutes"]) * 60, int(ceiling) * 60 if ceiling else None)
    for name, region in new["regions"].items():
        seen = _observed_for(observed, name)
        if _finished_while_waiting(region, seen, now):
            changed = True
            continue
        if not _active(region):
            continue
        seen_state = seen.get("state", "Unknown")
        progress = int(seen.get("progress") or 0)
        if seen_state == "Completed":
            region.update(state="Completed", progress=100, details="", completed=now.isoformat())
            changed = True
            continue
        if seen_state == "Failed":
            failure = str(seen.get("details") or "replication failed")
        else:
            region["samples"] = add_sample(region["samples"], t, progress)
            started = datetime.fromisoformat(region["since"]).timestamp()
            failure = rule.verdict(region["samples"], started, t) or ""
        if failure:
            changed = True
            # ARM cannot remove the version's home region, so it cannot be re-added either.
            retryable = not region["spec"].get("home_region")
            if retryable and region["attempt"] <= int(state["max_region_retries"]):
                region.update(retry_due=failure, details=f"{failure}; retried when ARM allows")
            else:
                region.update(state="Failed", details=failure)
            continue
        if progress // PROGRESS_BUCKET != int(region["progress"]) // PROGRESS_BUCKET:
            changed = True
        region.update(progress=progress)
    retry = _start_retries(new, now)
    ages = [
        t - datetime.fromisoformat(r["since"]).timestamp()
        for r in new["regions"].values()
        if _active(r)
    ]
    cap = young_cap(min(ages)) if ages else float(MAX_DELAY_SECONDS)
    groups = [_pending_samples(new), *_watched_samples(new)]
    delay, new["delay"] = plan_poll(groups, t, new["delay"], cap, _origin(new))
    new["next_poll_at"] = datetime.fromtimestamp(t + delay, now.tzinfo).isoformat()
    return new, retry, changed


def _start_retries(state: dict[str, Any], now: datetime) -> list[str]:
    """Regions to retry now: once no other region replicates (ARM refuses updates before).
    The attempt counts when ARM takes the retry (`mark_retry`)."""
    regions = state["regions"]
    due = sorted(n for n, r in regions.items() if r.get("retry_due"))
    if not due or any(_active(r) for r in regions.values()):
        return []
    return due


def mark_retry(state: dict[str, Any], names: list[str], *, deferred: bool, now: datetime) -> None:
    """Record the retry activity's answer: deferred (ARM still busy, e.g. a stalled region
    keeps the version Creating) keeps the regions waiting, asked again at the next poll; taken
    starts their next attempt (and its stall clock), polled soon."""
    if deferred:
        return
    for name in names:
        region = state["regions"][name]
        failure = region.pop("retry_due", "")
        region.update(
            attempt=region["attempt"] + 1,
            since=now.isoformat(),
            progress=0,
            details=f"retrying after: {failure}",
            samples=[],
        )
    state["delay"] = None
    state["next_poll_at"] = (now + timedelta(seconds=FIRST_DELAY_SECONDS)).isoformat()


def _origin(state: dict[str, Any]) -> float | None:
    """When the regions being watched were added (the version's creation for the first
    wave): the start of the 30 s grid a blocking poller would read on."""
    starts = [r["started"] for r in state["regions"].values() if _active(r) and r["started"]]
    return min(datetime.fromisoformat(s).timestamp() for s in starts) if starts else None


def _pending_samples(state: dict[str, Any]) -> list[list[Sample]]:
    return [
        [(float(t), int(p)) for t, p in r["samples"]]
        for r in state["regions"].values()
        if _active(r)
    ]


def _watched_samples(state: dict[str, Any]) -> list[list[list[Sample]]]:
    """One decision per watched region still replicating (none for older states)."""
    regions = state["regions"]
    return [
        [[(float(t), int(p)) for t, p in regions[name]["samples"]]]
        for name in state.get("watch") or []
        if name in regions and _active(regions[name])
    ]


def _observed_for(observed: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    key = name.replace(" ", "").lower()
    for region, value in observed.items():
        if region.replace(" ", "").lower() == key:
            return value
    return {}


def region_summary(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-region view for the run status and result (no internal bookkeeping)."""
    return {
        name: {
            "state": r["state"],
            "progress": r["progress"],
            "attempt": r["attempt"],
            # when the replicate step began watching it, and when Completed was first seen
            "replication_started": r.get("started"),
            "replication_completed": r.get("completed"),
            **({"details": r["details"]} if r["details"] else {}),
        }
        for name, r in state["regions"].items()
    }
