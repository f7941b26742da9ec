"""History events in the JSON shape the Python SDK's `HistoryEvent(**event)` reads.

Payload fields (Input, Result) are JSON text inside the JSON, as with the real extension.
"""

from __future__ import annotations

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


def execution_started(ts: str, name: str, input_text: str | None) -> dict[str, Any]:
    return event(T.EXECUTION_STARTED, ts, Name=name, Input=input_text, Version="")


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
    ts: str, task_id: int, name: str, instance_id: str, input_text: str | None
) -> dict[str, Any]:
    return event(
        T.SUB_ORCHESTRATION_INSTANCE_CREATED,
        ts,
        task_id,
        Name=name,
        InstanceId=instance_id,
        Input=input_text,
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


def continued_as_new(ts: str, input_text: str | None) -> dict[str, Any]:
    return event(T.CONTINUE_AS_NEW, ts, Result=input_text)


def for_status_api(events: list[dict[str, Any]], with_output: bool) -> list[dict[str, Any]]:
    """History as the management API shows it: named event types, no replay bookkeeping."""
    shown = []
    for raw in events:
        kind = T(raw["EventType"])
        if kind in (T.ORCHESTRATOR_STARTED, T.ORCHESTRATOR_COMPLETED):
            continue
        item: dict[str, Any] = {"EventType": _pascal(kind.name), "Timestamp": raw["Timestamp"]}
        for key in ("Name", "FunctionName", "InstanceId", "TaskScheduledId", "TimerId", "FireAt"):
            if raw.get(key) is not None:
                item[key] = raw[key]
        if raw.get("EventId", -1) >= 0:
            item["EventId"] = raw["EventId"]
        for key in ("Reason", "Details", "OrchestrationStatus"):
            if raw.get(key) is not None:
                item[key] = raw[key]
        if with_output:
            for key in ("Input", "Result"):
                if raw.get(key) is not None:
                    item[key] = raw[key]
        shown.append(item)
    return shown


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
