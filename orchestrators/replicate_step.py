"""Replicate step: drive the replication monitor chunk by chunk until every region added so
far is terminal, report per region, and decide what a failed region means for the run."""

from __future__ import annotations

from typing import Any

from galleryflow.domain.failure_rule import on_failure
from galleryflow.domain.request import RegionFailureMode
from galleryflow.durable.failures import StepFailed, error_from_failure
from galleryflow.durable.names import Orchestration
from orchestrators.replication_state import all_terminal, initial_state, region_summary
from orchestrators.run import Gen, RunBase, RunCancelled


class ReplicateSteps(RunBase):
    monitor_chunks = 0
    monitor_prefix = "rep"  # the monitors' instance ids: <run id>-<prefix>-<n>
    reported: frozenset[str] = frozenset()
    attempts: dict[str, int] = {}  # replaced, never mutated in place

    def replication_state(self, plan: dict[str, Any], first: list[str]) -> dict[str, Any]:
        policy = self.request.replication
        return initial_state(
            target=self.target,
            version=str(self.version),
            target_regions=plan["target_regions"],
            max_region_retries=policy.max_region_retries,
            stall_minutes=policy.stall_minutes,
            region_timeout_minutes=policy.region_timeout_minutes,
            now=self.context.current_utc_datetime,
            added=first,
            watch=self.watched_regions(),
        )

    def replicate_until_idle(self, state: dict[str, Any], wave: str = "") -> Gen:
        """Run the monitor until no added region replicates any more; returns the state."""
        count = sum(1 for r in state["regions"].values() if r["state"] == "Replicating")
        self.status.at("replicate", f"{wave}replicating to {count} region(s)")
        self.report_regions(state)
        self.publish_status()
        while not all_terminal(state):
            self.monitor_chunks += 1
            child = f"{self.context.instance_id}-{self.monitor_prefix}-{self.monitor_chunks}"
            monitor = self.context.call_sub_orchestrator(
                Orchestration.REPLICATION_MONITOR, state, instance_id=child
            )
            try:
                state = yield from self.unless_cancelled(monitor)
            except RunCancelled:
                # the monitor only reads (and retries regions): stop it with the run
                yield from self.stop_child(child, "terminate")
                raise
            except Exception as exc:
                raise _from_child(exc, self.version_resource()) from None
            yield from self.report(state)
        return state

    def report(self, state: dict[str, Any]) -> Gen:
        self.report_regions(state)
        for name, region in state["regions"].items():
            if region["attempt"] > self.attempts.get(name, 1):
                self.attempts = {**self.attempts, name: region["attempt"]}
                self.status.say(f"{name}: attempt {region['attempt']}, {region['details']}")
            if name in self.reported or region["state"] not in ("Completed", "Failed"):
                continue
            self.reported = self.reported | {name}
            if region["state"] == "Completed":
                self.status.say(f"{name}: replicated")
                yield from self.emit(
                    "region-replicated", {"region": name, "attempt": region["attempt"]}
                )
            else:
                self.status.say(f"{name}: failed after {region['attempt']} attempt(s)")
        self.publish_status()
        yield from self.on_replication_report(state)

    def report_regions(self, state: dict[str, Any]) -> None:
        """Merge the monitor's per-region view into the status (keeps each region's wave);
        a live region keeps its Promoted state and went_live."""
        for name, region in region_summary(state).items():
            if name in self.promoted_regions:
                region = {k: v for k, v in region.items() if k != "state"}
            self.status.set_region(name, **region)

    def region_failures(self, state: dict[str, Any], failed: list[str]) -> bool:
        """Apply `on_region_failure` to regions that failed for good; True: stop the rollout.

        Before any region is live, `fail` (or nothing completed at all) fails the run. After a
        region is live (docs/pipeline.md, failure rule), a replication failure never takes
        live regions down: the run ends partially_succeeded with a warning, and with `fail`
        no further wave is started."""
        policy = self.request.replication.on_region_failure
        completed = [n for n, r in state["regions"].items() if r["state"] == "Completed"]
        attempts = max(state["regions"][n]["attempt"] for n in failed)
        promote_completed = policy is RegionFailureMode.PROMOTE_COMPLETED
        if not self.promoted_regions and (not promote_completed or not completed):
            name = sorted(failed)[0]
            raise StepFailed(
                "replicate",
                f"{self.version_resource()} in {name}",
                "ReplicationFailed",
                state["regions"][name]["details"] or "replication failed",
            )
        left_out = f"not promoted in {', '.join(sorted(failed))}: replication failed"
        if promote_completed:
            self.warnings.append(f"{left_out} after {attempts} attempt(s)")
            return False
        pending = sorted(n for n, r in state["regions"].items() if r["state"] == "Pending")
        stopped = f"; not started: {', '.join(pending)}" if pending else ""
        decision = on_failure(
            live_regions=self.promoted_regions,
            step="replicate",
            code="ReplicationFailed",
            message=f"{left_out} after {attempts} attempt(s){stopped}",
        )
        if decision.warning:
            self.kept_live.append(decision.warning)
            self.warnings.append(decision.warning)
            self.status.say(decision.warning)
        return True


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
