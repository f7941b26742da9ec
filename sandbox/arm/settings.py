"""Checks for `POST /_sandbox/settings`: every value finite and inside a range that keeps the
simulation computable (no division by zero, no negative durations, no float overflow)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sandbox.arm import progress, regions
from sandbox.arm.errors import ControlError
from sandbox.arm.store import DEFAULT_SETTINGS

HUNDRED_YEARS_SECONDS = 100 * 365.25 * 24 * 3600
MAX_MB_PER_SECOND = 1_000_000.0
# Per-region throughput table (region -> MB/s); regions not listed use the global rate.
REGION_RATES = "replication_mb_per_second_by_region"


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    integer: bool = False
    low_exclusive: bool = False

    def text(self) -> str:
        kind = "an integer" if self.integer else "a number"
        opening = "(" if self.low_exclusive else "["
        return f"{kind} in {opening}{self.low:g}, {self.high:g}]"

    def allows(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value) or value > self.high:
            return False
        return value > self.low if self.low_exclusive else value >= self.low


_RATE = Bounds(0, MAX_MB_PER_SECOND, low_exclusive=True)
BOUNDS: dict[str, Bounds] = {
    "power_transition_seconds": Bounds(0, HUNDRED_YEARS_SECONDS),
    "lro_polls_to_complete": Bounds(0, 1000, integer=True),
    "resource_operation_seconds": Bounds(0, HUNDRED_YEARS_SECONDS),
    "replication_mb_per_second": _RATE,
    # below 1 so the jittered rate stays positive
    "replication_jitter": Bounds(0, 0.9),
    "replication_min_seconds": Bounds(0, HUNDRED_YEARS_SECONDS),
    "replication_failure_point": Bounds(0, 1),
    "retry_after_seconds": Bounds(0, 24 * 3600, integer=True),
    "page_size": Bounds(1, 10_000, integer=True),
}


def _region_rates(value: Any) -> dict[str, float]:
    usage = (
        f"Setting {REGION_RATES!r} must be an object of region name -> MB/s, each "
        f"{_RATE.text()}, e.g. {{'westeurope': 12, 'eastus': 6}}."
    )
    if not isinstance(value, dict):
        raise ControlError(usage)
    rates: dict[str, float] = {}
    for name, rate in value.items():
        if regions.lookup(name) is None:
            raise ControlError(f"{usage} {name!r} is not a known region.")
        if not _RATE.allows(rate):
            raise ControlError(f"{usage} Got {rate!r} for {name!r}.")
        rates[regions.normalize(name)] = float(rate)
    return rates


def _shape_setting(name: str, value: Any) -> Any:
    try:
        if name == progress.SHAPE:
            return progress.checked_shape(name, value)
        if not isinstance(value, dict):
            raise ValueError("send an object of region name -> shape (or list of shapes)")
        shapes: dict[str, Any] = {}
        for region, shape in value.items():
            if regions.lookup(region) is None:
                raise ValueError(f"{region!r} is not a known region")
            shapes[regions.normalize(region)] = progress.checked_shape(name, shape)
        return shapes
    except ValueError as exc:
        raise ControlError(f"Setting {name!r}: {exc}.") from None


def checked(spec: Any) -> dict[str, Any]:
    """The settings update in `spec`, validated; raises ControlError saying the allowed range."""
    if not isinstance(spec, dict):
        raise ControlError("Send an object of setting -> value; see GET /_sandbox/settings.")
    update: dict[str, Any] = {}
    for name, value in spec.items():
        if name == REGION_RATES:
            update[name] = _region_rates(value)
            continue
        if name in (progress.SHAPE, progress.SHAPE_BY_REGION):
            update[name] = _shape_setting(name, value)
            continue
        bounds = BOUNDS.get(name)
        if bounds is None:
            raise ControlError(f"Unknown setting {name!r}; known: {', '.join(DEFAULT_SETTINGS)}.")
        if not bounds.allows(value):
            raise ControlError(f"Setting {name!r} must be {bounds.text()}, got {value!r}.")
        update[name] = value
    return update
