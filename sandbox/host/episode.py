"""What one episode asks the host to do, sorted by action kind.

After a replay, every task the orchestrator now waits on that the history has not scheduled
yet becomes new work: a scheduling event for the history and, per kind, an activity work item,
a timer message, a sub-orchestration to start or an entity operation to send. One function per
kind; `plan_episode` only dispatches. Nothing here touches the store: the engine commits the
plan in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.host import entities
from sandbox.host import history as h
from sandbox.host.replay import (
    ACTIVITY,
    ENTITY_CALL,
    RETRY_TIMER,
    SIGNAL_ENTITY,
    SUB_ORCHESTRATION,
    TIMER,
    NewTask,
    ReplayResult,
)
from sandbox.host.store import Instance
from sandbox.host.timeutil import to_iso

Event = dict[str, Any]
CUSTOM_STATUS_LIMIT_KB = 16  # whole KB of UTF-16 compact JSON, like the extension


@dataclass
class EpisodePlan:
    """New history events and new work of one episode (nothing committed yet)."""

    now: datetime
    scheduling: list[Event] = field(default_factory=list)
    timers: list[tuple[str, Event]] = field(default_factory=list)  # (visible at, TimerFired)
    activities: list[NewTask] = field(default_factory=list)
    children: list[NewTask] = field(default_factory=list)
    entity_ops: list[tuple[str, Event]] = field(default_factory=list)  # (entity id, operation)
    unsupported: list[str] = field(default_factory=list)

    @property
    def now_iso(self) -> str:
        return to_iso(self.now)


def plan_episode(
    inst: Instance, known: set[int], result: ReplayResult, now: datetime
) -> EpisodePlan:
    """Sort the replay's new actions by kind; `known` are task ids already scheduled."""
    plan = EpisodePlan(now)
    for kind, _name, payload in result.action_log[len(inst.action_log) :]:
        if kind == SIGNAL_ENTITY:
            _signal_entity(plan, payload)
    for task in result.open_tasks:
        if task.task_id in known:
            continue
        handler = _HANDLERS.get(task.kind, _unsupported)
        handler(plan, inst, task, result)
    return plan


def episode_error(result: ReplayResult, plan: EpisodePlan, custom: Any) -> str | None:
    """Why this episode fails the instance: it asked for something the host cannot do, set
    too large a custom status, or the orchestrator raised."""
    if plan.unsupported:
        return (
            f"{', '.join(plan.unsupported)} is not supported by the sandbox host"
            " (see docs/sandbox-host.md, 'Known differences')"
        )
    if custom_status_too_big(custom):
        return (
            "The UTF-16 size of the JSON-serialized custom status must not exceed 16 KB."
            f" The current payload size is {_custom_status_kb(custom)} KB:"
            " keep custom status small."
        )
    return result.error


def custom_status_too_big(custom: Any) -> bool:
    return custom is not None and _custom_status_kb(custom) > CUSTOM_STATUS_LIMIT_KB


def _custom_status_kb(custom: Any) -> int:
    """The extension's measure: compact JSON in UTF-16, truncated to whole KB (so it refuses
    from 17 KB = 17408 bytes, not from 16384)."""
    compact = json.dumps(custom, separators=(",", ":"), ensure_ascii=False)
    return len(compact.encode("utf-16-le")) // 1024


def _signal_entity(plan: EpisodePlan, payload: Any) -> None:
    """One-way: no scheduling event, the operation is just sent."""
    if not (isinstance(payload, dict) and payload.get("instanceId")):
        return
    operation = entities.operation(
        plan.now_iso, str(payload["operation"]), payload.get("input"), signal=True
    )
    plan.entity_ops.append((str(payload["instanceId"]), operation))


def _activity(plan: EpisodePlan, _inst: Instance, task: NewTask, _result: ReplayResult) -> None:
    plan.scheduling.append(h.task_scheduled(plan.now_iso, task.task_id, task.name, task.input_text))
    plan.activities.append(task)


def _timer(plan: EpisodePlan, _inst: Instance, task: NewTask, result: ReplayResult) -> None:
    """A durable timer (or a retry's wait): a TimerFired message visible at its fire time."""
    fire = task.fire_at or plan.now + timedelta(milliseconds=task.retry_delay_ms)
    fire_iso = to_iso(fire)
    plan.scheduling.append(h.timer_created(plan.now_iso, task.task_id, fire_iso))
    if task.task_id not in result.cancelled_timers:
        plan.timers.append((fire_iso, h.timer_fired(fire_iso, task.task_id, fire_iso)))


def _entity_call(plan: EpisodePlan, inst: Instance, task: NewTask, result: ReplayResult) -> None:
    """Two-way: EventSent in the history, the answer comes back as EventRaised."""
    if not task.instance_id:
        _unsupported(plan, inst, task, result)
        return
    request = entities.request_id(inst.instance_id, inst.execution_id, task.task_id)
    sent = {"id": request, "op": task.name, "signal": False}
    plan.scheduling.append(
        h.event_sent(plan.now_iso, task.task_id, task.instance_id, task.name, json.dumps(sent))
    )
    operation = entities.operation(
        plan.now_iso,
        task.name,
        task.input_text,
        signal=False,
        parent=(inst.instance_id, inst.execution_id),
        request_id=request,
    )
    plan.entity_ops.append((task.instance_id, operation))


def _sub_orchestration(
    plan: EpisodePlan, inst: Instance, task: NewTask, _result: ReplayResult
) -> None:
    task.instance_id = task.instance_id or f"{inst.instance_id}:{task.task_id}"
    plan.scheduling.append(
        h.sub_created(
            plan.now_iso, task.task_id, task.name, task.instance_id, task.input_text, task.version
        )
    )
    plan.children.append(task)


def _unsupported(plan: EpisodePlan, _inst: Instance, task: NewTask, _result: ReplayResult) -> None:
    plan.unsupported.append(task.description or task.kind)


_HANDLERS: dict[str, Callable[[EpisodePlan, Instance, NewTask, ReplayResult], None]] = {
    ACTIVITY: _activity,
    TIMER: _timer,
    RETRY_TIMER: _timer,
    ENTITY_CALL: _entity_call,
    SUB_ORCHESTRATION: _sub_orchestration,
}
