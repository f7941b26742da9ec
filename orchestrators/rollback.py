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
from galleryflow.identity import audit
from orchestrators import bp
from orchestrators.calls import call, typed_input
from orchestrators.resource_lock import holding


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.ROLLBACK)
def rollback_image(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    # The HTTP layer's authenticated starter rides along in the input (galleryflow/identity).
    started_by = audit.split_starter(context.get_input())[1]
    request = typed_input(
        context, lambda data: RollbackRequest.from_dict(audit.split_starter(data)[0]), "rollback"
    )
    definition = definition_id(request.gallery.to_dict(), request.image_definition)
    return (
        yield from holding(
            context,
            "rollback",
            [("definition", definition)],
            "rollback",
            _rollback(context, request, started_by),
        )
    )


def _rollback(
    context: df.DurableOrchestrationContext,
    request: RollbackRequest,
    started_by: dict[str, Any] | None,
) -> Generator[Any, Any, dict[str, Any]]:
    target = {"gallery": request.gallery.to_dict(), "definition": request.image_definition}
    version = request.version
    regions = list(request.regions) if request.regions is not None else None
    resource = f"{request.image_definition}/versions/{version}"
    # Who asked for it: the HTTP layer's authenticated principal.
    trail = [audit.entry("started", started_by, context.current_utc_datetime.isoformat())]
    context.set_custom_status(
        {"step": "rollback", "version": version, "log": ["planning"], "audit": trail}
    )
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
            {
                "step": "failed",
                "version": version,
                "log": plan["reasons"],
                "refusal": refusal,
                "audit": trail,
            }
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
                "data": {**result, "by": started_by},
            },
            step="notify",
            resource="events queue",
        )
    except StepFailed as lost:
        result["warnings"] = [f"event rolled-back not sent: {lost.code}: {lost.message}"]
    trail.append(audit.entry("rolled_back", started_by, context.current_utc_datetime.isoformat()))
    context.set_custom_status(
        {"step": "done", "version": version, "log": ["rolled back"], "audit": trail}
    )
    return result
