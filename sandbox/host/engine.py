"""The Durable engine: replays orchestrators over persisted history and executes what they ask.

Work arrives as messages (ExecutionStarted, TaskCompleted, TimerFired, EventRaised, ...) that
become visible at a time (timers: their fire time). An *episode* takes every visible message of
one instance, appends them to the history, replays the real orchestrator code over it, checks
the replay against what the history recorded (non-determinism), and commits the new history,
the instance state and the new work (activities, timers, sub-orchestrations) in one SQLite
transaction. Activities are at-least-once: a work item is deleted only together with the
insertion of its result message, so a crash in between re-runs the activity on restart.

Around it: client operations (start, events, terminate, purge, status) in client_ops.py, what an
episode asks for per action kind in episode.py, one activity invocation in activity_runner.py,
which instances this host may run in versioning.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as T

from sandbox.host import crash_point, entities, invoke
from sandbox.host import history as h
from sandbox.host.activity_runner import ActivityCall, activity_result
from sandbox.host.app_loader import LoadedApp
from sandbox.host.client_ops import (
    ClientOperations,
    InstanceExists,
    InvalidInstanceId,
    UnknownOrchestrator,
)
from sandbox.host.clock import Clock
from sandbox.host.episode import EpisodePlan, custom_status_too_big, episode_error, plan_episode
from sandbox.host.replay import NewTask, ReplayResult, non_determinism, run_orchestrator
from sandbox.host.store import TERMINAL, ActivityWork, Instance, Store
from sandbox.host.timeutil import to_iso
from sandbox.host.versioning import MISMATCH_MESSAGE

log = logging.getLogger("sandbox.host.engine")

SCHEDULING_EVENTS = (
    T.TASK_SCHEDULED,
    T.TIMER_CREATED,
    T.SUB_ORCHESTRATION_INSTANCE_CREATED,
    T.EVENT_SENT,
)


class Engine(ClientOperations):
    def __init__(self, app: LoadedApp, store: Store, clock: Clock) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self._cache: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self.notify: Callable[[], None] = lambda: None
        # Like the Python worker, async functions run on the host's one event loop (the durable
        # client's shared aiohttp session lives there); the server sets these two.
        self.loop: asyncio.AbstractEventLoop | None = None
        self.client_json: Callable[[], str] = lambda: "{}"
        self.stats = {"episodes": 0, "episode_seconds": 0.0, "orchestrator_seconds": 0.0}
        self.versioning = app.versioning
        self.function_timeout = app.function_timeout
        # Instances this host may not run (versionFailureStrategy Reject): they wait, untouched,
        # for a host with a newer defaultVersion; the scheduler skips them.
        self.rejected: set[str] = set()

    # ------------------------------------------------------------------ episodes
    def run_episode(self, instance_id: str) -> None:
        now_dt = self.clock.now()
        now = to_iso(now_dt)
        messages = self.store.visible_messages(instance_id, now)
        if not messages:
            return
        if entities.is_entity_id(instance_id):
            entities.run_batch(self.app, self.store, instance_id, messages, now)
            self.notify()
            return
        inst = self.store.get_instance(instance_id)
        if inst is None or inst.status in TERMINAL:
            self.store.delete_messages([m.id for m in messages])
            return
        current = [m for m in messages if m.execution_id in (None, inst.execution_id)]
        stale = [m.id for m in messages if m not in current]
        if stale:
            self.store.delete_messages(stale)
        if not current:
            return
        consumed = [m.id for m in current]
        current.sort(key=lambda m: (m.visible_at, m.id))
        events = [m.event for m in current]
        terminate = next((e for e in events if e["EventType"] == T.EXECUTION_TERMINATED), None)
        if terminate is not None:
            self._finish_terminated(inst, consumed, terminate, now)
            return
        suspended = inst.status == "Suspended"
        for event in events:
            if event["EventType"] in (T.EXECUTION_SUSPENDED, T.EXECUTION_RESUMED):
                suspended = event["EventType"] == T.EXECUTION_SUSPENDED
        if suspended:
            self._stay_suspended(inst, current, now)
            return
        if not self.versioning.may_run(inst.version):
            self._version_mismatch(inst, consumed, events, now)
            return
        info = self.app.durable("orchestrationTrigger", inst.name)
        past = self._history(inst)
        new_events = [h.orchestrator_started(now), *events]
        if info is None:
            self._commit_failure(
                inst, past, new_events, consumed, now, f"orchestrator '{inst.name}' is not loaded"
            )
            return
        context = {
            "history": [{**e, "IsPlayed": True} for e in past] + new_events,
            "instanceId": inst.instance_id,
            "isReplaying": bool(past),
            "parentInstanceId": inst.parent_instance_id,
            "input": _loads(inst.input),
            "upperSchemaVersion": 2,
            "upperSchemaVersionNew": 2,
            "maximumShortTimerDuration": "6.00:00:00",
            "longRunningTimerIntervalDuration": "3.00:00:00",
        }
        started = time.perf_counter()
        result = run_orchestrator(info.func, json.dumps(context))
        self.stats["orchestrator_seconds"] += time.perf_counter() - started
        mismatch = non_determinism(inst.action_log, result.action_log)
        if mismatch:
            self._commit_failure(inst, past, new_events, consumed, now, mismatch)
            return
        self._commit_episode(inst, past, new_events, consumed, result, now_dt)
        self.stats["episodes"] += 1
        self.stats["episode_seconds"] += time.perf_counter() - started

    def _version_mismatch(
        self, inst: Instance, consumed: list[int], events: list[dict[str, Any]], now: str
    ) -> None:
        """versionFailureStrategy: Reject leaves everything as it is; Fail fails the instance."""
        problem = self.versioning.describe_mismatch(inst.version)
        if self.versioning.failure == "Reject":
            if inst.instance_id not in self.rejected:
                log.warning("instance %s not run (rejected): %s", inst.instance_id, problem)
            self.rejected.add(inst.instance_id)
            return
        past = self._history(inst)
        new_events = [h.orchestrator_started(now), *events]
        self._commit_failure(
            inst, past, new_events, consumed, now, f"{MISMATCH_MESSAGE}. {problem}"
        )

    def fail_after_crash(self, instance_id: str, problem: str) -> None:
        """A host bug must not spin forever on the same messages: fail the instance."""
        now = self.clock.now_iso()
        if entities.is_entity_id(instance_id):  # drop the batch that broke the entity
            self.store.delete_messages(
                [m.id for m in self.store.visible_messages(instance_id, now)]
            )
            return
        inst = self.store.get_instance(instance_id)
        if inst is None or inst.status in TERMINAL:
            return
        consumed = [m.id for m in self.store.visible_messages(instance_id, now)]
        self._cache.pop(instance_id, None)
        self._commit_failure(inst, [], [], consumed, now, f"sandbox host error: {problem}")

    def _stay_suspended(self, inst: Instance, messages: list[Any], now: str) -> None:
        """Record suspend/resume markers; everything else waits for the resume."""
        control = [
            m
            for m in messages
            if m.event["EventType"] in (T.EXECUTION_SUSPENDED, T.EXECUTION_RESUMED)
        ]
        past = self._history(inst)
        with self.store.tx():
            base = self.store.history_length(inst.instance_id)
            markers = [m.event for m in control]
            self.store.append_history(inst.instance_id, inst.execution_id, base, markers)
            self.store.delete_messages([m.id for m in control])
            inst.status = "Suspended"
            inst.last_updated = now
            self.store.put_instance(inst)
        past.extend(markers)

    def _history(self, inst: Instance) -> list[dict[str, Any]]:
        cached = self._cache.get(inst.instance_id)
        if cached and cached[0] == inst.execution_id:
            return cached[1]
        events = self.store.load_history(inst.instance_id, inst.execution_id)
        self._cache[inst.instance_id] = (inst.execution_id, events)
        return events

    def _commit_episode(
        self,
        inst: Instance,
        past: list[dict[str, Any]],
        new_events: list[dict[str, Any]],
        consumed: list[int],
        result: ReplayResult,
        now_dt: datetime,
    ) -> None:
        now = to_iso(now_dt)
        known = {e["EventId"] for e in past if e["EventType"] in SCHEDULING_EVENTS}
        plan = plan_episode(inst, known, result, now_dt)
        custom = result.state.get("customStatus")
        custom_status_text = None if custom is None else json.dumps(custom)
        error = episode_error(result, plan, custom)
        if error is not None:
            if custom_status_too_big(custom) and not plan.unsupported:
                custom_status_text = inst.custom_status  # the refused one is not stored
            self._commit_failure(
                inst, past, new_events, consumed, now, error, result.action_log, custom_status_text
            )
            return
        continued, next_input = result.continue_as_new_input
        done = result.is_done and not continued
        episode = [*new_events, *plan.scheduling, h.orchestrator_completed(now)]
        output_text = json.dumps(result.state.get("output")) if done else None
        if done:
            episode.append(h.execution_completed(now, "Completed", output_text))
        with self.store.tx():
            base = self.store.history_length(inst.instance_id)
            self.store.append_history(inst.instance_id, inst.execution_id, base, episode)
            self.store.delete_messages(consumed)
            for cancelled in result.cancelled_timers & known:
                self.store.delete_timer_message(inst.instance_id, inst.execution_id, cancelled)
            inst.custom_status = custom_status_text
            inst.last_updated = now
            inst.action_log = [[kind, name] for kind, name, _ in result.action_log]
            if continued:
                self._continue_as_new(inst, next_input, now)
            elif done:
                self._complete(inst, output_text, now)
            else:
                self._add_work(inst, plan)
            for entity_id, operation in plan.entity_ops:
                self.store.add_message(entity_id, None, now, operation)
            self.store.put_instance(inst)
        crash_point.after_episode_commit()
        if continued:
            self._cache[inst.instance_id] = (inst.execution_id, [])
        elif done:
            self._cache.pop(inst.instance_id, None)  # finished: keep memory bounded
        else:
            past.extend(episode)
        self.notify()

    def _complete(self, inst: Instance, output_text: str | None, now: str) -> None:
        inst.status = "Completed"
        inst.output = output_text
        self.store.delete_pending_work(inst.instance_id)
        self._notify_parent(inst, h.sub_completed(now, -1, output_text), now)

    def _add_work(self, inst: Instance, plan: EpisodePlan) -> None:
        """Timers, activities and sub-orchestrations the episode asked for."""
        inst.status = "Running"
        for fire_iso, event in plan.timers:
            self.store.add_message(inst.instance_id, inst.execution_id, fire_iso, event)
        for task in plan.activities:
            self.store.add_activity(
                inst.instance_id, inst.execution_id, task.task_id, task.name, task.input_text
            )
        for task in plan.children:
            self._start_child(inst, task, plan.now_iso)

    def _continue_as_new(self, inst: Instance, next_input: Any, now: str) -> None:
        """Fresh execution, empty history; events not yet delivered carry over."""
        self.store.delete_pending_work(inst.instance_id)
        self.store.clear_history(inst.instance_id)
        inst.execution_id = uuid.uuid4().hex
        inst.status = "Running"
        inst.action_log = []
        inst.input = json.dumps(next_input) if next_input is not None else None
        self.store.add_message(
            inst.instance_id,
            inst.execution_id,
            now,
            h.execution_started(now, inst.name, inst.input, inst.version),  # version kept
        )

    def _start_child(self, parent: Instance, task: NewTask, now: str) -> None:
        assert task.instance_id is not None
        link = (parent.instance_id, parent.execution_id, task.task_id)
        try:
            self.start(task.name, task.instance_id, task.input_text, link, task.version)
        except (UnknownOrchestrator, InstanceExists, InvalidInstanceId) as exc:
            self.store.add_message(
                parent.instance_id,
                parent.execution_id,
                now,
                h.sub_failed(now, task.task_id, str(exc), ""),
            )

    def _notify_parent(self, inst: Instance, event: dict[str, Any], now: str) -> None:
        if inst.parent_instance_id is None or inst.parent_task_id is None:
            return
        event["TaskScheduledId"] = inst.parent_task_id
        self.store.add_message(inst.parent_instance_id, inst.parent_execution_id, now, event)

    def _commit_failure(
        self,
        inst: Instance,
        past: list[dict[str, Any]],
        new_events: list[dict[str, Any]],
        consumed: list[int],
        now: str,
        message: str,
        action_log: list[list[Any]] | None = None,
        custom_status_text: str | None = None,
    ) -> None:
        output = f"Orchestrator function '{inst.name}' failed: {message}"
        log.warning("instance %s failed: %s", inst.instance_id, message)
        output_text = json.dumps(output)
        episode = [
            *new_events,
            h.orchestrator_completed(now),
            h.execution_completed(now, "Failed", output_text),
        ]
        if custom_status_text is not None:
            inst.custom_status = custom_status_text
        if action_log is not None:
            inst.action_log = [[kind, name] for kind, name, _ in action_log]
        told = h.sub_failed(now, -1, output, "")
        self._end(inst, episode, consumed, now, "Failed", output_text, told)

    def _finish_terminated(
        self, inst: Instance, consumed: list[int], event: dict[str, Any], now: str
    ) -> None:
        reason = event.get("Input") or ""
        episode = [h.orchestrator_started(now), event, h.orchestrator_completed(now)]
        told = h.sub_failed(now, -1, f"Instance terminated: {reason}", "")
        self._end(inst, episode, consumed, now, "Terminated", json.dumps(reason), told)

    def _end(
        self,
        inst: Instance,
        episode: list[dict[str, Any]],
        consumed: list[int],
        now: str,
        status: str,
        output_text: str,
        parent_event: dict[str, Any],
    ) -> None:
        """Record the last episode and end the instance (failed or terminated): its
        messages and pending work go, its parent (if any) gets `parent_event`."""
        with self.store.tx():
            base = self.store.history_length(inst.instance_id)
            self.store.append_history(inst.instance_id, inst.execution_id, base, episode)
            self.store.delete_messages(consumed)
            self.store.delete_pending_work(inst.instance_id)
            inst.status = status
            inst.output = output_text
            inst.last_updated = now
            self.store.put_instance(inst)
            self._notify_parent(inst, parent_event, now)
        self._cache.pop(inst.instance_id, None)
        self.notify()

    # ------------------------------------------------------------------ activities
    def run_activity(self, work: ActivityWork) -> None:
        """Run one activity work item (at most functionTimeout) and record its result."""
        info = self.app.durable("activityTrigger", work.name)
        if info is None:
            event = h.task_failed(
                self.clock.now_iso(),
                work.task_id,
                f"The function '{work.name}' doesn't exist, is disabled, or is not an activity"
                " function.",
                "",
            )
        else:
            event = activity_result(
                work,
                info,
                ActivityCall(self.loop, self.client_json(), self.function_timeout),
                self.send_outputs,
                self.clock.now_iso,
            )
        self.store.finish_activity(work, self.clock.now_iso(), event)
        self.notify()

    def send_outputs(self, call: invoke.Invocation) -> None:
        """Output bindings set through func.Out (queue outputs go to the configured queue)."""
        sender = self.output_sender
        if sender is not None:
            sender(call)

    output_sender: Callable[[invoke.Invocation], None] | None = None


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
