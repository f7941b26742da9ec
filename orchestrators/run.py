"""The state and plumbing of one publish run, shared by the step modules.

A run lives in the orchestrator generator and is rebuilt identically on every replay:
everything here is derived from the input, activity results and the context.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskState

from galleryflow.domain.request import PublishRequest
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from galleryflow.identity import audit
from orchestrators.calls import call
from orchestrators.resource_lock import Locks
from orchestrators.run_status import RunStatus

Gen = Generator[Any, Any, Any]


class RunCancelled(Exception):
    """A `cancel` event arrived while the run was waiting."""


class RunBase:
    """The state of one publish run and the calls every step makes."""

    def __init__(
        self,
        context: df.DurableOrchestrationContext,
        request: PublishRequest,
        started_by: dict[str, Any] | None = None,
    ) -> None:
        self.context = context
        self.request = request
        self.started_by = started_by
        self.definition_id = request.definition_id
        self.status = RunStatus(definition=self.definition_id)
        self.status.audit.append(audit.entry("started", started_by, self.now()))
        self.locks = Locks(context, "publish")
        self.target: dict[str, Any] = {}
        self.events_sent = 0
        self.version: str | None = None
        self.created = False
        self.promoted_regions: list[str] = []
        self.warnings: list[str] = []
        self.pruned: list[str] = []
        self.kept_live: list[str] = []  # failures rule 1 turned into warnings

    def activity(self, name: str, payload: dict[str, Any], step: str) -> Gen:
        return (
            yield from call(
                self.context, name, payload, step=step, resource=self.version_resource()
            )
        )

    def unless_cancelled(self, task: Any) -> Gen:
        cancel = self.context.wait_for_external_event(Event.CANCEL)
        winner = yield self.context.task_any([task, cancel])
        if winner == cancel:
            text = yield from self.record_decision("cancelled", cancel.result)
            raise RunCancelled(f"cancelled{text}")
        if winner.state is TaskState.FAILED:
            raise winner.result
        return winner.result

    def emit(self, kind: str, data: dict[str, Any]) -> Gen:
        """Send an event; a lost notification is a warning, never a failed publish."""
        self.events_sent += 1
        event = {
            "kind": kind,
            "run_id": self.context.instance_id,
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
