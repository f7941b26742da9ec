"""Mirror step: copy the primary version into each mirror gallery and roll each copy out
(orchestrators/mirror_run.py), one mirror after the other. Runs started on orchestration
version 1.1 or later do it in a child orchestration started while the primary still rolls
out (orchestrators/mirror_start.py, mirror_chain.py); runs started on 1.0 inline, after the
primary's rollout and prune.

Why one after the other: Azure lets one source feed one replication at a time
(docs/azure-facts.md#q2), and every mirror's source is the primary version.

The failure rule (docs/pipeline.md): a mirror never takes the primary down. A failed (or
cancelled) mirror has its own promoted regions reverted and becomes a warning; the run ends
`partially_succeeded`, or with the mirror's `on_failure: fail` it fails afterwards with the
primary left live. Per-gallery progress is the custom status' `mirrors` list.
"""

from __future__ import annotations

from typing import Any

from galleryflow.domain.failure_rule import mirror_outcome
from galleryflow.domain.mirrors import MirrorFailurePolicy
from galleryflow.durable.failures import StepFailed
from orchestrators.mirror_run import MirrorRun
from orchestrators.run import Gen, RunBase, RunCancelled


def mirror_home(mirror_plan: dict[str, Any]) -> str:
    """The region the mirror's copy is created in (where the primary must be Completed)."""
    return str(next(s["name"] for s in mirror_plan["target_regions"] if s.get("home_region")))


class MirrorSteps(RunBase):
    mirror_results: list[dict[str, Any]] = []  # replaced, never mutated in place
    mirror_failure: StepFailed | None = None  # set when a mirror with on_failure fail failed

    def mirror_progress(self, index: int, status: dict[str, Any]) -> None:
        """A mirror's own status, merged into the run's custom status."""
        entry = {k: status.get(k) for k in ("definition", "step", "regions", "waves", "log")}
        self.status.mirrors[index] = {**self.status.mirrors[index], **entry}
        # a mirror wave waiting for approval is the run's: approve/reject/cancel reach it
        waiting = bool((status.get("waves") or {}).get("awaiting_approval"))
        self.status.waves = {**self.status.waves, "awaiting_approval": waiting}
        self.publish_status()

    def mirror_all(self, plan: dict[str, Any], replicated: set[str]) -> Gen:
        """Every mirror in turn; `replicated` are the primary's Completed regions."""
        plans = plan.get("mirrors") or []
        results: list[dict[str, Any]] = []
        stop: str | None = None
        for mirror_plan in plans:
            result, stop = yield from self.mirror_one(mirror_plan, len(plans), replicated, stop)
            results.append(result)
        self.mirror_results = results
        self.publish_status()

    def mirror_one(
        self, mirror_plan: dict[str, Any], total: int, replicated: set[str], stop: str | None
    ) -> Gen:
        """One mirror: copy, roll out, prune (MirrorRun); returns (its result, `stop`): once
        a cancel stopped a mirror, `stop` says why and the mirrors after it are skipped."""
        index = int(mirror_plan["index"])
        home = mirror_home(mirror_plan)
        where = str(mirror_plan["definition_id"]).rsplit("/galleries/", 1)[-1]
        self.status.at("mirror", f"mirror {index + 1}/{total}: copying into {where} ({home})")
        if stop is None and home not in replicated:
            stop_here = f"the primary did not replicate to {home}, the mirror's home region"
            return self.mirror_failed(mirror_plan, "SourceNotReplicated", stop_here), stop
        if stop is not None:
            return self.mirror_skipped(mirror_plan, stop), stop
        run = MirrorRun(self, mirror_plan)
        self.status.mirrors[index] = {**self.status.mirrors[index], "state": "running"}
        try:
            result = yield from run.execute()
        except StepFailed as failure:
            yield from self.revert(run)
            failed = self.mirror_failed(mirror_plan, failure.code, str(failure))
            yield from self.emit(
                "mirror-failed", {"mirror": run.definition_id, "error": str(failure)}
            )
            return failed, stop
        except RunCancelled as cancelled:
            yield from self.revert(run)
            return self.mirror_failed(mirror_plan, "Cancelled", str(cancelled)), str(cancelled)
        self.status.mirrors[index] = {**self.status.mirrors[index], "state": result["status"]}
        live = sorted(n for n, r in result["regions"].items() if r.get("promoted"))
        self.status.say(f"mirror {index + 1} {result['status']}: live in {', '.join(live)}")
        self.warnings.extend(f"mirror {index + 1}: {w}" for w in result["warnings"])
        if result["status"] != "succeeded":
            self.kept_live.append(f"mirror {index + 1} partially succeeded")
        return result, stop

    def wait_primary_ready(self, run: MirrorRun) -> Gen:
        """Before a mirror's first live wave: inline (1.0) the primary is live already."""
        return
        yield

    def mirror_failed(self, mirror_plan: dict[str, Any], code: str, message: str) -> dict[str, Any]:
        index = int(mirror_plan["index"])
        self.status.waves = {**self.status.waves, "awaiting_approval": False}
        policy = MirrorFailurePolicy(mirror_plan["mirror"]["on_failure"])
        decision = mirror_outcome(index, mirror_plan["definition_id"], policy, code, message)
        self.warnings.append(decision.warning)
        self.kept_live.append(decision.warning)
        self.status.say(decision.warning)
        if decision.fail_run and self.mirror_failure is None:
            self.mirror_failure = StepFailed("mirror", mirror_plan["definition_id"], code, message)
        self.status.mirrors[index] = {
            **self.status.mirrors[index],
            "state": "failed",
            "error": f"{code}: {message}"[:300],
        }
        return {"definition": mirror_plan["definition_id"], "status": "failed", "error": message}

    def mirror_skipped(self, mirror_plan: dict[str, Any], why: str) -> dict[str, Any]:
        index = int(mirror_plan["index"])
        self.status.mirrors[index] = {**self.status.mirrors[index], "state": "skipped"}
        self.warnings.append(f"mirror {index + 1} not started: {why}")
        self.kept_live.append(f"mirror {index + 1} not started")
        return {"definition": mirror_plan["definition_id"], "status": "skipped", "error": why}

    def revert(self, run: MirrorRun) -> Gen:
        """Leave a failed mirror like a failed publish: nothing of it live, its version
        deleted only with `cleanup_on_failure`. A cleanup failure is one more warning."""
        try:
            yield from run.take_back()
        except StepFailed as cleanup:
            self.warnings.append(f"mirror {run.index + 1}: cleanup incomplete: {cleanup}")
