"""Which log lines of a run are new since the last look (pure).

A run's custom status keeps only its last few log lines, so each look sees a sliding
window; the new lines are what follows the longest overlap with the previous window.
"""

from __future__ import annotations

from collections.abc import Sequence


def new_lines(previous: Sequence[str], current: Sequence[str]) -> list[str]:
    for overlap in range(min(len(previous), len(current)), 0, -1):
        if list(previous[-overlap:]) == list(current[:overlap]):
            return list(current[overlap:])
    return list(current)
