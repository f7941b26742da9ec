"""Replication progress shapes: how a region's reported `progress` rises over its attempt.

Real replication progress is not smooth (copies start late, jump when a replica lands, crawl
and then speed up), so an ETA read from it must not assume a straight line. The emulator
therefore offers shapes, chosen by setting: `replication_progress_shape` for every region,
`replication_progress_shape_by_region` per region (a shape, or a list of shapes by attempt,
the last one repeating, e.g. `{"eastus": ["stuck", "linear"]}` stalls the first attempt only).
A shape maps the elapsed fraction of the attempt's duration to the reported fraction done; it
never changes when the region completes (the duration does that), except `stuck`, which stops
rising, never completes and is reported Failed at 3x its planned duration (ARM giving up; a
stuck region keeps the version `Creating`, so no update is accepted before that:
docs/azure-facts.md Q1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

SHAPE = "replication_progress_shape"
SHAPE_BY_REGION = "replication_progress_shape_by_region"

STEPS = 5  # `stepped` reports 0, 20, 40, 60, 80 %
STALL_TIME = 0.6  # `stall_then_fast`: the first 60 % of the time ...
STALL_DONE = 0.1  # ... brings 10 % of the progress; the rest comes in the last 40 %
STUCK_AT = 0.3  # `stuck` rises like `linear` to 30 %, then never moves again ...
STUCK_FAILS_AFTER = 3.0  # ... until ARM gives up on it at 3x its planned duration (Failed)
STUCK_DETAILS = "Replication made no progress and was stopped. Retry the region."


def _linear(f: float) -> float:
    return f


def _stepped(f: float) -> float:
    return math.floor(f * STEPS) / STEPS


def _stall_then_fast(f: float) -> float:
    if f < STALL_TIME:
        return STALL_DONE * f / STALL_TIME
    return STALL_DONE + (1 - STALL_DONE) * (f - STALL_TIME) / (1 - STALL_TIME)


def _stuck(f: float) -> float:
    return min(f, STUCK_AT)


SHAPES: dict[str, Callable[[float], float]] = {
    "linear": _linear,
    "stepped": _stepped,
    "stall_then_fast": _stall_then_fast,
    "stuck": _stuck,
}


def never_completes(shape: str) -> bool:
    return shape == "stuck"


def fraction_done(shape: str, elapsed_fraction: float) -> float:
    """Reported fraction done (0..1) after `elapsed_fraction` of the attempt's duration."""
    return SHAPES.get(shape, _linear)(max(0.0, min(1.0, elapsed_fraction)))


def shape_for(settings: dict[str, Any], region: str, attempt: int) -> str:
    """The shape of attempt `attempt` (1-based) to `region` under `settings`."""
    chosen = (settings.get(SHAPE_BY_REGION) or {}).get(region, settings.get(SHAPE, "linear"))
    if isinstance(chosen, list):
        return str(chosen[min(attempt, len(chosen)) - 1])
    return str(chosen)


def checked_shape(name: str, value: Any) -> str | list[str]:
    """A valid shape (or, per region, a non-empty list of shapes); raises ValueError saying why."""
    known = ", ".join(SHAPES)
    if isinstance(value, str) and value in SHAPES:
        return value
    if (
        name == SHAPE_BY_REGION
        and isinstance(value, list)
        and value
        and all(isinstance(v, str) and v in SHAPES for v in value)
    ):
        return [str(v) for v in value]
    raise ValueError(f"a progress shape is one of {known}; got {value!r}")
