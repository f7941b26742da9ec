"""Reads a `POST /admin/clock` body: where simulated time should move, within sane bounds.

Without bounds one request could move time past what datetime holds (year 9999) and every
later `now() + delta` would raise; the window matches the ARM emulator's, which the host
pushes its time to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.host.timeutil import from_iso

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_ADVANCE_SECONDS = 100 * 365.25 * 24 * 3600
WINDOW = f"{EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)"
USAGE = 'send {"hold": bool}, {"now": "<iso>"} or {"advance_seconds": n}'


class ClockRequestError(ValueError):
    """A clock request that cannot be followed; the message says what to send instead."""


@dataclass(frozen=True)
class ClockRequest:
    hold: bool | None
    # where to move (never back: the clock ignores an earlier moment); None = stay
    target: datetime | None


def read_clock_request(body: Any, now: datetime) -> ClockRequest:
    if not isinstance(body, dict) or not set(body) <= {"hold", "now", "advance_seconds"}:
        raise ClockRequestError(USAGE)
    hold = body.get("hold")
    if hold is not None and not isinstance(hold, bool):
        raise ClockRequestError(f"'hold' must be true or false, got {hold!r}")
    target = _now_field(body["now"]) if "now" in body else None
    if "advance_seconds" in body:
        seconds = _advance_field(body["advance_seconds"])
        start = max(now, target) if target else now
        if start.timestamp() + seconds > LATEST.timestamp():
            raise ClockRequestError(
                f"'advance_seconds' would move the clock past {LATEST:%Y-%m-%d}; simulated "
                f"time must stay between {WINDOW}"
            )
        target = start + timedelta(seconds=seconds)
    return ClockRequest(hold, target)


def _now_field(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ClockRequestError(f"'now' must be an ISO-8601 timestamp string, got {value!r}")
    try:
        moment = from_iso(value)
    except (ValueError, OverflowError):
        raise ClockRequestError(f"'now' must be an ISO-8601 timestamp, got {value!r}") from None
    if not EARLIEST <= moment <= LATEST:
        raise ClockRequestError(f"'now' must lie between {WINDOW}, got {value!r}")
    return moment


def _advance_field(value: Any) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not 0 <= value <= MAX_ADVANCE_SECONDS:
        raise ClockRequestError(
            f"'advance_seconds' must be a number of seconds from 0 to {MAX_ADVANCE_SECONDS:.0f} "
            f"(100 years), got {value!r}; time never moves back"
        )
    return float(value)
