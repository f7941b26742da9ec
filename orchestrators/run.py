"""The state and plumbing of one publish run, shared by the step modules.

A run lives in the orchestrator generator and is rebuilt identically on every replay:
everything here is derived from the input, activity results and the context.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskState

from galleryflow.domain.request import PublishRequest
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from orchestrators.calls import call
from orchestrators.run_status import RunStatus

Gen = Generator[Any, Any, Any]


class RunCancelled(Exception):
    """A `cancel` event arrived while the run was waiting."""


class RunBase:
    """The state of one publish run and the calls every step makes."""

    def __init__(self, context: df.DurableOrchestrationContext, request: PublishRequest) -> None:
        self.context = context
        self.request = request
        self.definition_id = request.definition_id
        self.status = RunStatus(definition=self.definition_id)
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
            raise RunCancelled(f"cancelled{who(cancel.result)}")
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

    def publish_status(self) -> None:
        self.context.set_custom_status(self.status.to_dict())

    def version_resource(self) -> str:
        if self.version:
            return f"{self.definition_id}/versions/{self.version}"
        return self.definition_id


def who(payload: Any) -> str:
    # DF Python hands an event raised by DurableOrchestrationClient.raise_event to the
    # orchestrator as its JSON text (azure-functions-durable-python#295), not as a dict.
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return ""
    if isinstance(payload, dict) and payload.get("by"):
        comment = f" ({payload['comment']})" if payload.get("comment") else ""
        return f" by {payload['by']}{comment}"
    return ""
