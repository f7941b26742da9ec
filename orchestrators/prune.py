"""`prune_image`: plan retention for one definition (with `include_mirrors`, also for each of
its mirror definitions, under the same rules); apply it only with `apply: true`.

`cancel` is passed on to the running `prune_apply` child, which stops before its next
version; the run then fails `Cancelled` naming what was deleted or shrunk and what was not
done (mirrors not yet pruned are not started)."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from galleryflow.domain.maintenance_requests import PruneRequest
from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Orchestration
from galleryflow.identity import audit
from orchestrators import bp
from orchestrators.calls import sub_orchestration
from orchestrators.definition_run import DefinitionRun, RunResult, definition_run, emit_event


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PRUNE)
def prune_image(context: df.DurableOrchestrationContext) -> RunResult:
    return (yield from definition_run(context, PruneRequest.from_dict, "prune", _prune))


def _apply(run: DefinitionRun[PruneRequest], target: dict[str, Any]) -> RunResult:
    return (
        yield from sub_orchestration(
            run.context,
            Orchestration.PRUNE_APPLY,
            {
                "target": target,
                "retention": run.request.retention.to_dict(),
                "apply": run.request.apply,
                "protect": [],
                "adding": 0,
                "now": run.now(),
            },
            step="prune",
            resource=target["definition"],
            instance_id=f"{run.context.instance_id}-apply-{len(run.applied) + 1}",
            cancel=run.cancel,
        )
    )


def _prune(run: DefinitionRun[PruneRequest]) -> RunResult:
    context, request, apply = run.context, run.request, run.request.apply
    context.set_custom_status(
        {"step": "prune", "log": ["apply" if apply else "dry run"], "audit": run.trail}
    )
    if run.cancel.is_completed:  # cancelled before anything was planned or written
        _cancelled(run, {})
    outcome = yield from _apply(run, run.target)
    run.applied.append(outcome)
    if run.cancel.is_completed:  # the child stopped before its next version
        _cancelled(run, outcome)
    result = {"applied": apply, **outcome}
    if run.mirrors:  # include_mirrors: the same retention in every mirror gallery
        result["mirrors"] = []
        for mirror in run.mirrors:
            done = yield from _apply(run, mirror)
            run.applied.append(done)
            if run.cancel.is_completed:
                _cancelled(run, outcome)
            name = definition_id(mirror["gallery"], mirror["definition"])
            result["mirrors"].append({"definition": name, **done})
            for key in ("deleted", "shrunk"):  # the event names every gallery's
                outcome[key] = [
                    *outcome.get(key, []),
                    *(f"{name}/versions/{v}" for v in done.get(key, [])),
                ]
    if apply and (outcome.get("deleted") or outcome.get("shrunk")):
        data = {
            "definition": request.image_definition,
            "deleted": outcome.get("deleted", []),
            "shrunk": outcome.get("shrunk", []),
            "by": run.started_by,
        }
        if lost := (yield from emit_event(context, "pruned", data)):
            result.setdefault("warnings", []).append(lost)
    if apply:
        run.audit("pruned")
    context.set_custom_status(
        {"step": "done", "log": ["pruned" if apply else "planned"], "audit": run.trail}
    )
    return result


def _cancelled(run: DefinitionRun[PruneRequest], outcome: dict[str, Any]) -> None:
    """Fail the run `Cancelled` (API state `canceled`), saying what was done before it
    stopped: versions already deleted or shrunk stay so (a write cannot be taken back)."""
    principal, note, comment = audit.decision_of(run.cancel.result)
    run.trail.append(audit.entry("cancelled", principal, run.now(), note=note, comment=comment))
    done = (
        f"deleted {outcome.get('deleted', [])}, shrunk {outcome.get('shrunk', [])}; "
        f"not done: {outcome.get('not_done', [])}"
        if outcome
        else "nothing was written"
    )
    failure = StepFailed(
        "prune",
        run.request.image_definition,
        "Cancelled",
        f"cancelled{audit.describe(principal, note, comment)}; {done}",
    )
    run.context.set_custom_status(
        {"step": "failed", "log": [str(failure)], "error": str(failure), "audit": run.trail}
    )
    raise failure
