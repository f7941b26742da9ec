"""`prune_image`: plan retention for one definition; apply it only with `apply: true`."""

from __future__ import annotations

import azure.durable_functions as df

from galleryflow.domain.maintenance_requests import PruneRequest
from galleryflow.durable.names import Orchestration
from orchestrators import bp
from orchestrators.calls import sub_orchestration
from orchestrators.definition_run import DefinitionRun, RunResult, definition_run, emit_event


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PRUNE)
def prune_image(context: df.DurableOrchestrationContext) -> RunResult:
    return (yield from definition_run(context, PruneRequest.from_dict, "prune", _prune))


def _prune(run: DefinitionRun[PruneRequest]) -> RunResult:
    context, request, apply = run.context, run.request, run.request.apply
    context.set_custom_status(
        {"step": "prune", "log": ["apply" if apply else "dry run"], "audit": run.trail}
    )
    outcome = yield from sub_orchestration(
        context,
        Orchestration.PRUNE_APPLY,
        {
            "target": run.target,
            "retention": request.retention.to_dict(),
            "apply": apply,
            "protect": [],
            "adding": 0,
            "now": run.now(),
        },
        step="prune",
        resource=request.image_definition,
    )
    result = {"applied": apply, **outcome}
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
