"""Timer triggers get the schedule status Azure hands the function: the one recorded before
the invocation, so `Next` is the occurrence being run and `Last` the one before
(Azure/azure-webjobs-sdk-extensions, TimerListener.cs `InvokeJobFunction`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox.host.app_loader import FunctionInfo, LoadedApp
from sandbox.host.timer_triggers import TimerSchedules


def test_next_is_the_occurrence_being_run_and_last_the_one_before() -> None:
    timer = FunctionInfo("nightly", "timerTrigger", {"schedule": "0 0 2 * * *"}, [], None)
    app = LoadedApp(Path("."), {}, {}, [timer])
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    schedules = TimerSchedules(app, start)
    assert schedules.due(start) == []

    night = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    ((info, first),) = schedules.due(night + timedelta(seconds=1))
    assert info is timer and first == {"Next": night.isoformat()}  # no earlier run recorded

    later = night + timedelta(days=2, hours=5)  # time jumped past two nights: fires once
    ((_, second),) = schedules.due(later)
    assert second == {
        "Next": (night + timedelta(days=1)).isoformat(),
        "Last": night.isoformat(),
        "LastUpdated": (night + timedelta(seconds=1)).isoformat(),
    }
    assert schedules.due(later) == []
