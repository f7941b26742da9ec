"""`POST /api/rollback` and `POST /api/prune` (a dry run unless `apply: true`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import problem, rollback_refused, run_in_progress, validation_failed
from galleryflow.api.ids import definition_key
from galleryflow.api.runs import RUN_KINDS, refusal_of, summarize
from galleryflow.domain.request import (
    PruneRequest,
    RequestValidationError,
    RollbackRequest,
    parse_prune_request,
    parse_rollback_request,
)
from galleryflow.durable.names import Orchestration
from galleryflow.identity.audit import with_starter
from galleryflow.identity.principal import OPERATOR
from galleryflow.settings import AppSettings
from triggers.api_publish import accepted
from triggers.auth import caller
from triggers.http import json_body, json_response, run_links
from triggers.routes import http_function
from triggers.runs_store import live_run_for_definition, wait_briefly

logger = logging.getLogger("galleryflow.api")

RUN_NAMES = tuple(RUN_KINDS)
# Wall seconds a rollback/prune request waits for its run (simulated Azure time is fast;
# real ARM calls of a rollback take a few seconds).
WAIT_SECONDS = 5.0


def _with_default_subscription(canonical: dict[str, Any]) -> dict[str, Any]:
    gallery = dict(canonical["gallery"])
    if not gallery.get("subscription_id"):
        default = AppSettings.from_env().default_subscription_id
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
    # One galleryflow run per definition: a rollback and a prune (or two prunes) at once
    # would each plan against versions the other is changing.
    running = await live_run_for_definition(client, definition_key(canonical), kinds=RUN_NAMES)
    if running is not None:
        raise run_in_progress(
            running,
            f"Run {running} is working on this image definition (publish, rollback, prune or "
            "version change); "
            "try again when it has finished.",
        )
    started_by = caller()
    run_input = with_starter(canonical, started_by.to_dict())
    run_id = str(await client.start_new(name, uuid.uuid4().hex, run_input))
    logger.info(
        "%s run %s started for %s by %s",
        name,
        run_id,
        definition_key(canonical),
        started_by.describe(),
    )
    return run_id


def _canonical(
    req: func.HttpRequest, parse: Callable[[object], RollbackRequest | PruneRequest], kind: str
) -> dict[str, Any]:
    try:
        canonical = parse(json_body(req) or {}).to_dict()
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), f"{kind} request") from None
    return _with_default_subscription(canonical)


async def _maintenance(
    req: func.HttpRequest,
    client: df.DurableOrchestrationClient,
    parse: Callable[[object], RollbackRequest | PruneRequest],
    orchestration: str,
) -> func.HttpResponse:
    """Validate the body, start the run (409 while the definition is busy), answer it."""
    kind = RUN_KINDS[orchestration]
    run_id = await _start_maintenance(client, orchestration, _canonical(req, parse, kind))
    return await _answer(client, run_id, kind)


async def _answer(
    client: df.DurableOrchestrationClient, run_id: str, kind: str
) -> func.HttpResponse:
    """Rollback and prune runs finish in seconds: wait that long so a refusal is a 409
    and a result a 200 now; a run still going after that is a 202 with its links."""
    status = await wait_briefly(client, run_id, WAIT_SECONDS)
    if status is None:
        return accepted(run_id, kind, False)
    refusal = refusal_of(status)
    if refusal is not None and kind == "change":
        raise rollback_refused(run_id, refusal, code="VersionChangeRefused", what="version change")
    if refusal is not None:
        raise rollback_refused(run_id, refusal)
    summary = summarize(status, run_links(run_id, kind))
    return json_response(200, summary, {"Location": f"/api/runs/{run_id}"})


@http_function("api_rollback", "rollback", OPERATOR, operation="rollback")
async def rollback(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _maintenance(req, client, parse_rollback_request, Orchestration.ROLLBACK)


def rollback_request(req: func.HttpRequest) -> dict[str, Any]:
    """The canonical rollback request of the body (rollback and its preview), with the
    default subscription filled in; 400 listing every problem."""
    return _canonical(req, parse_rollback_request, "rollback")


@http_function("api_prune", "prune", OPERATOR, operation="prune")
async def prune(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _maintenance(req, client, parse_prune_request, Orchestration.PRUNE)
