"""Simulated time: moves only when told, or at a configured scale of wall time; never backwards."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

# Bounds of a clock request. Beyond them the state stops being serialisable (datetime ends in
# year 9999, floats overflow to inf), so one request would break every later one.
MAX_ADVANCE_SECONDS = 100 * 365.25 * 24 * 3600
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_SCALE = 100_000.0


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_iso(epoch: float) -> str:
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")
    return stamp.replace("+00:00", "Z")


class SimClock:
    """Epoch seconds of simulated time = base + (wall - wall_base) * scale."""

    def __init__(self, now: float, scale: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._base = now
        self._wall_base = time.monotonic()
        self._scale = scale

    def now(self) -> float:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        return self._base + (time.monotonic() - self._wall_base) * self._scale

    @property
    def scale(self) -> float:
        return self._scale

    def _rebase(self, now: float, scale: float) -> None:
        self._base = now
        self._wall_base = time.monotonic()
        self._scale = scale

    def move_to(self, target: float) -> None:
        """Jump forward to `target`; an earlier value is ignored (time never goes back)."""
        with self._lock:
            current = self._now_locked()
            self._rebase(max(current, target), self._scale)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._rebase(self._now_locked() + max(0.0, seconds), self._scale)

    def set_scale(self, scale: float) -> None:
        with self._lock:
            self._rebase(self._now_locked(), scale)

    def to_json(self) -> dict[str, Any]:
        return {"now": to_iso(self.now()), "scale": self._scale}
