"""Run routes: start publish / rollback / prune, read runs, and raise approve/reject/cancel."""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import ApiError, not_found, problem, validation_failed
from galleryflow.api.ids import IDEMPOTENCY_KEY, definition_key, publish_instance_id
from galleryflow.api.runs import STATES, is_finished, summarize
from galleryflow.api.schemas import parse_event_payload
from galleryflow.domain.request import (
    RequestValidationError,
    parse_prune_request,
    parse_publish_request,
    parse_rollback_request,
)
from triggers import bp
from triggers.http import api_route, json_body, json_response, run_links
from triggers.runs_store import get_run, list_runs, live_run_for_definition

_MAX_LISTED = 100
logger = logging.getLogger("galleryflow.api")


def canonical_publish(data: dict[str, Any], idempotency_header: str | None) -> dict[str, Any]:
    """Validate a publish request (the header key wins over the body's) -> canonical dict."""
    if idempotency_header is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_header):
            raise validation_failed(
                [
                    problem(
                        "header Idempotency-Key",
                        "has the wrong format",
                        "1-64 of A-Z a-z 0-9 - _ .",
                    )
                ]
            )
        data = {**data, "idempotency_key": idempotency_header}
    try:
        return parse_publish_request(data).to_dict()
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), "publish request") from None


async def start_publish(
    client: df.DurableOrchestrationClient, canonical: dict[str, Any]
) -> tuple[str, bool]:
    """Start the run, or return the one this idempotency key already made: (id, existing).
    409 when another run is live for the same image definition."""
    instance_id = publish_instance_id(canonical)
    if instance_id is not None and await get_run(client, instance_id) is not None:
        return instance_id, True
    running = await live_run_for_definition(client, definition_key(canonical))
    if running is not None and running == instance_id:
        return instance_id, True  # a concurrent request with the same key started it
    if running is not None:
        raise ApiError(
            409,
            "RunInProgress",
            f"Run {running} is publishing this image definition; one run per definition at a time. "
            "Wait for it to finish (or cancel it), then send the request again.",
            [problem("$.image_definition", f"busy with run {running}", f"GET /api/runs/{running}")],
        )
    try:
        started = await client.start_new(
            "publish_image", instance_id or uuid.uuid4().hex, canonical
        )
    except Exception:
        # Two requests with one key raced: the other one started it; join that run.
        if instance_id is not None and await get_run(client, instance_id) is not None:
            return instance_id, True
        raise
    logger.info("publish run %s started for %s", started, definition_key(canonical))
    return started, False


def accepted(run_id: str, kind: str, existing: bool) -> func.HttpResponse:
    body = {"id": run_id, "kind": kind, "existing": existing, "links": run_links(run_id, kind)}
    return json_response(200 if existing else 202, body, {"Location": f"/api/runs/{run_id}"})


