"""`publish_mirrors`: a publish run's mirror galleries, in a child orchestration the run
starts while its primary still rolls out (orchestrators/mirror_start.py says when).

The same steps as the inline mirror step (orchestrators/mirror_step.py `mirror_all`, one
mirror after the other, each a MirrorRun), with what the child learns from its parent:
- the primary's regions Completed when it started (a mirror whose home region is not among
  them fails `SourceNotReplicated`);
- `primary_ready` (event): a mirror's first wave waits for it, raced with `cancel`;
- `cancel` (event, from the parent): the mirror rolling out is reverted, later ones skipped.

It never fails for a mirror's sake: the outcome (results, warnings, the `on_failure: fail`
failure, per-mirror status, audit) goes back to the parent, which decides. Its custom
status has the publish run's shape (`step` mirror, `mirrors`, `waves.awaiting_approval`):
the API shows it as the run's while it runs (galleryflow/api/mirror_progress.py), and
approve/reject of a mirror wave are raised here.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from galleryflow.domain.request import PublishRequest
from galleryflow.durable.names import Event, Orchestration
from orchestrators import bp
from orchestrators.mirror_run import MirrorRun
from orchestrators.mirror_step import MirrorSteps
from orchestrators.run import Gen, RunCancelled
from orchestrators.run_status import RunStatus


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PUBLISH_MIRRORS)
def publish_mirrors(context: df.DurableOrchestrationContext) -> Gen:
    chain = MirrorChain(context, context.get_input())
    return (yield from chain.execute())


class MirrorChain(MirrorSteps):
    def __init__(self, context: df.DurableOrchestrationContext, data: dict[str, Any]) -> None:
        super().__init__(context, PublishRequest.from_dict(data["request"]))
        parent = data["parent"]
        self.run_id = str(parent["run_id"])
        self.definition_id = str(parent["definition_id"])
        self.version = str(parent["version"])
        self.patch_tag: str | None = parent.get("patch_tag")
        self.plans: list[dict[str, Any]] = list(data["mirrors"])
        self.replicated = set(data["replicated"])
        self.primary_ready = bool(data["primary_ready"])
        self.ready_event = context.wait_for_external_event(Event.PRIMARY_READY)
        self.status = RunStatus(definition=self.definition_id, version=self.version)
        self.status.mirrors = [
            {"definition": p["definition_id"], "state": "pending"} for p in self.plans
        ]

    def execute(self) -> Gen:
        yield from self.mirror_all({"mirrors": self.plans}, self.replicated)
        failure = self.mirror_failure
        self.status.at("done")
        self.publish_status()
        return {
            "results": self.mirror_results,
            "warnings": self.warnings,
            "kept_live": self.kept_live,
            "failure": None
            if failure is None
            else {
                "step": failure.step,
                "resource": failure.resource,
                "code": failure.code,
                "message": failure.message,
            },
            "mirrors": self.status.mirrors,
            "audit": self.status.audit,
            "log": self.status.log[-len(self.plans) :],
        }

    def wait_primary_ready(self, run: MirrorRun) -> Gen:
        if self.primary_ready:
            return
        run.status.say("replicated; waiting for the primary to go live before going live")
        run.publish_status()
        yield from self.unless_cancelled(self.ready_event)
        self.primary_ready = True

    def stop_cancelled(self, **details: Any) -> Gen:
        """The parent passed its `cancel` on and records it itself: stop, record nothing."""
        raise RunCancelled("cancelled")
        yield  # a generator, like RunBase's
