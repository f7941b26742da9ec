"""Rule 1 in the orchestrators: run a step that comes after promotion so that its failure
keeps the live version live (galleryflow/domain/failure_rule.py decides)."""

from __future__ import annotations

from galleryflow.domain.failure_rule import Outcome, on_failure
from galleryflow.durable.failures import StepFailed
from orchestrators.run import Gen, RunBase


class FailureRule(RunBase):
    def after_live(self, step: str, work: Gen) -> Gen:
        """`yield from self.after_live("prune", self.prune())`: the step's result, or None
        when it failed after a region went live (a warning; the run ends
        `partially_succeeded`). Before anything is live the failure propagates to `fail()`."""
        try:
            return (yield from work)
        except StepFailed as failure:
            decision = on_failure(
                live_regions=self.promoted_regions,
                step=step,
                code=failure.code,
                message=failure.message,
            )
            if decision.outcome is Outcome.FAIL_AND_REVERT or decision.warning is None:
                raise
            self.kept_live.append(decision.warning)
            self.warnings.append(decision.warning)
            self.status.say(decision.warning)
            self.publish_status()
            return None
