"""Rule 1 in the orchestrators: run a step that comes after promotion so that its failure
(or a `cancel`) keeps the live version live (galleryflow/domain/failure_rule.py decides)."""

from __future__ import annotations

from galleryflow.domain.failure_rule import Decision, Outcome, on_cancel, on_failure
from galleryflow.durable.failures import StepFailed
from orchestrators.run import Gen, RunBase, RunCancelled


class FailureRule(RunBase):
    def after_live(self, step: str, work: Gen) -> Gen:
        """`yield from self.after_live("prune", self.prune())`: the step's result, or None
        when it failed or was cancelled after a region went live (a warning; the run ends
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
            if not self.keep_live(decision):
                raise
            return None
        except RunCancelled as cancelled:
            if not self.keep_live_after_cancel(cancelled):
                raise
            return None

    def keep_live_after_cancel(self, cancelled: RunCancelled) -> bool:
        """Rule 1 for a cancel at the current step: True when live regions were kept (the
        run goes on to its result, `self.cancelled` set), False when the run must fail."""
        decision = on_cancel(
            live_regions=self.promoted_regions,
            step=self.status.step,
            by=str(cancelled).removeprefix("cancelled"),
        )
        if not self.keep_live(decision):
            return False
        self.cancelled = decision.warning
        return True

    def keep_live(self, decision: Decision) -> bool:
        if decision.outcome is Outcome.FAIL_AND_REVERT or decision.warning is None:
            return False
        self.kept_live.append(decision.warning)
        self.warnings.append(decision.warning)
        self.status.say(decision.warning)
        self.publish_status()
        return True
