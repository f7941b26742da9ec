"""The run page's timeline chart as plain geometry (rendered as SVG by the template).

One row per region: a bar from replication start to completion (to the last update while
it still replicates), a marker when it went live, and a dashed line per rollout wave at the
moment its first region went live. Pure: a function of the run summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WIDTH = 760
LEFT = 120  # room for region names
RIGHT = 24
TOP = 28  # room for wave labels
ROW = 26
AXIS = 30
TICKS = 5


@dataclass(frozen=True)
class Row:
    region: str
    wave: int | None
    y: float
    bar_x: float | None
    bar_width: float
    replicating: bool  # still replicating: the bar ends at the last update
    live_x: float | None
    started: str | None
    completed: str | None
    went_live: str | None


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    rows: list[Row] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    # (x of the dashed line, label, x of the label, text-anchor): labels near the right
    # edge sit left of their line so they stay inside the chart
    waves: list[tuple[float, str, float, str]] = field(default_factory=list)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def elapsed(seconds: float) -> str:
    """`+12s`, `+45m`, `+2h 05m`, `+1d 3h`."""
    if seconds < 60:
        return f"+{seconds:.0f}s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"+{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"+{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"+{days}d {hours}h"


def build_chart(summary: dict[str, Any]) -> Chart | None:
    """None until some region has started replicating."""
    regions: dict[str, dict[str, Any]] = summary.get("regions") or {}
    moments = {
        name: {
            key: parse_time(info.get(key))
            for key in ("replication_started", "replication_completed", "went_live")
        }
        for name, info in regions.items()
    }
    known = [t for times in moments.values() for t in times.values() if t is not None]
    if not known:
        return None
    updated = parse_time(summary.get("updated"))
    start = min(known)
    end = max([*known, *([updated] if updated else [])])
    span = max((end - start).total_seconds(), 60.0)
    plot_right = WIDTH - RIGHT

    def x_of(moment: datetime) -> float:
        return round(LEFT + (moment - start).total_seconds() / span * (plot_right - LEFT), 1)

    rows: list[Row] = []
    first_live: dict[int, float] = {}
    for index, (name, info) in enumerate(regions.items()):
        began, done, live = (
            moments[name]["replication_started"],
            moments[name]["replication_completed"],
            moments[name]["went_live"],
        )
        bar_end = done or (updated if began and updated else None)
        bar_x = x_of(began) if began else None
        wave = info.get("wave") if isinstance(info.get("wave"), int) else None
        live_x = x_of(live) if live else None
        if wave is not None and live_x is not None:
            first_live[wave] = min(first_live.get(wave, live_x), live_x)
        rows.append(
            Row(
                region=name,
                wave=wave,
                y=TOP + index * ROW,
                bar_x=bar_x,
                bar_width=max(2.0, x_of(bar_end) - bar_x) if bar_x is not None and bar_end else 2,
                replicating=began is not None and done is None,
                live_x=live_x,
                started=info.get("replication_started"),
                completed=info.get("replication_completed"),
                went_live=info.get("went_live"),
            )
        )
    axis_y = TOP + len(rows) * ROW + 4
    ticks = [
        (round(LEFT + i / TICKS * (plot_right - LEFT), 1), elapsed(span * i / TICKS))
        for i in range(TICKS + 1)
    ]
    waves = [
        (x, f"wave {wave}", *((x - 4, "end") if x > plot_right - 60 else (x + 4, "start")))
        for wave, x in sorted(first_live.items())
    ]
    return Chart(
        width=WIDTH,
        height=int(axis_y + AXIS),
        plot_left=LEFT,
        plot_right=plot_right,
        axis_y=axis_y,
        rows=rows,
        ticks=ticks,
        waves=waves,
    )
