"""`publish_image`: preflight -> capture -> replicate -> promote (waves) -> prune -> notify.

Thin and deterministic: every fact comes from an activity, every decision from
galleryflow.domain (through the preflight activity's plan or the pure helpers here), time
from `context.current_utc_datetime`. Failures end the run with
"<step> failed on <resource>: <code>: <message>" (docs/CONTRACTS.md).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskState

from orchestrators import bp
from orchestrators.calls import call
from orchestrators.failures import StepFailed, error_from_failure
from orchestrators.replication_state import all_terminal, initial_state, region_summary
from orchestrators.run_status import RunStatus

Gen = Generator[Any, Any, Any]


class RunCancelled(Exception):
    pass


@bp.orchestration_trigger(context_name="context", orchestration="publish_image")
def publish_image(context: df.DurableOrchestrationContext) -> Gen:
    request: dict[str, Any] = context.get_input()
    run = _Run(context, request)
    try:
        return (yield from run.execute())
    except StepFailed as failure:
        yield from run.fail(str(failure))
        raise
    except RunCancelled as cancelled:
        stopped = StepFailed(run.status.step, run.version_resource(), "Cancelled", str(cancelled))
        yield from run.fail(str(stopped))
        raise stopped from None


class _Run:
    """The state of one publish run, kept in the generator (rebuilt identically on replay)."""

    def __init__(self, context: df.DurableOrchestrationContext, request: dict[str, Any]) -> None:
        self.context = context
        self.request = request
        self.definition_id = definition_id_of(request)
        self.status = RunStatus(definition=self.definition_id)
        self.target: dict[str, Any] = {}
        self.events_sent = 0
        self.version: str | None = None
        self.created = False
        self.promoted_regions: list[str] = []
        self.warnings: list[str] = []
        self.pruned: list[str] = []

    # ---- the steps ----------------------------------------------------------------------

    def execute(self) -> Gen:
        plan = yield from self.preflight()
        yield from self.emit(
            "run-started", {"regions": [r["name"] for r in plan["target_regions"]]}
        )
        yield from self.capture(plan)
        replication = yield from self.replicate(plan)
        yield from self.promote(plan, replication)
        yield from self.prune()
        latest = yield from self.activity("resolve_latest", {"target": self.target}, "notify")
        regions = region_summary(replication)
        for name in regions:
            regions[name]["promoted"] = name in self.promoted_regions
        failed = [n for n, r in regions.items() if r["state"] != "Completed"]
        result = {
            "status": "partially_succeeded" if failed else "succeeded",
            "version": self.version,
            "regions": regions,
            "latest": latest.get("latest", {}),
            "pruned": self.pruned,
            "warnings": self.warnings,
        }
        self.status.at("done", f"{result['status']}: {self.version}")
        self.publish_status()
        return result

    def preflight(self) -> Gen:
        self.status.at("preflight", "checking source VM, gallery, definition and quotas")
        self.publish_status()
        payload = {
            "request": self.request,
            "run_id": self.context.instance_id,
            "now": self.context.current_utc_datetime.isoformat(),
        }
        claim = yield from self.activity(
            "claim_definition",
            {"definition_id": self.definition_id, "run_id": self.context.instance_id},
            "preflight",
        )
        if not claim.get("granted"):
            raise StepFailed(
                "preflight",
                self.definition_id,
                "RunInProgress",
                f"run {claim.get('holder')} is publishing this image definition; "
                "wait for it to finish or cancel it, then publish again",
            )
        plan = yield from self.activity("preflight_publish", payload, "preflight")
        self.target = {"gallery": plan["gallery"], "definition": plan["definition"]}
        self.version = plan["version"]
        self.status.version = self.version
        if not plan["quota"]["fits"]:
            plan = yield from self.make_room(plan, payload)
        self.warnings.extend(plan.get("warnings", []))
        for spec in plan["target_regions"]:
            self.status.set_region(spec["name"], state="Pending", progress=0, attempt=0)
        self.status.waves["total"] = len(plan["waves"])
        return plan

    def make_room(self, plan: dict[str, Any], payload: dict[str, Any]) -> Gen:
        quota = plan["quota"]
        retention = self.request.get("retention", {})
        if not retention.get("auto_prune") or retention.get("dry_run"):
            raise StepFailed(
                "preflight",
                quota.get("region") or self.definition_id,
                "QuotaExceeded",
                quota.get("message", "gallery quota is full"),
            )
        self.status.say(f"quota full: pruning to free {quota.get('must_free', 1)} version slot(s)")
        yield from self.prune(adding=1, step="preflight")
        plan = yield from self.activity("preflight_publish", payload, "preflight")
        if not plan["quota"]["fits"]:
            quota = plan["quota"]
            raise StepFailed(
                "preflight",
                quota.get("region") or self.definition_id,
                "QuotaExceeded",
                quota.get("message", "gallery quota is full"),
            )
        return plan

    def capture(self, plan: dict[str, Any]) -> Gen:
        vm = plan["vm"]
        original = vm["power_state"]
        self.status.at("capture", f"capturing {vm['id'].rsplit('/', 1)[-1]} (VM is {original})")
        self.publish_status()
        state = {"generalized": False}
        try:
            captured = yield from self.deallocate_and_capture(plan, state)
        except Exception:
            yield from self.restore_power(vm, original, state["generalized"])
            raise
        yield from self.restore_power(vm, original, state["generalized"])
        yield from self.emit("captured", {"adopted": bool(captured.get("adopted"))})

    def deallocate_and_capture(self, plan: dict[str, Any], state: dict[str, bool]) -> Gen:
        vm = plan["vm"]
        if plan.get("adopt"):
            self.status.say(f"version {self.version} was already created by this run: adopting it")
        else:
            if vm["power_state"] != "deallocated":
                yield from self.activity(
                    "set_vm_power_state", {"vm_id": vm["id"], "state": "deallocated"}, "capture"
                )
            if self.request.get("generalize"):
                state["generalized"] = True  # from here on the VM may be generalized
                yield from self.activity("generalize_vm", {"vm_id": vm["id"]}, "capture")
        captured = yield from self.activity(
            "capture_image_version",
            {
                "target": self.target,
                "version": self.version,
                "vm_id": vm["id"],
                "target_regions": plan["target_regions"],
                "end_of_life": self.request.get("end_of_life"),
                "block_deletion_before_end_of_life": bool(
                    self.request.get("block_deletion_before_end_of_life")
                ),
                "run_id": self.context.instance_id,
                "tags": self.request.get("tags") or {},
            },
            "capture",
        )
        self.created = True
        self.status.say(
            f"version {self.version} {'adopted' if captured.get('adopted') else 'created'}"
        )
        return captured

    def restore_power(self, vm: dict[str, Any], original: str, generalized: bool) -> Gen:
        """Put the source VM back the way we found it (a generalized VM cannot run again).

        Not a try/finally around the capture: a generator closed while suspended must not
        yield again (replay closes unfinished orchestrator generators)."""
        if original == "deallocated":
            return
        if generalized:
            self.warnings.append("source VM was generalized and stays deallocated")
            return
        yield from self.activity(
            "set_vm_power_state", {"vm_id": vm["id"], "state": original}, "capture"
        )

    def replicate(self, plan: dict[str, Any]) -> Gen:
        replication_policy = self.request.get("replication", {})
        state = initial_state(
            target=self.target,
            version=str(self.version),
            target_regions=plan["target_regions"],
            max_region_retries=int(replication_policy.get("max_region_retries", 2)),
            region_timeout_minutes=int(replication_policy.get("region_timeout_minutes", 720)),
            now=self.context.current_utc_datetime,
        )
        self.status.at("replicate", f"replicating to {len(state['regions'])} region(s)")
        self.status.regions = region_summary(state)
        self.publish_status()
        reported: set[str] = set()
        chunk = 0
        while not all_terminal(state):
            chunk += 1
            monitor = self.context.call_sub_orchestrator(
                "replication_monitor", state, instance_id=f"{self.context.instance_id}-rep-{chunk}"
            )
            try:
                state = yield from self.unless_cancelled(monitor)
            except RunCancelled:
                raise
            except Exception as exc:
                raise _from_child(exc, self.version_resource()) from None
            self.status.regions = region_summary(state)
            for name, region in state["regions"].items():
                if region["state"] == "Completed" and name not in reported:
                    reported.add(name)
                    self.status.say(f"{name}: replicated")
                    yield from self.emit(
                        "region-replicated", {"region": name, "attempt": region["attempt"]}
                    )
                elif region["state"] == "Failed" and name not in reported:
                    reported.add(name)
                    self.status.say(f"{name}: failed after {region['attempt']} attempt(s)")
            self.publish_status()
        failed = {n: r for n, r in state["regions"].items() if r["state"] != "Completed"}
        if failed:
            name, region = sorted(failed.items())[0]
            policy = replication_policy.get("on_region_failure", "fail")
            completed = len(state["regions"]) - len(failed)
            if policy != "promote_completed" or completed == 0:
                raise StepFailed(
                    "replicate",
                    f"{self.version_resource()} in {name}",
                    "ReplicationFailed",
                    region["details"] or "replication failed",
                )
            self.warnings.append(
                f"not promoted in {', '.join(sorted(failed))}: replication failed "
                f"after {max(r['attempt'] for r in failed.values())} attempt(s)"
            )
        return state

    def promote(self, plan: dict[str, Any], replication: dict[str, Any]) -> Gen:
        completed = {n for n, r in replication["regions"].items() if r["state"] == "Completed"}
        keep_excluded = {s["name"] for s in plan["target_regions"] if s.get("exclude_from_latest")}
        waves = [
            [r for r in wave if r in completed and r not in keep_excluded] for wave in plan["waves"]
        ]
        waves = [w for w in waves if w]
        rollout = self.request.get("rollout", {})
        self.status.at("promote", f"promoting in {len(waves)} wave(s)")
        self.status.waves = {"current": 0, "total": len(waves), "awaiting_approval": False}
        self.publish_status()
        for index, wave in enumerate(waves):
            if index > 0:
                yield from self.between_waves(rollout, index, waves)
            self.status.waves["current"] = index + 1
            yield from self.activity(
                "set_exclude_from_latest",
                {
                    "target": self.target,
                    "version": self.version,
                    "regions": dict.fromkeys(wave, False),
                    "global": None,
                },
                "promote",
            )
            self.promoted_regions.extend(wave)
            for name in wave:
                self.status.set_region(name, state="Promoted")
            self.status.say(f"wave {index + 1}/{len(waves)} promoted: {', '.join(wave)}")
            self.publish_status()
            yield from self.emit("promoted", {"wave": index + 1, "regions": wave})
        if not waves:
            return
        if len(completed) == len(replication["regions"]):
            # Every region is good: make the version a normal one (regional flags still rule).
            yield from self.activity(
                "set_exclude_from_latest",
                {"target": self.target, "version": self.version, "regions": {}, "global": False},
                "promote",
            )

    def between_waves(self, rollout: dict[str, Any], index: int, waves: list[list[str]]) -> Gen:
        soak = int(rollout.get("soak_minutes") or 0)
        if soak:
            self.status.say(f"soaking {soak} min before wave {index + 1}")
            self.publish_status()
            fire_at = self.context.current_utc_datetime + timedelta(minutes=soak)
            yield from self.unless_cancelled(self.context.create_timer(fire_at))
        if rollout.get("approval"):
            self.status.waves["awaiting_approval"] = True
            self.status.say(f"waiting for approval of wave {index + 1}: {', '.join(waves[index])}")
            self.publish_status()
            approve = self.context.wait_for_external_event("approve")
            reject = self.context.wait_for_external_event("reject")
            cancel = self.context.wait_for_external_event("cancel")
            winner = yield self.context.task_any([approve, reject, cancel])
            self.status.waves["awaiting_approval"] = False
            who = _who(winner.result)
            if winner == approve:
                self.status.say(f"wave {index + 1} approved{who}")
                return
            yield from self.unpromote()
            if winner == reject:
                raise StepFailed(
                    "promote",
                    self.version_resource(),
                    "Rejected",
                    f"wave {index + 1} rejected{who}",
                )
            raise RunCancelled(f"cancelled{who}")

    def prune(self, adding: int = 0, step: str = "prune") -> Gen:
        """Retention per the request's policy; `adding` > 0 also frees quota for a capture."""
        retention = dict(self.request.get("retention") or {})
        if step == "prune" and not retention.get("auto_prune"):
            return
        dry_run = bool(retention.get("dry_run")) and not adding
        self.status.at(step, "pruning old versions" + (" (dry run)" if dry_run else ""))
        self.publish_status()
        outcome = yield from self.activity(
            "prune_versions",
            {
                "target": self.target,
                "retention": retention,
                "apply": not dry_run,
                "protect": [self.version] if self.version and self.created else [],
                "adding": adding,
                "now": self.context.current_utc_datetime.isoformat(),
            },
            step,
        )
        self.pruned.extend(outcome.get("deleted", []))
        self.warnings.extend(outcome.get("warnings", []))
        if dry_run:
            self.status.say(f"prune plan (dry run): {outcome['plan']['message']}")
        elif outcome.get("deleted") or outcome.get("shrunk"):
            self.status.say(
                f"pruned: deleted {outcome.get('deleted', [])}, shrunk {outcome.get('shrunk', [])}"
            )
            yield from self.emit(
                "pruned",
                {"deleted": outcome.get("deleted", []), "shrunk": outcome.get("shrunk", [])},
            )

    # ---- failure ------------------------------------------------------------------------

    def fail(self, message: str) -> Gen:
        """Leave nothing half-promoted; delete the version only when asked to."""
        self.status.error = message
        self.status.say(message)
        cleanup = []
        try:
            if self.promoted_regions:
                yield from self.unpromote()
            if self.created and self.request.get("cleanup_on_failure"):
                yield from self.activity(
                    "delete_image_version",
                    {"target": self.target, "version": self.version},
                    "failed",
                )
                cleanup.append("version deleted (cleanup_on_failure)")
        except StepFailed as cleanup_failure:
            cleanup.append(f"cleanup incomplete: {cleanup_failure}")
        for line in cleanup:
            self.status.say(line)
        self.status.at("failed")
        self.publish_status()
        yield from self.emit("failed", {"error": message, "cleanup": cleanup})

    def unpromote(self) -> Gen:
        if not self.promoted_regions:
            return
        yield from self.activity(
            "set_exclude_from_latest",
            {
                "target": self.target,
                "version": self.version,
                "regions": dict.fromkeys(self.promoted_regions, True),
                "global": True,
            },
            "promote",
        )
        self.status.say(f"promotion reverted in {', '.join(self.promoted_regions)}")
        for name in self.promoted_regions:
            self.status.set_region(name, state="Completed")
        self.promoted_regions = []

    # ---- plumbing -----------------------------------------------------------------------

    def activity(self, name: str, payload: dict[str, Any], step: str) -> Gen:
        return (
            yield from call(
                self.context, name, payload, step=step, resource=self.version_resource()
            )
        )

    def unless_cancelled(self, task: Any) -> Gen:
        cancel = self.context.wait_for_external_event("cancel")
        winner = yield self.context.task_any([task, cancel])
        if winner == cancel:
            raise RunCancelled(f"cancelled{_who(cancel.result)}")
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
                self.context, "emit_event", event, step="notify", resource="events queue"
            )
        except StepFailed as lost:
            self.warnings.append(f"event {kind} not sent: {lost.code}: {lost.message}")

    def publish_status(self) -> None:
        self.context.set_custom_status(self.status.to_dict())

    def version_resource(self) -> str:
        if self.version:
            return f"{self.definition_id}/versions/{self.version}"
        return self.definition_id


