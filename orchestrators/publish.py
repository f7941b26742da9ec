"""`publish_image`: preflight -> patch (if asked) -> capture -> replicate -> promote (waves)
-> prune -> mirrors (if asked) -> notify. Mirrors start during the rollout, as soon as the
primary is Completed in their home regions (mirror_start.py; runs started on orchestration
version 1.0 keep them after the prune).

The input (a canonical request) is parsed once into the domain's `PublishRequest`; the
steps read its typed fields, never raw keys with defaults of their own. Thin and
deterministic: every fact comes from an activity, every decision from
galleryflow.domain (through the preflight activity's plan or the pure helpers here), time
from `context.current_utc_datetime`. Failures end the run with
"<step> failed on <resource>: <code>: <message>" (docs/CONTRACTS.md). The steps live in
patch_step, capture_step, replicate_step, promote_step, prune_step, mirror_step and
mirror_start; run.py holds the shared state.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from galleryflow.domain.failure_rule import result_status
from galleryflow.domain.request import PublishRequest
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Orchestration
from galleryflow.identity.audit import split_starter
from orchestrators import bp
from orchestrators.calls import typed_input
from orchestrators.capture_step import CaptureSteps
from orchestrators.failure_rule import FailureRule
from orchestrators.mirror_start import MirrorStart
from orchestrators.patch_step import PatchSteps
from orchestrators.promote_step import PromoteSteps, rollout_stages
from orchestrators.prune_step import PruneSteps
from orchestrators.replication_state import region_summary
from orchestrators.run import Gen, RunCancelled


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PUBLISH)
def publish_image(context: df.DurableOrchestrationContext) -> Gen:
    # The HTTP layer's authenticated starter rides along in the input (galleryflow/identity).
    started_by = split_starter(context.get_input())[1]
    request = typed_input(
        context, lambda data: PublishRequest.from_dict(split_starter(data)[0]), "preflight"
    )
    run = PublishRun(context, request, started_by)
    try:
        result = yield from run.execute()
        run.locks.release()  # sent with the completion
        return result
    except StepFailed as failure:
        yield from run.fail(str(failure))
        raise
    except RunCancelled as cancelled:
        stopped = StepFailed(run.status.step, run.version_resource(), "Cancelled", str(cancelled))
        yield from run.fail(str(stopped))
        raise stopped from None


class PublishRun(PatchSteps, CaptureSteps, PromoteSteps, PruneSteps, MirrorStart, FailureRule):
    """One publish run: the step sequence, preflight and the failure path."""

    preflight_payload: dict[str, Any]  # set by preflight(), read by make_room()

    def execute(self) -> Gen:
        plan = yield from self.preflight()
        yield from self.emit(
            "run-started",
            {"regions": [r["name"] for r in plan["target_regions"]], "started_by": self.started_by},
        )
        yield from self.checkpoint()
        skipped = yield from self.patch(plan)
        if skipped:
            return (yield from self.skip(skipped, plan))
        if not plan["quota"]["fits"]:  # deferred by preflight: a skipped run prunes nothing
            plan = yield from self.make_room(plan)
            self.mirror_plans = list(plan.get("mirrors") or [])
        steps = rollout_stages(plan)
        first = set(steps[0].adds)  # progressive: created with the first stage's regions
        yield from self.capture(
            {**plan, "target_regions": [s for s in plan["target_regions"] if s["name"] in first]}
        )
        replication = yield from self.rollout(plan, steps)
        # Rule 1: from here on the version is live; housekeeping never undoes it, and a
        # cancel that kept live waves skips it (and the mirrors).
        if not self.cancelled:
            yield from self.after_live("prune", self.prune())
        regions = region_summary(replication)
        replicated = {n for n, r in regions.items() if r["state"] == "Completed"}
        if self.concurrent_mirrors():  # 1.1: started during the rollout (mirror_start.py)
            yield from self.finish_mirrors(replicated)
        elif not self.cancelled:  # runs started on 1.0: inline, after the rollout and prune
            yield from self.mirror_all(plan, replicated)
        latest = (yield from self.after_live("notify", self.resolve_latest())) or {}
        if not self.cancelled:  # a cancel that came during the last steps is still honoured
            yield from self.after_live("notify", self.checkpoint())
        for name in regions:
            regions[name]["promoted"] = name in self.promoted_regions
            if regions[name]["promoted"]:
                regions[name]["state"] = "Completed"
        failed = [n for n, r in regions.items() if r["state"] != "Completed"]
        result = {
            "status": result_status(failed_regions=failed, warnings_from_rule=len(self.kept_live)),
            "version": self.version,
            "regions": regions,
            "latest": latest.get("latest", {}),
            "pruned": self.pruned,
            "warnings": self.warnings,
        }
        if self.patch_summary is not None:
            result["patch"] = self.patch_summary
        if self.mirror_results:
            result["galleries"] = {
                "primary": {"definition": self.definition_id, "status": result["status"]},
                "mirrors": self.mirror_results,
            }
        if self.mirror_failure is not None:  # on_failure fail: fails, the primary stays live
            raise self.mirror_failure
        self.status.at("done", f"{result['status']}: {self.version}")
        self.publish_status()
        return result

    def resolve_latest(self) -> Gen:
        self.status.at("notify", "resolving latest per region")
        self.publish_status()
        return (
            yield from self.activity(Activity.RESOLVE_LATEST, {"target": self.target}, "notify")
        )

    def preflight(self) -> Gen:
        payload = {
            "request": self.request.to_dict(),
            "run_id": self.context.instance_id,
            "now": self.context.current_utc_datetime.isoformat(),
        }
        # every definition the run writes: the primary's, each mirror's; and the source VM
        yield from self.locks.acquire(
            [
                ("definition", self.definition_id),
                *(("definition", m.definition_id) for m in self.request.mirrors),
                ("vm", self.request.source_vm_id),
            ],
            "preflight",
        )
        plan = yield from self.activity(Activity.PREFLIGHT, payload, "preflight")
        self.target = {"gallery": plan["gallery"], "definition": plan["definition"]}
        self.version = plan["version"]
        self.status.version = self.version
        self.preflight_payload = payload
        if not plan["quota"]["fits"]:
            retention = self.request.retention
            if not retention.auto_prune or retention.dry_run:
                raise self.quota_exceeded(plan["quota"])
            # skip_when_current: prune only once the run knows it will publish (after the
            # patch step). Other runs prune here, as runs started before the field did
            # (the same steps in the same order: no new orchestration version).
            if not self.request.skip_when_current:
                plan = yield from self.make_room(plan)
        self.warnings.extend(plan.get("warnings", []))
        for spec in plan["target_regions"]:
            self.status.set_region(spec["name"], state="Pending", progress=0, attempt=0)
        for index, wave in enumerate(plan["waves"]):
            for name in wave:
                self.status.set_region(name, wave=index + 1)
        self.status.waves["total"] = len(plan["waves"])
        self.mirror_plans = list(plan.get("mirrors") or [])
        self.status.mirrors = [
            {"definition": m["definition_id"], "state": "pending"} for m in self.mirror_plans
        ]
        return plan

    def make_room(self, plan: dict[str, Any]) -> Gen:
        """Auto-prune for a full quota, then plan again (the new plan, or QuotaExceeded)."""
        quota = plan["quota"]
        self.status.say(f"quota full: pruning to free {quota.get('must_free', 1)} version slot(s)")
        yield from self.prune(adding=1, step="preflight")
        plan = yield from self.activity(Activity.PREFLIGHT, self.preflight_payload, "preflight")
        if not plan["quota"]["fits"]:
            raise self.quota_exceeded(plan["quota"])
        return plan

    def skip(self, reason: str, plan: dict[str, Any]) -> Gen:
        """skip_when_current: nothing captured, no version; the run succeeds saying why."""
        current = plan.get("current") or {}
        self.version = None
        self.status.version = None
        self.status.regions = {}
        self.status.waves["total"] = 0
        skipped = {
            "reason": reason,
            "current_version": current.get("version"),
            "assessment": self.assessment,
        }
        yield from self.emit("skipped", skipped)
        self.status.at("done", reason)
        self.publish_status()
        result: dict[str, Any] = {
            "status": "succeeded",
            "version": None,
            "skipped": skipped,
            "regions": {},
            "latest": {},
            "pruned": [],
            "warnings": self.warnings,
        }
        if self.patch_summary is not None:
            result["patch"] = self.patch_summary
        return result

    def quota_exceeded(self, quota: dict[str, Any]) -> StepFailed:
        """The preflight failure for a quota the run does not fit (the region says where)."""
        return StepFailed(
            "preflight",
            quota.get("region") or self.definition_id,
            "QuotaExceeded",
            quota.get("message", "gallery quota is full"),
        )

    def fail(self, message: str) -> Gen:
        """Leave nothing half-promoted; delete the version only when asked to."""
        self.status.error = message
        self.status.say(message)
        cleanup = []
        try:
            yield from self.stop_mirrors(f"the publish of the primary failed: {message}"[:300])
            if self.mirror_failure is not None:
                cleanup.append("the primary stays live (a mirror failed with on_failure fail)")
            cleanup.extend((yield from self.take_back(keep_live=self.mirror_failure is not None)))
        except StepFailed as cleanup_failure:
            cleanup.append(f"cleanup incomplete: {cleanup_failure}")
        for line in cleanup:
            self.status.say(line)
        self.status.at("failed")
        self.publish_status()
        self.locks.release()  # sent with the `failed` event's activity, before the run fails
        yield from self.emit("failed", {"error": message, "cleanup": cleanup})
