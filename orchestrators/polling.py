"""Adaptive polling for replication: poll soon, back off, cap. Pure."""

from __future__ import annotations

FIRST_DELAY_SECONDS = 15
MAX_DELAY_SECONDS = 600
BACKOFF_FACTOR = 2


def next_delay(previous_seconds: int | None) -> int:
    """The wait before the next poll, given the wait before the previous one (None: first)."""
    if not previous_seconds:
        return FIRST_DELAY_SECONDS
    return min(previous_seconds * BACKOFF_FACTOR, MAX_DELAY_SECONDS)
