"""`POST /api/runs/{id}/approve|reject|cancel`: raise the run's external events.

The event carries the authenticated `principal` (the audit's identity); the body's `by` is
kept as a free-text note. Approve and reject obey separation of duties, cancel ownership
(galleryflow/identity/authz.py)."""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import ApiError, not_cancellable, not_found
from galleryflow.api.mirror_progress import approval_target
from galleryflow.api.runs import is_finished, run_kind, summarize
from galleryflow.api.schemas import parse_event_payload
from galleryflow.domain.failure_rule import cancellable
from galleryflow.durable.names import Event
from galleryflow.identity.audit import run_facts
from galleryflow.identity.authz import check_cancel, check_decision
from galleryflow.identity.principal import APPROVER, OPERATOR, PUBLISHER
from triggers.auth import auth_settings, caller, refuse
from triggers.http import json_body, json_response
from triggers.routes import http_function
from triggers.runs_store import get_run

logger = logging.getLogger("galleryflow.api")

# Events that answer an approval gate; `cancel` is accepted where the run listens for it
# (galleryflow/domain/failure_rule.cancellable), else 409 NotCancellable naming the step.
_GATE_EVENTS = (Event.APPROVE, Event.REJECT)


async def _raise_run_event(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, event: str
) -> func.HttpResponse:
    run_id = req.route_params.get("id", "")
    payload = parse_event_payload(json_body(req, required=False))
    run = await get_run(client, run_id, with_input=True)
    if run is None:
        raise not_found("run", run_id)
    principal = caller()
    started_by, production = run_facts(run.get("input"))
    if event in _GATE_EVENTS:
        refusal = check_decision(principal, event, started_by, production, auth_settings())
    else:
        refusal = check_cancel(principal, started_by)
    if refusal is not None:
        logger.warning(
            "%s on run %s refused for %s: %s", event, run_id, principal.describe(), refusal.code
        )
        raise refuse(refusal)
    summary = summarize(run)
    if is_finished(summary["state"]):
        raise ApiError(
            409,
            "RunFinished",
            f"Run {run_id} already ended ({summary['state']}); nothing to {event}.",
        )
    if event in _GATE_EVENTS and summary["state"] != "awaiting_approval":
        # Durable buffers events: an early approve would pass a later gate unseen.
        raise ApiError(
            409,
            "NotAwaitingApproval",
            f"Run {run_id} is {summary['state']} (step {summary['step'] or 'unknown'}), "
            f"not awaiting approval; {event} is accepted only while the run waits at an "
            "approval gate (state awaiting_approval, after a wave that needs approval). "
            f"Poll GET /api/runs/{run_id} and send it then.",
        )
    kind = run_kind(run.get("name")) or "run"
    if event == Event.CANCEL and not cancellable(kind, summary["step"]):
        raise not_cancellable(run_id, kind, summary["step"] or summary["state"])
    try:
        # a mirror wave's gate waits in the run's mirrors child (api/mirror_progress.py)
        target = approval_target(run) if event in _GATE_EVENTS else run_id
        await client.raise_event(target, event, {**payload, "principal": principal.to_dict()})
    except Exception as exc:
        # It ended (or vanished) between the check above and now.
        if "gone" in str(exc):
            raise ApiError(409, "RunFinished", f"Run {run_id} ended; nothing to {event}.") from None
        if "No instance" in str(exc):
            raise not_found("run", run_id) from None
        raise
    logger.info("%s raised on run %s by %s", event, run_id, principal.describe())
    return json_response(202, {"id": run_id, "event": event})


@http_function("api_run_approve", "runs/{id}/approve", APPROVER, operation="approveRun")
async def run_approve(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, Event.APPROVE)


@http_function("api_run_reject", "runs/{id}/reject", APPROVER, operation="rejectRun")
async def run_reject(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, Event.REJECT)


@http_function("api_run_cancel", "runs/{id}/cancel", PUBLISHER, OPERATOR, operation="cancelRun")
async def run_cancel(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, Event.CANCEL)
