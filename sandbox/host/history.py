"""History events in the JSON shape the Python SDK's `HistoryEvent(**event)` reads.

Payload fields (Input, Result) are JSON text inside the JSON, as with the real extension.
"""

from __future__ import annotations

import contextlib
import json
from enum import IntEnum
from typing import Any

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as T


def event(kind: IntEnum, timestamp: str, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    return {
        "EventType": int(kind),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": timestamp,
        **fields,
    }


def orchestrator_started(ts: str) -> dict[str, Any]:
    return event(T.ORCHESTRATOR_STARTED, ts)


def orchestrator_completed(ts: str) -> dict[str, Any]:
    return event(T.ORCHESTRATOR_COMPLETED, ts)


def execution_started(
    ts: str, name: str, input_text: str | None, version: str | None = None
) -> dict[str, Any]:
    """`Version` is what the SDK's `context.version` reads (None: the instance has none)."""
    return event(T.EXECUTION_STARTED, ts, Name=name, Input=input_text, Version=version)


def task_scheduled(ts: str, task_id: int, name: str, input_text: str | None) -> dict[str, Any]:
    return event(T.TASK_SCHEDULED, ts, task_id, Name=name, Input=input_text)


def task_completed(ts: str, task_id: int, result_text: str | None) -> dict[str, Any]:
    return event(T.TASK_COMPLETED, ts, TaskScheduledId=task_id, Result=result_text)


def task_failed(ts: str, task_id: int, reason: str, details: str) -> dict[str, Any]:
    return event(T.TASK_FAILED, ts, TaskScheduledId=task_id, Reason=reason, Details=details)


def timer_created(ts: str, timer_id: int, fire_at: str) -> dict[str, Any]:
    return event(T.TIMER_CREATED, ts, timer_id, FireAt=fire_at)


def timer_fired(ts: str, timer_id: int, fire_at: str) -> dict[str, Any]:
    return event(T.TIMER_FIRED, ts, TimerId=timer_id, FireAt=fire_at)


def sub_created(
    ts: str,
    task_id: int,
    name: str,
    instance_id: str,
    input_text: str | None,
    version: str | None = None,
) -> dict[str, Any]:
    return event(
        T.SUB_ORCHESTRATION_INSTANCE_CREATED,
        ts,
        task_id,
        Name=name,
        InstanceId=instance_id,
        Input=input_text,
        Version=version,
    )


def sub_completed(ts: str, task_id: int, result_text: str | None) -> dict[str, Any]:
    return event(
        T.SUB_ORCHESTRATION_INSTANCE_COMPLETED, ts, TaskScheduledId=task_id, Result=result_text
    )


def sub_failed(ts: str, task_id: int, reason: str, details: str) -> dict[str, Any]:
    return event(
        T.SUB_ORCHESTRATION_INSTANCE_FAILED,
        ts,
        TaskScheduledId=task_id,
        Reason=reason,
        Details=details,
    )


def event_sent(
    ts: str, task_id: int, instance_id: str, name: str, input_text: str
) -> dict[str, Any]:
    return event(T.EVENT_SENT, ts, task_id, InstanceId=instance_id, Name=name, Input=input_text)


def event_raised(ts: str, name: str, input_text: str | None) -> dict[str, Any]:
    return event(T.EVENT_RAISED, ts, Name=name, Input=input_text)


def execution_terminated(ts: str, reason: str) -> dict[str, Any]:
    return event(T.EXECUTION_TERMINATED, ts, Input=reason)


def execution_suspended(ts: str, reason: str) -> dict[str, Any]:
    return event(T.EXECUTION_SUSPENDED, ts, Reason=reason)


def execution_resumed(ts: str, reason: str) -> dict[str, Any]:
    return event(T.EXECUTION_RESUMED, ts, Reason=reason)


def execution_completed(ts: str, status: str, result_text: str | None) -> dict[str, Any]:
    return event(T.EXECUTION_COMPLETED, ts, OrchestrationStatus=status, Result=result_text)


def for_status_api(
    events: list[dict[str, Any]], with_output: bool, with_input: bool = True
) -> list[dict[str, Any]]:
    """History as the extension's status API shows it: no episode markers or replay fields;
    a finished task/sub-orchestration is one entry (FunctionName, ScheduledTime) replacing its
    scheduling event; results only with showHistoryOutput (as JSON, not text)."""
    scheduled: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
    merged: set[int] = set()
    shown: list[tuple[int, dict[str, Any]]] = []
    pairs = {
        T.TASK_COMPLETED: "TaskScheduled",
        T.TASK_FAILED: "TaskScheduled",
        T.SUB_ORCHESTRATION_INSTANCE_COMPLETED: "SubOrchestrationInstanceCreated",
        T.SUB_ORCHESTRATION_INSTANCE_FAILED: "SubOrchestrationInstanceCreated",
    }
    for index, raw in enumerate(events):
        kind = T(raw["EventType"])
        if kind in (T.ORCHESTRATOR_STARTED, T.ORCHESTRATOR_COMPLETED):
            continue
        item = {k: v for k, v in raw.items() if k not in ("EventId", "IsPlayed", "Version")}
        item["EventType"] = _pascal(kind.name)
        if kind in (T.TASK_SCHEDULED, T.SUB_ORCHESTRATION_INSTANCE_CREATED):
            scheduled[(item["EventType"], raw["EventId"])] = (index, raw)
        elif kind in pairs:
            found = scheduled.get((pairs[kind], raw.get("TaskScheduledId", -1)))
            item.pop("TaskScheduledId", None)
            if found is not None:
                merged.add(found[0])
                item["ScheduledTime"] = found[1]["Timestamp"]
                item["FunctionName"] = found[1].get("Name")
                item["Input"] = found[1].get("Input")
            _result(item, with_output and kind in pairs and "Failed" not in item["EventType"])
        elif kind == T.EXECUTION_STARTED:
            item["FunctionName"] = item.pop("Name", None)
        elif kind == T.EXECUTION_COMPLETED:
            _result(item, with_output)
        elif kind == T.TIMER_FIRED:
            item.pop("TimerId", None)
        if not with_input:
            item.pop("Input", None)
        shown.append((index, item))
    return [item for index, item in shown if index not in merged]


def _result(item: dict[str, Any], keep: bool) -> None:
    if not keep:
        item.pop("Result", None)
    elif isinstance(item.get("Result"), str):
        with contextlib.suppress(ValueError):
            item["Result"] = json.loads(item["Result"])


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
