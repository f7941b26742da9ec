"""`prune_image`: plan retention for one definition; apply it only with `apply: true`."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from galleryflow.domain.maintenance_requests import PruneRequest
from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Orchestration
from galleryflow.identity import audit
from orchestrators import bp
from orchestrators.calls import call, sub_orchestration, typed_input
from orchestrators.resource_lock import holding


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PRUNE)
def prune_image(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    # The HTTP layer's authenticated starter rides along in the input (galleryflow/identity).
    started_by = audit.split_starter(context.get_input())[1]
    request = typed_input(
        context, lambda data: PruneRequest.from_dict(audit.split_starter(data)[0]), "prune"
    )
    definition = definition_id(request.gallery.to_dict(), request.image_definition)
    return (
        yield from holding(
            context,
            "prune",
            [("definition", definition)],
            "prune",
            _prune(context, request, started_by),
        )
    )


def _prune(
    context: df.DurableOrchestrationContext,
    request: PruneRequest,
    started_by: dict[str, Any] | None,
) -> Generator[Any, Any, dict[str, Any]]:
    target = {"gallery": request.gallery.to_dict(), "definition": request.image_definition}
    apply = request.apply
    trail = [audit.entry("started", started_by, context.current_utc_datetime.isoformat())]
    context.set_custom_status(
        {"step": "prune", "log": ["apply" if apply else "dry run"], "audit": trail}
    )
    outcome = yield from sub_orchestration(
        context,
        Orchestration.PRUNE_APPLY,
        {
            "target": target,
            "retention": request.retention.to_dict(),
            "apply": apply,
            "protect": [],
            "adding": 0,
            "now": context.current_utc_datetime.isoformat(),
        },
        step="prune",
        resource=request.image_definition,
    )
    result = {"applied": apply, **outcome}
    if apply and (outcome.get("deleted") or outcome.get("shrunk")):
        try:
            yield from call(
                context,
                Activity.EMIT_EVENT,
                {
                    "kind": "pruned",
                    "run_id": context.instance_id,
                    "event_id": f"{context.instance_id}:pruned",
                    "time": context.current_utc_datetime.isoformat(),
                    "data": {
                        "definition": request.image_definition,
                        "deleted": outcome.get("deleted", []),
                        "shrunk": outcome.get("shrunk", []),
                        "by": started_by,
                    },
                },
                step="notify",
                resource="events queue",
            )
        except StepFailed as lost:
            result.setdefault("warnings", []).append(f"event pruned not sent: {lost.message}")
    if apply:
        trail.append(audit.entry("pruned", started_by, context.current_utc_datetime.isoformat()))
    context.set_custom_status(
        {"step": "done", "log": ["pruned" if apply else "planned"], "audit": trail}
    )
    return result
