"""When to read replication next: at the predicted completion that changes a decision. Pure.

A *decision* is a group of regions whose completion makes something happen (a wave's
regions go live together; with `as_ready` each region is its own group): the group is due
when its last region is due. A region is due at the earliest completion its readings allow
(galleryflow/domain/eta.py); once that has passed without completion, a quarter of the way to the
latest possible completion (a few polls land within seconds of it). The next poll is
the earliest due group, never sooner than `FIRST_DELAY_SECONDS` after the previous poll and
never later than `MAX_DELAY_SECONDS` (the cap also bounds how late a failure, a stall or a
wrong prediction is seen), nor than half the age of the youngest replicating attempt.
When a group's progress says nothing yet (no reading rose), the
old backoff (15 s, doubling, capped) applies to it.

**Never later than a blocking poller.** The tools galleryflow replaces read the operation
every 30 s from the version's creation (az CLI, Terraform, Packer). Once a decision can
happen (its earliest possible completion has come), galleryflow's polls keep to that grid:
each lands on a grid point or in the first half of a grid cell (one later in the cell moves to
the cell's end), and none skips a grid point. So when the progress model holds, galleryflow
sees a wave done no later than such a poller would — and usually earlier, at the predicted
completion — while still polling at most every 15 s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from galleryflow.domain.eta import Sample, completion_bracket

FIRST_DELAY_SECONDS = 15
MAX_DELAY_SECONDS = 1200
GRID_SECONDS = 30  # the blocking tools' LRO polling interval (az CLI, Terraform, Packer)
BACKOFF_FACTOR = 2
# once the earliest completion has passed, read again after this fraction of what is left of
# the bracket: a few more reads, each landing closer (a 30 s poller must not be quicker)
ENDGAME_STEPS = 4


def next_delay(previous_seconds: int | None) -> int:
    """The backoff wait before the next poll, given the previous one (None: first)."""
    if not previous_seconds:
        return FIRST_DELAY_SECONDS
    return min(previous_seconds * BACKOFF_FACTOR, MAX_DELAY_SECONDS)


def region_due(samples: Sequence[Sample], now: float) -> float | None:
    """When this region should next be read to catch its completion (None: no idea yet)."""
    bracket = completion_bracket(samples)
    if bracket is None:
        return None
    earliest, latest = bracket
    if earliest > now + 1:
        return earliest + 1
    if math.isfinite(latest):
        return now + max(FIRST_DELAY_SECONDS, (latest - now) / ENDGAME_STEPS)
    return None


def young_cap(age_seconds: float) -> float:
    """A young attempt is read again within half its age (at least a minute): its progress
    says little yet and may speed up (a crawl, then fast) before a full cap has passed."""
    return min(float(MAX_DELAY_SECONDS), max(60.0, age_seconds / 2))


def plan_poll(
    groups: Sequence[Sequence[Sequence[Sample]]],
    now: float,
    backoff: int | None,
    cap: float = MAX_DELAY_SECONDS,
    grid_origin: float | None = None,
) -> tuple[int, int | None]:
    """(seconds until the next poll, backoff to carry) for the pending regions' readings,
    grouped by decision, never later than `cap` (at most the global cap). Groups without
    pending regions are ignored; no group at all: the cap. With `grid_origin` (when the
    watched regions started replicating) polls keep to the 30 s grid from there once a
    decision can happen (see the module docstring)."""
    cap = min(cap, MAX_DELAY_SECONDS)
    due: list[float] = []
    possible: list[float] = []  # per decision: its earliest possible completion
    unknown = False
    for group in groups:
        if not group:
            continue
        times = [region_due(samples, now) for samples in group]
        known = [t for t in times if t is not None]
        if len(known) < len(times):
            unknown = True
            continue
        due.append(max(known))
        brackets = [completion_bracket(samples) for samples in group]
        possible.append(max(b[0] for b in brackets if b is not None))
    if unknown:
        backoff = next_delay(backoff)
        due.append(now + backoff)
    else:
        backoff = None
    at = now + min(min(due) - now if due else cap, cap)
    if grid_origin is not None and possible:
        at = min(on_grid(at, now, min(possible), grid_origin), now + cap)
    return math.ceil(max(at - now, FIRST_DELAY_SECONDS)), backoff


def on_grid(at: float, now: float, possible_from: float, origin: float) -> float:
    """The poll time `at` fitted to the 30 s grid from `origin` once a completion is possible
    (from `possible_from`): no later than the first grid point after both the previous poll
    (`now`) and `possible_from`, and moved to its cell's end when it falls in a cell's second
    half, so the poll after it can still land on the next grid point 15 s or more later."""
    if at < possible_from:
        return at
    first = max(possible_from, now + 1)
    at = max(min(at, _grid_at_or_after(first, origin)), now + FIRST_DELAY_SECONDS)
    end = _grid_at_or_after(at, origin)
    return end if end - at < GRID_SECONDS / 2 else at


def _grid_at_or_after(moment: float, origin: float) -> float:
    if moment <= origin:
        return origin
    return origin + math.ceil((moment - origin) / GRID_SECONDS - 1e-9) * GRID_SECONDS
