"""Run the app's real orchestrator code over a history, the way the Python worker does.

`Orchestrator.create(fn)` gives a handle that builds a `DurableOrchestrationContext` from the
context JSON and returns the OrchestratorState JSON. We do the same three steps ourselves so we
can also read which task ids the SDK assigned to the tasks it is waiting on (its own sequence
numbers) — the ids our history events must carry for the SDK to match them on the next replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from azure.durable_functions.models.actions.ActionType import ActionType
from azure.durable_functions.models.actions.CallActivityAction import CallActivityAction
from azure.durable_functions.models.actions.CallActivityWithRetryAction import (
    CallActivityWithRetryAction,
)
from azure.durable_functions.models.actions.CallEntityAction import CallEntityAction
from azure.durable_functions.models.actions.CallSubOrchestratorAction import (
    CallSubOrchestratorAction,
)
from azure.durable_functions.models.actions.CallSubOrchestratorWithRetryAction import (
    CallSubOrchestratorWithRetryAction,
)
from azure.durable_functions.models.actions.CreateTimerAction import CreateTimerAction
from azure.durable_functions.models.actions.NoOpAction import NoOpAction
from azure.durable_functions.models.DurableOrchestrationContext import (
    DurableOrchestrationContext,
)
from azure.durable_functions.models.TaskOrchestrationExecutor import TaskOrchestrationExecutor

from sandbox.host import timestamp_cache

_OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
timestamp_cache.install()

# Action types of the protocol (the SDK's models/actions/ActionType.py).
CONTINUE_AS_NEW = int(ActionType.CONTINUE_AS_NEW)
SIGNAL_ENTITY = int(ActionType.SIGNAL_ENTITY)
COMPOUND = (int(ActionType.WHEN_ANY), int(ActionType.WHEN_ALL))
ACTION_NAMES = {
    int(ActionType.CALL_ACTIVITY): "CallActivity",
    int(ActionType.CALL_ACTIVITY_WITH_RETRY): "CallActivityWithRetry",
    int(ActionType.CALL_SUB_ORCHESTRATOR): "CallSubOrchestrator",
    int(ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY): "CallSubOrchestratorWithRetry",
    CONTINUE_AS_NEW: "ContinueAsNew",
    int(ActionType.CREATE_TIMER): "CreateTimer",
    int(ActionType.WAIT_FOR_EXTERNAL_EVENT): "WaitForExternalEvent",
    int(ActionType.CALL_ENTITY): "CallEntity",
    int(ActionType.CALL_HTTP): "CallHttp",
    SIGNAL_ENTITY: "SignalEntity",
}

# What the orchestrator now waits on (NewTask.kind).
ACTIVITY, TIMER, RETRY_TIMER = "activity", "timer", "retry_timer"
SUB_ORCHESTRATION, ENTITY_CALL, UNSUPPORTED = "suborchestration", "entity_call", "unsupported"


@dataclass
class NewTask:
    """Something the orchestrator now waits on that the host has to start."""

    task_id: int
    kind: str  # ACTIVITY | TIMER | RETRY_TIMER | SUB_ORCHESTRATION | ENTITY_CALL | UNSUPPORTED
    name: str = ""
    input_text: str | None = None
    fire_at: datetime | None = None
    retry_delay_ms: int = 0
    instance_id: str | None = None
    description: str = ""
    version: str | None = None  # sub-orchestrations: the version asked for, if any


@dataclass
class ReplayResult:
    state: dict[str, Any]
    error: str | None
    action_log: list[list[Any]]
    open_tasks: list[NewTask] = field(default_factory=list)
    cancelled_timers: set[int] = field(default_factory=set)

    @property
    def is_done(self) -> bool:
        return bool(self.state.get("isDone"))

    @property
    def continue_as_new_input(self) -> tuple[bool, Any]:
        for kind, _name, payload in self.action_log:
            if kind == CONTINUE_AS_NEW:
                return True, payload
        return False, None


def run_orchestrator(handle: Any, context_json: str) -> ReplayResult:
    fn = handle.orchestrator_function
    ctx = DurableOrchestrationContext.from_json(context_json)
    ctx._input_expected_type = getattr(handle, "_df_input_type", None)
    executor = TaskOrchestrationExecutor()
    error: str | None = None
    try:
        state = json.loads(executor.execute(ctx, ctx.histories, fn))
    except Exception as exc:  # the orchestrator raised: the SDK packs its state into the message
        text = str(exc)
        if _OUT_OF_PROC_MARKER in text:
            error, state_text = text.split(_OUT_OF_PROC_MARKER, 1)
            state = json.loads(state_text)
        else:
            error, state = f"{type(exc).__name__}: {text}", {"isDone": False, "actions": []}
    return ReplayResult(
        state=state,
        error=error,
        action_log=flatten_actions(state.get("actions") or []),
        open_tasks=_open_tasks(ctx),
        cancelled_timers=_cancelled_timers(ctx),
    )


def flatten_actions(actions: list[Any]) -> list[list[Any]]:
    """Every atomic action in order as [type, name, payload] (payload: continue_as_new input)."""
    flat: list[list[Any]] = []

    def visit(action: Any) -> None:
        if isinstance(action, list):
            for item in action:
                visit(item)
            return
        kind = int(action.get("actionType", -1))
        if kind in COMPOUND:
            for child in action.get("compoundActions", []):
                visit(child)
            return
        name = (
            action.get("functionName")
            or action.get("externalEventName")
            or action.get("operation")
            or ""
        )
        payload: Any = None
        if kind == CONTINUE_AS_NEW:
            payload = action.get("input")
        elif kind == SIGNAL_ENTITY:
            payload = {k: action.get(k) for k in ("instanceId", "operation", "input")}
        flat.append([kind, name, payload])

    visit(actions)
    return flat


def describe_action(entry: list[Any]) -> str:
    kind, name = entry[0], entry[1]
    label = ACTION_NAMES.get(kind, f"action type {kind}")
    return f"{label} '{name}'" if name else label


def non_determinism(recorded: list[list[Any]], replayed: list[list[Any]]) -> str | None:
    """The extension's check: same action type and name at every recorded position."""
    for index, (old, new) in enumerate(zip(recorded, replayed, strict=False)):
        if old[0] != new[0] or old[1] != new[1]:
            return (
                "Non-deterministic workflow detected: at action #"
                f"{index} the orchestrator now asks for {describe_action(new)}, but its history"
                f" recorded {describe_action(old)}. Orchestrator code must make the same calls in"
                " the same order on every replay: never change a running orchestration's code"
                " path, branch on context.current_utc_datetime / context.new_uuid() instead of"
                " the wall clock or random values, and start a new instance after code changes."
            )
    return None


