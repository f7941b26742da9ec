"""Replication progress model: when will a region complete, and has it stalled? Pure.

A region's replication attempt is watched through samples `(t, progress)`: `t` in seconds
(any epoch, only differences matter), `progress` the integer percent ARM reports, which is
truncated (a reading `p` at `t` means the true progress at `t` lies in [p, p + 1)).

- **ETA**: real progress is not a straight line (it crawls, jumps in steps, stalls and speeds
  up), so the model is local: the straight lines `f(t) = a + r t` that agree with every one of
  the newest readings (as many as agree, newest first: a knee or a step ends the window). The
  region completes when the line reaches 100, so the window gives a bracket [earliest,
  latest] of completion times. Each extra reading narrows it; a reading close to the end
  narrows it most. The caller polls at the earliest time, or at the latest one when the
  earliest has passed; a wrong line (the region sped up) costs at most the caller's cap.
- **Stall**: no progress for `stall_seconds`, or for twice the longest gap between two rises
  seen in this attempt if that is longer (a stepped progress is not a stall).
No rise in the window (a single reading, a plateau): no ETA, the caller backs off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Sample = tuple[float, int]
Point = tuple[float, float]  # (a, r): the line's progress at the newest reading, its rate

MAX_SAMPLES = 12  # kept per region attempt: enough for a window, bounded for the history
MAX_RATE = 100.0  # percent per second: no image replicates faster than that


def add_sample(samples: Sequence[Sample], t: float, progress: int) -> list[Sample]:
    """The samples with a new reading (a plateau keeps only its first and last readings)."""
    kept = [(float(a), int(b)) for a, b in samples]
    if kept and t <= kept[-1][0]:
        return kept  # a replayed or out-of-order reading adds nothing
    progress = max(progress, kept[-1][1]) if kept else progress  # progress never goes back
    kept.append((float(t), int(progress)))
    if len(kept) >= 3 and kept[-1][1] == kept[-2][1] == kept[-3][1]:
        del kept[-2]
    return kept[-MAX_SAMPLES:]


def _clip(polygon: list[Point], ca: float, cr: float, limit: float) -> list[Point]:
    """The convex polygon cut to the half-plane ca * a + cr * r <= limit."""
    out: list[Point] = []
    for i, here in enumerate(polygon):
        there = polygon[(i + 1) % len(polygon)]
        v_here = ca * here[0] + cr * here[1] - limit
        v_there = ca * there[0] + cr * there[1] - limit
        if v_here <= 1e-9:
            out.append(here)
        if (v_here < -1e-9 < v_there) or (v_there < -1e-9 < v_here):
            k = v_here / (v_here - v_there)
            out.append((here[0] + k * (there[0] - here[0]), here[1] + k * (there[1] - here[1])))
    return out


def _lines(samples: Sequence[Sample]) -> list[Point]:
    """The polygon of lines (a, r) agreeing with the newest readings, time 0 = newest one."""
    t_last, p_last = samples[-1]
    polygon: list[Point] = [
        (p_last, 0.0),
        (p_last + 1, 0.0),
        (p_last + 1, MAX_RATE),
        (p_last, MAX_RATE),
    ]
    for t, p in reversed(samples[:-1]):
        dt = t - t_last
        # p <= a + r dt < p + 1
        cut = _clip(_clip(polygon, -1.0, -dt, -p), 1.0, dt, p + 1)
        if len(cut) < 3:
            break  # this older reading does not fit the same line: the window ends here
        polygon = cut
    return polygon


def completion_bracket(samples: Sequence[Sample]) -> tuple[float, float] | None:
    """(earliest, latest) completion times the newest readings allow (latest may be inf),
    or None when they say nothing about the speed yet."""
    if len(samples) < 2 or samples[-1][1] == samples[0][1]:
        return None
    t_last = samples[-1][0]
    polygon = _lines(samples)
    if all(r <= 0 for _, r in polygon):
        return None
    times = [(100 - a) / r if r > 0 else math.inf for a, r in polygon]
    return t_last + max(0.0, min(times)), t_last + max(times)


def earliest_completion(samples: Sequence[Sample]) -> float | None:
    bracket = completion_bracket(samples)
    return bracket[0] if bracket else None


def last_rise(samples: Sequence[Sample], started: float) -> float:
    """Time of the first reading at the current progress (the attempt's start if it never rose)."""
    if not samples or samples[-1][1] == samples[0][1]:
        return started
    current = samples[-1][1]
    return next(t for t, p in samples if p == current)


def longest_gap(samples: Sequence[Sample]) -> float:
    """Longest time between two rises of progress among the kept readings (0 if none)."""
    gap = 0.0
    since, previous = samples[0] if samples else (0.0, 0)
    for t, p in samples[1:]:
        if p > previous:
            gap = max(gap, t - since)
            since = t
        previous = p
    return gap


@dataclass(frozen=True)
class StallRule:
    stall_seconds: float
    ceiling_seconds: float | None = None  # hard limit per attempt, whatever the progress

    def verdict(self, samples: Sequence[Sample], started: float, now: float) -> str | None:
        """Why the attempt should be given up now, or None while it is fine."""
        if self.ceiling_seconds is not None and now - started > self.ceiling_seconds:
            return f"not replicated within {self.ceiling_seconds / 60:g} minutes"
        quiet = now - last_rise(samples, started)
        allowed = max(self.stall_seconds, 2 * longest_gap(samples))
        if quiet > allowed:
            at = samples[-1][1] if samples else 0
            return f"no replication progress for {quiet / 60:.0f} minutes (stalled at {at} %)"
        return None
