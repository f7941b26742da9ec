"""`publish_mirrors`: a publish run's mirror galleries, in a child orchestration the run
starts while its primary still rolls out (orchestrators/mirror_start.py says when).

The same steps as the inline mirror step (orchestrators/mirror_step.py `mirror_one`, one
mirror after the other, each a MirrorRun), with what the child learns from its parent:
- the primary's regions Completed when it started, and later ones (event `primary_regions`):
  the next mirror is the first whose home region the primary has replicated to; none ready,
  it waits; once the parent says `final`, a mirror whose home region never completed fails
  `SourceNotReplicated`;
- `primary_ready` (event): a mirror's first wave waits for it, raced with `cancel`;
- `cancel` (event, from the parent): the mirror rolling out is reverted, later ones skipped.

It never fails for a mirror's sake: the outcome (results, warnings, the `on_failure: fail`
failure, per-mirror status, audit) goes back to the parent, which decides. Its custom
status has the publish run's shape (`step` mirror, `mirrors`, `waves.awaiting_approval`):
the API shows it as the run's while it runs (galleryflow/api/mirror_progress.py), and
approve/reject of a mirror wave are raised here.
"""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df

from galleryflow.domain.request import PublishRequest
from galleryflow.durable.names import Event, Orchestration, numbered
from orchestrators import bp
from orchestrators.mirror_run import MirrorRun
from orchestrators.mirror_step import MirrorSteps, mirror_home
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
        self.final = bool(data.get("final"))  # `replicated` is all the primary will have
        self.updates = 0  # `primary_regions_<n>` events taken
        self.ready_event = context.wait_for_external_event(Event.PRIMARY_READY)
        self.status = RunStatus(definition=self.definition_id, version=self.version)
        self.status.mirrors = [
            {"definition": p["definition_id"], "state": "pending"} for p in self.plans
        ]

    def execute(self) -> Gen:
        """The mirrors one after the other, each as soon as the primary replicated to its
        home region (the first ready in request order); results in request order."""
        pending = list(self.plans)
        results: dict[int, dict[str, Any]] = {}
        stop: str | None = None
        while pending:
            ready = [p for p in pending if mirror_home(p) in self.replicated]
            if not ready and not self.final and stop is None:
                stop = yield from self.wait_regions(pending)
                continue
            mirror_plan = (ready or pending)[0]
            pending.remove(mirror_plan)
            results[int(mirror_plan["index"])], stop = yield from self.mirror_one(
                mirror_plan, len(self.plans), self.replicated, stop
            )
        self.mirror_results = [results[i] for i in sorted(results)]
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

    def wait_regions(self, pending: list[dict[str, Any]]) -> Gen:
        """Wait for the parent's next `primary_regions`; returns why the mirrors stop (a
        cancel) or None."""
        homes = ", ".join(sorted({mirror_home(p) for p in pending}))
        self.status.say(f"waiting for the primary to replicate to {homes}")
        self.publish_status()
        self.updates += 1
        waiter = self.context.wait_for_external_event(numbered(Event.PRIMARY_REGIONS, self.updates))
        try:
            answer = yield from self.unless_cancelled(waiter)
        except RunCancelled as cancelled:
            return str(cancelled)
        # DF Python hands a raised event over as its JSON text (see identity/audit.py)
        answer = json.loads(answer) if isinstance(answer, str) else answer
        answer = answer if isinstance(answer, dict) else {}
        self.replicated |= set(answer.get("completed") or [])
        self.final = bool(answer.get("final"))
        return None

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