@bp.function_name("api_publish")
@bp.route(route="publish", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def publish(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    data = json_body(req) or {}
    canonical = canonical_publish(data, req.headers.get("idempotency-key"))
    run_id, existing = await start_publish(client, canonical)
    return accepted(run_id, "publish", existing)


@bp.function_name("api_run_get")
@bp.route(route="runs/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_route
async def run_get(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    run_id = req.route_params.get("id", "")
    run = await get_run(client, run_id, with_input=True)
    if run is None:
        raise not_found("run", run_id)
    return json_response(200, summarize(run, run_links(run_id, _kind(run))))


@bp.function_name("api_runs_list")
@bp.route(route="runs", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_route
async def runs_list(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    state = req.params.get("status")
    definition = (req.params.get("definition") or "").strip().lower()
    if state is not None and state not in STATES:
        raise validation_failed(
            [
                problem(
                    "query status",
                    f"unknown status {state[:40]!r}",
                    "use one of: " + ", ".join(STATES),
                )
            ]
        )
    summaries = [
        summarize(run, run_links(str(run["instanceId"]), _kind(run)))
        for run in await list_runs(client)
    ]
    if state is not None:
        summaries = [s for s in summaries if s["state"] == state]
    if definition:
        # Runs whose custom status does not name a definition (rollback, prune) are read
        # once more with their input to find it.
        for index, summary in enumerate(summaries):
            if summary["definition"] is None:
                run = await get_run(client, summary["id"], with_input=True)
                if run is not None:
                    summaries[index] = summarize(run, summary["links"])
        summaries = [s for s in summaries if _definition_matches(s.get("definition"), definition)]
    summaries.sort(key=lambda s: s.get("created") or "", reverse=True)
    return json_response(200, {"runs": summaries[:_MAX_LISTED]})


def _kind(run: dict[str, Any]) -> str:
    return summarize(run)["kind"]


def _definition_matches(resource_id: str | None, wanted: str) -> bool:
    """`definition=` is an image definition name or its full resource id."""
    if not resource_id:
        return False
    resource_id = resource_id.lower()
    return resource_id == wanted or resource_id.rsplit("/", 1)[-1] == wanted


async def _raise_run_event(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, event: str
) -> func.HttpResponse:
    run_id = req.route_params.get("id", "")
    payload = parse_event_payload(json_body(req, required=False))
    run = await get_run(client, run_id)
    if run is None:
        raise not_found("run", run_id)
    summary = summarize(run)
    if is_finished(summary["state"]):
        raise ApiError(
            409,
            "RunFinished",
            f"Run {run_id} already ended ({summary['state']}); nothing to {event}.",
        )
    try:
        await client.raise_event(run_id, event, payload)
    except Exception as exc:
        # It ended (or vanished) between the check above and now.
        if "gone" in str(exc):
            raise ApiError(409, "RunFinished", f"Run {run_id} ended; nothing to {event}.") from None
        if "No instance" in str(exc):
            raise not_found("run", run_id) from None
        raise
    return json_response(202, {"id": run_id, "event": event})


@bp.function_name("api_run_approve")
@bp.route(route="runs/{id}/approve", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def run_approve(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, "approve")


@bp.function_name("api_run_reject")
@bp.route(route="runs/{id}/reject", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def run_reject(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, "reject")


@bp.function_name("api_run_cancel")
@bp.route(route="runs/{id}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def run_cancel(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _raise_run_event(req, client, "cancel")


def _with_default_subscription(canonical: dict[str, Any]) -> dict[str, Any]:
    gallery = dict(canonical["gallery"])
    if not gallery.get("subscription_id"):
        default = os.environ.get("GALLERYFLOW_SUBSCRIPTION_ID", "").strip()
        if not default:
            raise validation_failed(
                [
                    problem(
                        "$.gallery.subscription_id",
                        "is required here (no default subscription is configured)",
                        "add the gallery's subscription GUID, or set GALLERYFLOW_SUBSCRIPTION_ID",
                    )
                ]
            )
        gallery["subscription_id"] = default
    return {**canonical, "gallery": gallery}


async def _start_maintenance(
    client: df.DurableOrchestrationClient, name: str, canonical: dict[str, Any]
) -> str:
    running = await live_run_for_definition(client, definition_key(canonical))
    if running is not None:
        raise ApiError(
            409,
            "RunInProgress",
            f"Run {running} is publishing this image definition; try again when it has finished.",
            [problem("$.image_definition", f"busy with run {running}", f"GET /api/runs/{running}")],
        )
    run_id = str(await client.start_new(name, uuid.uuid4().hex, canonical))
    logger.info("%s run %s started for %s", name, run_id, definition_key(canonical))
    return run_id


@bp.function_name("api_rollback")
@bp.route(route="rollback", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def rollback(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    data = json_body(req) or {}
    try:
        canonical = parse_rollback_request(data).to_dict()
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), "rollback request") from None
    run_id = await _start_maintenance(
        client, "rollback_image", _with_default_subscription(canonical)
    )
    return accepted(run_id, "rollback", False)


@bp.function_name("api_prune")
@bp.route(route="prune", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
async def prune(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    data = json_body(req) or {}
    try:
        canonical = parse_prune_request(data).to_dict()
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), "prune request") from None
    run_id = await _start_maintenance(client, "prune_image", _with_default_subscription(canonical))
    return accepted(run_id, "prune", False)
