"""`rollback_image`: exclude a bad version (globally or in named regions), only when every
affected region keeps a good, fully replicated `latest`; report before/after per region."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from galleryflow.domain.maintenance_requests import RollbackRequest
from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Orchestration
from orchestrators import bp
from orchestrators.calls import call, typed_input
from orchestrators.resource_lock import holding


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.ROLLBACK)
def rollback_image(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = typed_input(context, RollbackRequest.from_dict, "rollback")
    definition = definition_id(request.gallery.to_dict(), request.image_definition)
    return (
        yield from holding(
            context,
            "rollback",
            [("definition", definition)],
            "rollback",
            _rollback(context, request),
        )
    )


def _rollback(
    context: df.DurableOrchestrationContext, request: RollbackRequest
) -> Generator[Any, Any, dict[str, Any]]:
    target = {"gallery": request.gallery.to_dict(), "definition": request.image_definition}
    version = request.version
    regions = list(request.regions) if request.regions is not None else None
    resource = f"{request.image_definition}/versions/{version}"
    context.set_custom_status({"step": "rollback", "version": version, "log": ["planning"]})
    plan = yield from call(
        context,
        Activity.PLAN_ROLLBACK,
        {"target": target, "version": version, "regions": regions},
        step="rollback",
        resource=resource,
    )
    if plan["refused"]:
        # The refusal (why, and latest per region before/after) is what the HTTP trigger
        # answers its 409 with; a person reads it on the run too.
        refusal = {k: plan.get(k) for k in ("reasons", "before", "after")}
        context.set_custom_status(
            {"step": "failed", "version": version, "log": plan["reasons"], "refusal": refusal}
        )
        raise StepFailed("rollback", resource, "RollbackRefused", "; ".join(plan["reasons"]))
    yield from call(
        context,
        Activity.SET_EXCLUDE_FROM_LATEST,
        {"target": target, "version": version, **plan["changes"]},
        step="rollback",
        resource=resource,
    )
    latest = yield from call(
        context, Activity.RESOLVE_LATEST, {"target": target}, step="rollback", resource=resource
    )
    after = {r: latest["latest"].get(r) for r in plan["before"]}
    result = {
        "version": version,
        "regions": sorted(plan["before"]),
        "before": plan["before"],
        "after": after,
    }
    try:
        yield from call(
            context,
            Activity.EMIT_EVENT,
            {
                "kind": "rolled-back",
                "run_id": context.instance_id,
                "event_id": f"{context.instance_id}:rolled-back",
                "time": context.current_utc_datetime.isoformat(),
                "data": result,
            },
            step="notify",
            resource="events queue",
        )
    except StepFailed as lost:
        result["warnings"] = [f"event rolled-back not sent: {lost.code}: {lost.message}"]
    context.set_custom_status({"step": "done", "version": version, "log": ["rolled back"]})
    return result
