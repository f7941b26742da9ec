"""The state and plumbing of one publish run, shared by the step modules.

A run lives in the orchestrator generator and is rebuilt identically on every replay:
everything here is derived from the input, activity results and the context.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskState

from galleryflow.domain.request import PublishRequest
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from galleryflow.identity import audit
from orchestrators.calls import Gen, call
from orchestrators.resource_lock import Locks
from orchestrators.run_status import RunStatus


class RunCancelled(Exception):
    """A `cancel` event arrived: the run stops at this point (rule 1 decides what stays)."""


class RunBase:
    """The state of one publish run and the calls every step makes."""

    def __init__(
        self,
        context: df.DurableOrchestrationContext,
        request: PublishRequest,
        started_by: dict[str, Any] | None = None,
    ) -> None:
        self.context = context
        self.run_id = context.instance_id  # the run's events name it (a child: its parent)
        self.request = request
        self.started_by = started_by
        self.definition_id = request.definition_id
        self.status = RunStatus(definition=self.definition_id)
        self.status.audit.append(audit.entry("started", started_by, self.now()))
        self.target: dict[str, Any] = {}
        self.events_sent = 0
        self.version: str | None = None
        self.created = False
        self.promoted_regions: list[str] = []
        self.warnings: list[str] = []
        self.pruned: list[str] = []
        self.kept_live: list[str] = []  # failures rule 1 turned into warnings
        self.cancelled: str | None = None  # rule 1's warning once a cancel kept live waves
        # ONE waiter for `cancel` for the whole run, scheduled with the first lock call
        # (orchestrators/resource_lock.Locks) and raced in every wait. The SDK hands an
        # event to the newest open waiter, so a fresh waiter per wait would leave older,
        # no longer awaited ones to swallow a cancel raised between two waits.
        self.cancel_event = context.wait_for_external_event(Event.CANCEL)
        self.locks = Locks(context, "publish", listen=self.cancel_event, on_granted=self.started)

    def started(self) -> None:
        """The run reports its first step only once its locks are granted: what
        POST /api/publish waits for (galleryflow/api/lock_outcome.py)."""
        self.status.at("preflight", "checking source VM, gallery, definition and quotas")
        self.publish_status()

    def activity(self, name: str, payload: dict[str, Any], step: str) -> Gen:
        return (
            yield from call(
                self.context, name, payload, step=step, resource=self.version_resource()
            )
        )

    def checkpoint(self) -> Gen:
        """Stop here when a cancel has arrived: between activities, never in the middle of
        one (an ARM operation in flight finishes; rule 1 then decides what stays)."""
        if self.cancel_event.is_completed:
            yield from self.stop_cancelled()

    def unless_cancelled(self, task: Any) -> Gen:
        """`task`'s result, or RunCancelled when `cancel` arrives first (or came earlier)."""
        winner = yield self.context.task_any([self.cancel_event, task])
        if winner == self.cancel_event:
            yield from self.stop_cancelled()
        if winner.state is TaskState.FAILED:
            raise winner.result
        return winner.result

    def stop_cancelled(self, **details: Any) -> Gen:
        """Record the cancel (audit, event) and raise RunCancelled."""
        text = yield from self.record_decision("cancelled", self.cancel_event.result, **details)
        raise RunCancelled(f"cancelled{text}")

    def stop_child(self, child: str, how: str, reason: str | None = None) -> Gen:
        """Stop a child run of this one (activity `stop_child_run`; a `cancel` carries
        `reason` as its note); a miss is a warning."""
        try:
            yield from call(
                self.context,
                Activity.STOP_CHILD_RUN,
                {
                    "run_id": child,
                    "how": how,
                    "reason": reason or f"run {self.context.instance_id} cancelled",
                },
                step=self.status.step,
                resource=child,
            )
        except StepFailed as missed:
            self.warnings.append(f"child run {child} not stopped: {missed.code}: {missed.message}")

    # Hooks the rollout calls; a publish run with mirrors starts and signals its mirrors
    # there (orchestrators/mirror_step.py), a mirror waits there (mirror_run.py).
    def on_replication_report(self, state: dict[str, Any]) -> Gen:
        """After each report of the replication monitor (a region completed or failed)."""
        return
        yield

    def watched_regions(self) -> list[str]:
        """Regions whose completion alone is worth a poll (replication_state `watch`)."""
        return []

    def before_first_live(self) -> Gen:
        """Before the update that makes the first wave live."""
        return
        yield

    def after_wave_live(self) -> Gen:
        """After a wave went live and was announced."""
        return
        yield

    def emit(self, kind: str, data: dict[str, Any]) -> Gen:
        """Send an event; a lost notification is a warning, never a failed publish."""
        self.events_sent += 1
        event = {
            "kind": kind,
            "run_id": self.run_id,
            "event_id": f"{self.context.instance_id}:{self.events_sent}:{kind}",
            "time": self.context.current_utc_datetime.isoformat(),
            "data": {"definition": self.definition_id, "version": self.version, **data},
        }
        try:
            yield from call(
                self.context, Activity.EMIT_EVENT, event, step="notify", resource="events queue"
            )
        except StepFailed as lost:
            self.warnings.append(f"event {kind} not sent: {lost.code}: {lost.message}")

    def record_decision(self, action: str, payload: Any, **details: Any) -> Gen:
        """Audit an approve / reject / cancel (status entry, log line, event); returns the
        ' by <name> (note)' text for the run's messages."""
        principal, note, comment = audit.decision_of(payload)
        self.status.audit.append(
            audit.entry(action, principal, self.now(), note=note, comment=comment, **details)
        )
        yield from self.emit(action, {"by": principal, "note": note, "comment": comment, **details})
        return audit.describe(principal, note, comment)

    def now(self) -> str:
        return self.context.current_utc_datetime.isoformat()

    def publish_status(self) -> None:
        self.context.set_custom_status(self.status.to_dict())

    def version_resource(self) -> str:
        if self.version:
            return f"{self.definition_id}/versions/{self.version}"
        return self.definition_id