def definition_id_of(request: dict[str, Any]) -> str:
    """The definition's resource id from a canonical request (gallery subscription defaults
    to the source VM's, as the request model does)."""
    gallery = request.get("gallery") or {}
    vm_parts = str(request.get("source_vm_id", "")).split("/")
    subscription = gallery.get("subscription_id") or (vm_parts[2] if len(vm_parts) > 2 else "")
    return (
        f"/subscriptions/{subscription}/resourceGroups/{gallery.get('resource_group')}"
        f"/providers/Microsoft.Compute/galleries/{gallery.get('name')}"
        f"/images/{request.get('image_definition')}"
    )


def _who(payload: Any) -> str:
    if isinstance(payload, dict) and payload.get("by"):
        comment = f" ({payload['comment']})" if payload.get("comment") else ""
        return f" by {payload['by']}{comment}"
    return ""


def _from_child(exc: Exception, resource: str) -> StepFailed:
    """Re-raise a replication monitor failure with the child's own wording when present."""
    text = str(exc)
    marker = "replicate failed on "
    if marker in text:
        line = text[text.index(marker) :].splitlines()[0]
        rest = line[len(marker) :]
        res, _, tail = rest.partition(": ")
        code, _, message = tail.partition(": ")
        return StepFailed("replicate", res, code or "Failed", message.strip() or tail)
    err = error_from_failure(exc)
    return StepFailed("replicate", resource, str(err.get("code")), str(err.get("message")))