def _atomic_open_tasks(ctx: DurableOrchestrationContext) -> list[tuple[int, Any]]:
    found = []
    for key, value in ctx.open_tasks.items():
        if isinstance(key, int) and not isinstance(value, list):
            found.append((key, value))
    return sorted(found, key=lambda pair: pair[0])


def _action_of(task: Any) -> Any:
    action = task.action_repr
    return action[0] if isinstance(action, list) else action


def _open_tasks(ctx: DurableOrchestrationContext) -> list[NewTask]:
    tasks = []
    for task_id, task in _atomic_open_tasks(ctx):
        tasks.append(_new_task(task_id, task, _action_of(task)))
    return tasks


def _new_task(task_id: int, task: Any, action: Any) -> NewTask:
    if isinstance(action, NoOpAction):
        parent = task.parent
        original = parent.actions[0] if isinstance(parent.actions, list) else parent.actions
        if action.metadata == "-WithRetry timer":
            delay = parent.retry_options.first_retry_interval_in_milliseconds
            return NewTask(task_id, RETRY_TIMER, retry_delay_ms=int(delay))
        return _new_task(task_id, task, original)
    if isinstance(action, CallActivityAction | CallActivityWithRetryAction):
        return NewTask(task_id, ACTIVITY, action.function_name, action.input_)
    if isinstance(action, CallSubOrchestratorAction | CallSubOrchestratorWithRetryAction):
        return NewTask(
            task_id,
            SUB_ORCHESTRATION,
            action.function_name,
            action._input,
            instance_id=action.instance_id,
            version=getattr(action, "version", None),
        )
    if isinstance(action, CreateTimerAction):
        return NewTask(task_id, TIMER, fire_at=action.fire_at)
    if isinstance(action, CallEntityAction):
        return NewTask(
            task_id, ENTITY_CALL, action.operation, action.input_, instance_id=action.instance_id
        )
    return NewTask(task_id, UNSUPPORTED, description=type(action).__name__)


def _cancelled_timers(ctx: DurableOrchestrationContext) -> set[int]:
    cancelled = set()
    for task_id, task in _atomic_open_tasks(ctx):
        action = _action_of(task)
        if isinstance(action, CreateTimerAction) and action.is_cancelled:
            cancelled.add(task_id)
    return cancelled
