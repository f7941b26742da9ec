"""What the DevOps watcher reports (pure): which log lines of a run are new since the last
look, how long to wait before the next, and the snapshot of a run it cannot read.

A run's custom status keeps only its last few log lines, so each look sees a sliding
window; the new lines are what follows the longest overlap with the previous window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def new_lines(previous: Sequence[str], current: Sequence[str]) -> list[str]:
    for overlap in range(min(len(previous), len(current)), 0, -1):
        if list(previous[-overlap:]) == list(current[:overlap]):
            return list(current[overlap:])
    return list(current)


def next_poll_seconds(quiet_rounds: int, base: float, cap: float) -> float:
    """Look again soon after something happened, then back off (doubling) up to `cap`:
    a watcher of a run that replicates for hours makes a few dozen looks, not thousands."""
    return min(cap, base * 2 ** min(quiet_rounds, 20))


def unreadable(run_id: str) -> dict[str, Any]:
    """The watcher's snapshot of a run it cannot read: finished, failed, pointing at the API."""
    return {
        "finished": True,
        "succeeded": False,
        "log": [],
        "final_line": f"galleryflow cannot read run {run_id}; see GET /api/runs/{run_id}",
        "poll_seconds": 0,
        "poll_max_seconds": 0,
    }
