"""`rollback_image`: exclude a bad version (globally or in named regions), only when every
affected region keeps a good, fully replicated `latest`; report before/after per region.
With `include_mirrors` the version is excluded everywhere in every mirror gallery as well,
and only when every gallery may (one refusal refuses all)."""

from __future__ import annotations

import azure.durable_functions as df

from galleryflow.domain.maintenance_requests import RollbackRequest
from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Orchestration
from orchestrators import bp
from orchestrators.calls import call
from orchestrators.definition_run import DefinitionRun, RunResult, definition_run, emit_event


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.ROLLBACK)
def rollback_image(context: df.DurableOrchestrationContext) -> RunResult:
    return (yield from definition_run(context, RollbackRequest.from_dict, "rollback", _rollback))


def _rollback(run: DefinitionRun[RollbackRequest]) -> RunResult:
    context, request = run.context, run.request
    version = request.version
    regions = list(request.regions) if request.regions is not None else None
    resource = f"{request.image_definition}/versions/{version}"
    # Who asked for it (run.started_by): the HTTP layer's authenticated principal.
    context.set_custom_status(
        {"step": "rollback", "version": version, "log": ["planning"], "audit": run.trail}
    )
    plan = yield from call(
        context,
        Activity.PLAN_ROLLBACK,
        {"target": run.target, "version": version, "regions": regions},
        step="rollback",
        resource=resource,
    )
    # with include_mirrors: every mirror is planned too, and nothing changes unless all may
    mirror_plans = []
    for mirror in run.mirrors:
        planned = yield from call(
            context,
            Activity.PLAN_ROLLBACK,
            {"target": mirror, "version": version, "regions": None},
            step="rollback",
            resource=f"{mirror['definition']}/versions/{version}",
        )
        mirror_plans.append(planned)
        name = definition_id(mirror["gallery"], mirror["definition"])
        plan["refused"] = plan["refused"] or planned["refused"]
        plan["reasons"] = [*plan["reasons"], *(f"mirror {name}: {r}" for r in planned["reasons"])]
    if plan["refused"]:
        # The refusal (why, and latest per region before/after) is what the HTTP trigger
        # answers its 409 with; a person reads it on the run too.
        refusal = {k: plan.get(k) for k in ("reasons", "before", "after")}
        context.set_custom_status(
            {
                "step": "failed",
                "version": version,
                "log": plan["reasons"],
                "refusal": refusal,
                "audit": run.trail,
            }
        )
        raise StepFailed("rollback", resource, "RollbackRefused", "; ".join(plan["reasons"]))
    for where, changes in [(run.target, plan["changes"])] + [
        (m, p["changes"]) for m, p in zip(run.mirrors, mirror_plans, strict=True)
    ]:
        yield from call(
            context,
            Activity.SET_EXCLUDE_FROM_LATEST,
            {"target": where, "version": version, **changes},
            step="rollback",
            resource=f"{where['definition']}/versions/{version}",
        )
    latest = yield from call(
        context, Activity.RESOLVE_LATEST, {"target": run.target}, step="rollback", resource=resource
    )
    after = {r: latest["latest"].get(r) for r in plan["before"]}
    result = {
        "version": version,
        "regions": sorted(plan["before"]),
        "before": plan["before"],
        "after": after,
    }
    if run.mirrors:
        result["mirrors"] = [
            {
                "definition": definition_id(m["gallery"], m["definition"]),
                "regions": sorted(p["before"]),
                "before": p["before"],
                "after": p["after"],
            }
            for m, p in zip(run.mirrors, mirror_plans, strict=True)
        ]
    if lost := (yield from emit_event(context, "rolled-back", {**result, "by": run.started_by})):
        result["warnings"] = [lost]
    run.audit("rolled_back")
    context.set_custom_status(
        {"step": "done", "version": version, "log": ["rolled back"], "audit": run.trail}
    )
    return result
