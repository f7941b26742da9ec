"""Timer triggers: NCRONTAB (6 fields, seconds first) schedules fired on the host clock.

In sim mode the clock does not jump for cron schedules (a nightly timer would otherwise make
idle time race ahead day after day); they fire when durable timers or `POST /admin/clock`
move time past them, or on demand with `POST /admin/functions/<name>`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from croniter import croniter

from sandbox.host.app_loader import FunctionInfo, LoadedApp

_SETTING = re.compile(r"%([^%]+)%")


class ScheduleError(Exception):
    pass


def resolve_schedule(expression: str, settings: dict[str, str]) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in settings:
            raise ScheduleError(f"app setting {name} used by a timer schedule is not set")
        return settings[name]

    return _SETTING.sub(lookup, expression).strip()


def next_fire(expression: str, after: datetime) -> datetime:
    fields = expression.split()
    if len(fields) != 6:
        raise ScheduleError(
            f"NCRONTAB '{expression}' must have 6 fields: second minute hour day month weekday"
        )
    # croniter takes the seconds field last.
    cron = croniter(" ".join(fields[1:] + fields[:1]), after)
    return cron.get_next(datetime)


class TimerSchedules:
    def __init__(self, app: LoadedApp, start: datetime) -> None:
        self.entries: list[tuple[FunctionInfo, str, datetime]] = []
        # Like the real host, a timer whose schedule cannot be resolved is "in error" while
        # the rest of the app keeps running.
        self.errors: dict[str, str] = {}
        self.on_startup: list[FunctionInfo] = []
        self.last: dict[str, tuple[datetime, datetime]] = {}  # name -> (occurrence, fired at)
        for info in app.functions:
            if info.trigger_type != "timerTrigger":
                continue
            try:
                expression = resolve_schedule(str(info.trigger.get("schedule", "")), app.settings)
                self.entries.append((info, expression, next_fire(expression, start)))
                if info.trigger.get("runOnStartup"):
                    self.on_startup.append(info)
            except (ScheduleError, ValueError, KeyError) as exc:
                self.errors[info.name] = f"The '{info.name}' function is in error: {exc}"

    def due(self, now: datetime) -> list[tuple[FunctionInfo, dict[str, Any]]]:
        """The timers due at `now`, each with the schedule status Azure hands the function:
        the one recorded *before* this invocation, so `Next` is the occurrence being run and
        `Last` the one before (Azure/azure-webjobs-sdk-extensions, TimerListener.cs
        `InvokeJobFunction` updates the status after the call)."""
        fired = []
        for index, (info, expression, when) in enumerate(self.entries):
            if when <= now:
                status = {"Next": when.isoformat()}
                if info.name in self.last:
                    previous, updated = self.last[info.name]
                    status |= {"Last": previous.isoformat(), "LastUpdated": updated.isoformat()}
                fired.append((info, status))
                self.last[info.name] = (when, now)
                self.entries[index] = (info, expression, next_fire(expression, now))
        return fired

    def describe(self) -> list[dict[str, str]]:
        scheduled = [
            {"name": info.name, "schedule": expression, "next": when.isoformat()}
            for info, expression, when in self.entries
        ]
        return scheduled + [{"name": n, "error": e} for n, e in self.errors.items()]
