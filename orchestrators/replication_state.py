"""Per-region replication bookkeeping for the replication monitor. Pure and deterministic.

A region is retried (removed and re-added by an activity) when it fails or exceeds its
timeout, up to `max_region_retries` times; after that it is Failed for good. The version's
home region (its ARM location) cannot be removed, so a failure there is final at once.
ARM takes the retry only once every other region has ended (docs/azure-facts.md#q1): until
then the retry is `retry_pending` and asked for again at each poll; the attempt counts when
ARM takes it. A timed-out region that completes meanwhile is simply Completed.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

TERMINAL = ("Completed", "Failed")
PROGRESS_BUCKET = 25  # a region crossing 25/50/75 % is worth showing in the run status


def initial_state(
    *,
    target: dict[str, Any],
    version: str,
    target_regions: list[dict[str, Any]],
    max_region_retries: int,
    region_timeout_minutes: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "target": target,
        "version": version,
        "max_region_retries": max_region_retries,
        "region_timeout_minutes": region_timeout_minutes,
        "delay": None,
        "polls": 0,
        "regions": {
            spec["name"]: {
                "state": "Replicating",
                "progress": 0,
                "attempt": 1,
                "since": now.isoformat(),
                "started": now.isoformat(),
                "completed": None,
                "details": "",
                "spec": spec,
            }
            for spec in target_regions
        },
    }


def all_terminal(state: dict[str, Any]) -> bool:
    return all(r["state"] in TERMINAL for r in state["regions"].values())


def advance(
    state: dict[str, Any], observed: dict[str, dict[str, Any]], now: datetime
) -> tuple[dict[str, Any], list[str], bool]:
    """Fold one replication reading into the state.

    Returns (new state, regions to retry now, whether anything worth reporting changed).
    """
    new = copy.deepcopy(state)
    retry: list[str] = []
    changed = False
    fresh = False
    timeout = timedelta(minutes=int(state["region_timeout_minutes"]))
    for name, region in new["regions"].items():
        if region["state"] in TERMINAL:
            continue
        seen = _observed_for(observed, name)
        seen_state = seen.get("state", "Unknown")
        progress = int(seen.get("progress") or 0)
        if region.get("retry_pending"):
            if seen_state == "Completed":  # a timed-out region that finished after all
                region.pop("retry_pending")
                region.update(state="Completed", progress=100, details="")
                changed = True
            else:
                retry.append(name)
            continue
        failure = ""
        if seen_state == "Completed":
            region.update(state="Completed", progress=100, details="", completed=now.isoformat())
            changed = True
            continue
        if seen_state == "Failed":
            failure = str(seen.get("details") or "replication failed")
        elif now - datetime.fromisoformat(region["since"]) > timeout:
            failure = f"not replicated within {state['region_timeout_minutes']} minutes"
        if failure:
            changed = True
            # ARM cannot remove the version's home region, so it cannot be re-added either.
            retryable = not region["spec"].get("home_region")
            if retryable and region["attempt"] <= int(state["max_region_retries"]):
                # the attempt counts once ARM took the retry (mark_retry)
                region.update(
                    state="Replicating",
                    details=f"retrying after: {failure}",
                    retry_pending=True,
                )
                retry.append(name)
                fresh = True
            else:
                region.update(state="Failed", details=failure)
            continue
        if progress // PROGRESS_BUCKET != int(region["progress"]) // PROGRESS_BUCKET:
            changed = True
        region.update(state="Replicating", progress=progress)
    if fresh:
        new["delay"] = None  # a re-added region starts over: poll it soon again
    return new, retry, changed


def mark_retry(region: dict[str, Any], *, deferred: bool, now: datetime) -> None:
    """Record the answer of a retry: deferred (the version is busy) keeps it pending; taken
    starts the next attempt and its timeout clock."""
    if deferred:
        return
    region.pop("retry_pending", None)
    region.update(attempt=region["attempt"] + 1, since=now.isoformat(), progress=0)


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
