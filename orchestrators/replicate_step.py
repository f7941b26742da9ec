"""Replicate step: drive the replication monitor chunk by chunk, report per region, and
apply the region failure policy."""

from __future__ import annotations

from typing import Any

from galleryflow.domain.request import RegionFailureMode
from galleryflow.durable.failures import StepFailed, error_from_failure
from galleryflow.durable.names import Orchestration
from orchestrators.replication_state import all_terminal, initial_state, region_summary
from orchestrators.run import Gen, RunBase, RunCancelled


class ReplicateSteps(RunBase):
    def replicate(self, plan: dict[str, Any]) -> Gen:
        replication_policy = self.request.replication
        state = initial_state(
            target=self.target,
            version=str(self.version),
            target_regions=plan["target_regions"],
            max_region_retries=replication_policy.max_region_retries,
            region_timeout_minutes=replication_policy.region_timeout_minutes,
            now=self.context.current_utc_datetime,
        )
        self.status.at("replicate", f"replicating to {len(state['regions'])} region(s)")
        self.report_regions(state)
        self.publish_status()
        reported: set[str] = set()
        chunk = 0
        while not all_terminal(state):
            chunk += 1
            monitor = self.context.call_sub_orchestrator(
                Orchestration.REPLICATION_MONITOR,
                state,
                instance_id=f"{self.context.instance_id}-rep-{chunk}",
            )
            try:
                state = yield from self.unless_cancelled(monitor)
            except RunCancelled:
                raise
            except Exception as exc:
                raise _from_child(exc, self.version_resource()) from None
            self.report_regions(state)
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
            policy = replication_policy.on_region_failure
            completed = len(state["regions"]) - len(failed)
            if policy is not RegionFailureMode.PROMOTE_COMPLETED or completed == 0:
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

    def report_regions(self, state: dict[str, Any]) -> None:
        """Merge the monitor's per-region view into the status (keeps each region's wave)."""
        for name, region in region_summary(state).items():
            self.status.set_region(name, **region)


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
