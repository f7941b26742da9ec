"""Timers, retries and scheduled starts keep their timing beside running activities.

The default host (no --clock flag: wall-clock time) is checked against the wall clock within
0.5 s; the simulated clock (what galleryflow's suites use) is checked for its documented rule:
an activity takes no simulated time, time jumps only when nothing runs, and a timer whose time
has come (by a jump, /admin/clock or --clock-scale) fires while activities still run.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.host.testing import HostProcess, start_host

APP = Path(__file__).parent / "apps" / "timing"
SLACK = 0.5  # seconds: how late the default (real-clock) host may be


@pytest.fixture(scope="module")
def real_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    process = start_host(APP, tmp_path_factory.mktemp("real"), clock=None)  # no clock flag
    yield process
    process.stop()


def run(host: HostProcess, name: str, spec: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """Start, wait until finished; the output and the wall seconds it took."""
    started = time.monotonic()
    instance_id = host.start_orchestration(name, spec).json()["id"]
    status = host.wait_for_instance(instance_id, timeout=30)
    assert status["runtimeStatus"] == "Completed", status
    return status["output"], time.monotonic() - started


def test_default_clock_is_real(real_host: HostProcess) -> None:
    assert real_host.set_clock()["mode"] == "real"


def test_timer_wins_the_race_while_the_activity_still_runs(real_host: HostProcess) -> None:
    output, wall = run(real_host, "race", {"activity_seconds": 5, "timer_seconds": 2})
    assert output["winner"] == "timer"
    assert 2.0 <= output["elapsed"] < 2.0 + SLACK  # the host replayed at the timer's due time
    assert 2.0 <= wall < 5.0  # not held back until the 5 s activity ended


def test_retries_wait_their_interval(real_host: HostProcess) -> None:
    output, _ = run(real_host, "retrying", {"interval_ms": 1000})
    attempts = output["attempts"]
    assert len(attempts) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert all(1.0 <= gap < 1.0 + SLACK for gap in gaps), gaps


def test_scheduled_start_runs_at_its_time(real_host: HostProcess) -> None:
    start_at = datetime.now(UTC) + timedelta(seconds=2)
    output, _ = run(real_host, "scheduled", {"start_at": start_at.isoformat()})
    late = output["ran_at"] - start_at.timestamp()
    assert 0.0 <= late < SLACK, late


# ---------------------------------------------------------------------------- simulated time
@pytest.fixture(scope="module")
def sim_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    process = start_host(APP, tmp_path_factory.mktemp("sim"), clock="sim")
    yield process
    process.stop()


def test_sim_activity_takes_no_simulated_time(sim_host: HostProcess) -> None:
    before = sim_host.set_clock()["now"]
    output, _ = run(sim_host, "race", {"activity_seconds": 0.5, "timer_seconds": 2})
    assert output == {"winner": "activity", "elapsed": 0.0}
    assert sim_host.set_clock()["now"] == before  # no jump while it ran, none after (cancelled)


def test_sim_timer_moved_by_admin_clock_fires_while_the_activity_runs(
    sim_host: HostProcess,
) -> None:
    started = time.monotonic()
    instance_id = sim_host.start_orchestration(
        "race", {"activity_seconds": 5, "timer_seconds": 60}
    ).json()["id"]
    sim_host.wait_for_instance(instance_id, until=lambda s: s["runtimeStatus"] == "Running")
    sim_host.set_clock(advance_seconds=60)
    status = sim_host.wait_for_instance(instance_id, timeout=30)
    assert status["output"] == {"winner": "timer", "elapsed": 60.0}
    assert time.monotonic() - started < 5.0  # the 5 s activity had not ended


def test_sim_timer_never_jumped_to_while_an_activity_runs(sim_host: HostProcess) -> None:
    """Nothing else to do but wait for a timer: the jump still waits for the activity."""
    output, wall = run(sim_host, "race", {"activity_seconds": 1, "timer_seconds": 3600})
    assert output == {"winner": "activity", "elapsed": 0.0}
    assert wall >= 1.0


def test_sim_jumps_without_waiting_for_idleness(sim_host: HostProcess) -> None:
    """Nothing runnable: time jumps to the next timer at once, with no wall-time debounce
    (the old host idled 50 ms before each jump: 200 timers took at least 10 s)."""
    output, wall = run(sim_host, "ticks", {"count": 200})
    assert output == {"elapsed_hours": 200.0}
    assert wall < 200 * 0.05, wall


def test_sim_with_clock_scale_fires_the_timer_at_its_time(tmp_path: Path) -> None:
    host = start_host(APP, tmp_path, clock="sim", clock_scale=1.0)
    try:
        output, wall = run(host, "race", {"activity_seconds": 5, "timer_seconds": 2})
    finally:
        host.stop()
    assert output["winner"] == "timer"
    assert 2.0 <= output["elapsed"] < 2.0 + SLACK
    assert wall < 5.0
