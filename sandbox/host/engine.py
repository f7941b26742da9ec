"""The Durable engine: replays orchestrators over persisted history and executes what they ask.

Work arrives as messages (ExecutionStarted, TaskCompleted, TimerFired, EventRaised, ...) that
become visible at a time (timers: their fire time). An *episode* takes every visible message of
one instance, appends them to the history, replays the real orchestrator code over it, checks
the replay against what the history recorded (non-determinism), and commits the new history,
the instance state and the new work (activities, timers, sub-orchestrations) in one SQLite
transaction. Activities are at-least-once: a work item is deleted only together with the
insertion of its result message, so a crash in between re-runs the activity on restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as T
from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from sandbox.host import entities, invoke
from sandbox.host import history as h
from sandbox.host.app_loader import LoadedApp
from sandbox.host.clock import Clock
from sandbox.host.episode import EpisodePlan, plan_episode
from sandbox.host.function_timeout import TIMEOUT_EXCEPTION, FunctionTimedOut
from sandbox.host.replay import NewTask, ReplayResult, describe_action, run_orchestrator
from sandbox.host.store import TERMINAL, ActivityWork, Instance, Store
from sandbox.host.timeutil import from_iso, to_iso
from sandbox.host.versioning import MISMATCH_MESSAGE

log = logging.getLogger("sandbox.host.engine")

MAX_INSTANCE_ID_LENGTH = 256
CUSTOM_STATUS_LIMIT_KB = 16  # whole KB of UTF-16 compact JSON, like the extension
SCHEDULING_EVENTS = (
    T.TASK_SCHEDULED,
    T.TIMER_CREATED,
    T.SUB_ORCHESTRATION_INSTANCE_CREATED,
    T.EVENT_SENT,
)


class UnknownOrchestrator(Exception):
    pass


class InstanceExists(Exception):
    pass


class InvalidInstanceId(Exception):
    pass


class Engine:
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

    # ------------------------------------------------------------------ client operations
    def start(
        self,
        name: str,
        instance_id: str | None,
        input_value: Any,
        parent: tuple[str, str, int] | None = None,
        version: str | None = None,
    ) -> str:
        """Create an instance; refuses (InstanceExists) while one with that id is not finished.
        Its version: `version` if given, else host.json defaultVersion (never the parent's)."""
        if instance_id is not None:
            _check_instance_id(instance_id)
        info = self.app.durable("orchestrationTrigger", name)
        if info is None:
            raise UnknownOrchestrator(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator"
                " function. Additional info: the app's orchestrators are "
                + ", ".join(
                    sorted(
                        f.durable_name or f.name
                        for f in self.app.functions
                        if f.trigger_type == "orchestrationTrigger"
                    )
                )
            )
        instance_id = instance_id or uuid.uuid4().hex
        now = self.clock.now_iso()
        with self.store.tx():
            existing = self.store.get_instance(instance_id)
            if existing is not None and existing.status not in TERMINAL:
                raise InstanceExists(
                    f"An orchestration instance with id '{instance_id}' already exists and is"
                    f" {existing.status}."
                )
            if existing is not None:
                self.store.delete_instance(instance_id)
            self._cache.pop(instance_id, None)
            execution_id = uuid.uuid4().hex
            input_text = None if input_value is None else json.dumps(input_value)
            version = self.versioning.for_new_instance(version)
            self.store.put_instance(
                Instance(
                    instance_id=instance_id,
                    name=info.durable_name or info.name,
                    execution_id=execution_id,
                    status="Pending",
                    input=input_text,
                    output=None,
                    custom_status=None,
                    created_time=now,
                    last_updated=now,
                    parent_instance_id=parent[0] if parent else None,
                    parent_execution_id=parent[1] if parent else None,
                    parent_task_id=parent[2] if parent else None,
                    action_log=[],
                    version=version,
                )
            )
            self.store.add_message(
                instance_id,
                execution_id,
                now,
                h.execution_started(now, info.durable_name or info.name, input_text, version),
            )
        self.notify()
        return instance_id

    def raise_event(self, instance_id: str, name: str, value: Any) -> str:
        """'accepted' | 'not_found' | 'gone'. Events wait in the history until someone waits."""
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status in TERMINAL:
            return "gone"
        now = self.clock.now_iso()
        self.store.add_message(instance_id, None, now, h.event_raised(now, name, json.dumps(value)))
        self.notify()
        return "accepted"

    def terminate(self, instance_id: str, reason: str) -> str:
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status in TERMINAL:
            return "gone"
        now = self.clock.now_iso()
        self.store.add_message(instance_id, None, now, h.execution_terminated(now, reason))
        self.rejected.discard(instance_id)  # a terminate is processed whatever the version
        self.notify()
        return "accepted"

    def suspend(self, instance_id: str, reason: str, resume: bool = False) -> str:
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status in TERMINAL:
            return "gone"
        now = self.clock.now_iso()
        marker = h.execution_resumed if resume else h.execution_suspended
        self.store.add_message(instance_id, None, now, marker(now, reason))
        self.notify()
        return "accepted"

    def purge(self, instance_id: str) -> str:
        """'deleted' | 'not_found' | 'running' (only finished instances are purged)."""
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status not in TERMINAL:
            return "running"
        self.store.delete_instance(instance_id)
        self._cache.pop(instance_id, None)
        return "deleted"

    def purge_by(
        self, created_from: str | None, created_to: str | None, statuses: list[str]
    ) -> int:
        wanted = [s for s in statuses if s in TERMINAL] if statuses else list(TERMINAL)
        found = self.store.query_instances(wanted, created_from, created_to, None)
        for inst in found:
            self.store.delete_instance(inst.instance_id)
            self._cache.pop(inst.instance_id, None)
        return len(found)

    def status(
        self,
        inst: Instance,
        show_input: bool = True,
        show_history: bool = False,
        show_history_output: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": inst.name,
            "instanceId": inst.instance_id,
            "runtimeStatus": inst.status,
            "input": _loads(inst.input) if show_input else None,
            "customStatus": _loads(inst.custom_status),
            "output": _loads(inst.output),
            # The extension formats these with whole seconds ("s" + "Z").
            "createdTime": _api_time(inst.created_time),
            "lastUpdatedTime": _api_time(inst.last_updated),
        }
        if show_history:
            events = self.store.load_history(inst.instance_id, inst.execution_id)
            body["historyEvents"] = h.for_status_api(events, show_history_output, show_input)
        return body

    # ------------------------------------------------------------------ episodes
    def signal_entity(self, name: str, key: str, op: str, input_value: Any) -> None:
        """Client signal: the input arrives as the request body's JSON (like the extension)."""
        now = self.clock.now_iso()
        entity_id = entities.entity_id_of(name, key)
        input_text = None if input_value is None else str(input_value)
        if input_value is not None and not isinstance(input_value, str):
            input_text = json.dumps(input_value)
        self.store.add_message(
            entity_id, None, now, entities.operation(now, op, input_text, signal=True)
        )
        self.notify()

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
        started = _perf()
        result = run_orchestrator(info.func, json.dumps(context))
        self.stats["orchestrator_seconds"] += _perf() - started
        mismatch = _non_determinism(inst.action_log, result.action_log)
        if mismatch:
            self._commit_failure(inst, past, new_events, consumed, now, mismatch)
            return
        self._commit_episode(inst, past, new_events, consumed, result, now_dt)
        self.stats["episodes"] += 1
        self.stats["episode_seconds"] += _perf() - started

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
        error = self._episode_error(result, plan, custom)
        if error is not None:
            too_big = custom is not None and _custom_status_kb(custom) > CUSTOM_STATUS_LIMIT_KB
            if too_big and not plan.unsupported:
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
        if continued:
            self._cache[inst.instance_id] = (inst.execution_id, [])
        elif done:
            self._cache.pop(inst.instance_id, None)  # finished: keep memory bounded
        else:
            past.extend(episode)
        self.notify()

    @staticmethod
    def _episode_error(result: ReplayResult, plan: EpisodePlan, custom: Any) -> str | None:
        """Why this episode fails the instance: the orchestrator raised, asked for something
        the host cannot do, or set too large a custom status."""
        if plan.unsupported:
            return (
                f"{', '.join(plan.unsupported)} is not supported by the sandbox host"
                " (see docs/sandbox-host.md, 'Known differences')"
            )
        if custom is not None and _custom_status_kb(custom) > CUSTOM_STATUS_LIMIT_KB:
            return (
                "The UTF-16 size of the JSON-serialized custom status must not exceed 16 KB."
                f" The current payload size is {_custom_status_kb(custom)} KB:"
                " keep custom status small."
            )
        return result.error

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
            event = self._invoke_activity(work, info)
        self.store.finish_activity(work, self.clock.now_iso(), event)
        self.notify()

    def _invoke_activity(self, work: ActivityWork, info: Any) -> dict[str, Any]:
        call: invoke.Invocation | None = None
        try:
            value = ActivityTriggerConverter.decode(
                meta.Datum(work.input, "json"), trigger_metadata=None
            )
            call = invoke.prepare(info, value, self.client_json())
            result = invoke.call(info, call, self.loop, self.function_timeout)
            self.send_outputs(call)
            encoded = ActivityTriggerConverter.encode(result, expected_type=None).value
            return h.task_completed(self.clock.now_iso(), work.task_id, encoded)
        except FunctionTimedOut as exc:
            log.error("%s", exc.log_line(call.invocation_id if call else uuid.uuid4().hex))
            return h.task_failed(
                self.clock.now_iso(),
                work.task_id,
                f"Activity function '{work.name}' failed: {exc}",
                _serialized_cause(str(exc), TIMEOUT_EXCEPTION, "Microsoft.Azure.WebJobs.Host"),
            )
        except Exception as exc:
            log.info("activity %s (instance %s) failed: %s", work.name, work.instance_id, exc)
            message = f"{type(exc).__name__}: {exc}"  # the Python worker's exception message
            return h.task_failed(
                self.clock.now_iso(),
                work.task_id,
                f"Activity function '{work.name}' failed: {message}",
                _serialized_cause(message),
            )

    def send_outputs(self, call: invoke.Invocation) -> None:
        """Output bindings set through func.Out (queue outputs go to the configured queue)."""
        sender = self.output_sender
        if sender is not None:
            sender(call)

    output_sender: Callable[[invoke.Invocation], None] | None = None


def _api_time(text: str) -> str:
    return from_iso(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_instance_id(instance_id: str) -> None:
    """The extension's rules for caller-chosen instance ids."""
    if not instance_id:
        raise InvalidInstanceId("instance id must not be empty")
    if entities.is_entity_id(instance_id):
        raise InvalidInstanceId(
            f"instance id '{instance_id}' is reserved: ids starting with '@' name entities"
        )
    if any(c in "/\\#?" or ord(c) < 32 or ord(c) == 127 for c in instance_id):
        raise InvalidInstanceId(
            "Orchestration instance ids must not contain /, \\, #, ?, or control characters."
        )
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise InvalidInstanceId(
            f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters."
        )


def _serialized_cause(
    message: str,
    exception: str = "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException",
    assembly: str = "Microsoft.Azure.WebJobs.Script",
) -> str:
    """TaskFailed details: the exception serialized as JSON, as the extension records it."""
    return json.dumps(
        {"$type": f"{exception}, {assembly}", "ClassName": exception, "Message": message}
    )


def _perf() -> float:
    import time

    return time.perf_counter()


def _custom_status_kb(custom: Any) -> int:
    """The extension's measure: compact JSON in UTF-16, truncated to whole KB (so it refuses
    from 17 KB = 17408 bytes, not from 16384)."""
    compact = json.dumps(custom, separators=(",", ":"), ensure_ascii=False)
    return len(compact.encode("utf-16-le")) // 1024


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _non_determinism(recorded: list[list[Any]], replayed: list[list[Any]]) -> str | None:
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
