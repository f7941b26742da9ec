"""`POST /api/publish`, and the start-or-join logic the DevOps routes share."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import (
    idempotency_key_reused,
    problem,
    run_in_progress,
    validation_failed,
)
from galleryflow.api.ids import (
    IDEMPOTENCY_KEY,
    body_digest,
    definition_key,
    publish_instance_id,
)
from galleryflow.domain.request import RequestValidationError, parse_publish_request
from galleryflow.durable.names import Orchestration
from galleryflow.identity.audit import split_starter, with_starter
from galleryflow.identity.principal import PUBLISHER, Principal
from triggers.auth import caller
from triggers.http import json_body, json_response, run_links
from triggers.routes import http_function
from triggers.runs_store import get_run, input_of, live_run_for_definition, wait_for_lock

logger = logging.getLogger("galleryflow.api")

# Wall seconds a publish request waits for its run's lock outcome (a refusal is then a 409;
# not known by then: 202, and the run is refused by its lock all the same).
LOCK_WAIT_SECONDS = 5.0


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
    client: df.DurableOrchestrationClient, canonical: dict[str, Any], started_by: Principal
) -> tuple[str, bool]:
    """Start the run, or return the one this idempotency key already made: (id, existing).
    409 when another run is live for the same image definition. `started_by` is recorded
    in the run's input (its audit); a joined run keeps the principal that started it."""
    instance_id = publish_instance_id(canonical)
    if instance_id is not None and await same_key_run(client, instance_id, canonical):
        return instance_id, True
    # Fast path only: two requests can both pass this look; the run's lock decides.
    running = await live_run_for_definition(client, definition_key(canonical))
    if running is not None and running == instance_id:
        return instance_id, True  # a concurrent request with the same key started it
    if running is not None:
        raise run_in_progress(
            running,
            f"Run {running} is working on this image definition (publish, rollback or prune); "
            "one run per definition at a time. Wait for it to finish (or cancel it), then "
            "send the request again.",
        )
    try:
        started = await client.start_new(
            Orchestration.PUBLISH,
            instance_id or uuid.uuid4().hex,
            with_starter(canonical, started_by.to_dict()),
        )
    except Exception:
        # Two requests with one key raced: the other one started it; join that run.
        if instance_id is not None and await same_key_run(client, instance_id, canonical):
            return instance_id, True
        raise
    # The authoritative check: the run's `resource_lock` (galleryflow/api/lock_outcome.py).
    outcome = await wait_for_lock(client, started, LOCK_WAIT_SECONDS)
    if outcome.refused and outcome.holder is not None:
        raise run_in_progress(
            outcome.holder,
            f"{outcome.message} (refused by the run lock; run {started} of this request "
            "ended without touching anything)",
        )
    logger.info(
        "publish run %s started for %s by %s",
        started,
        definition_key(canonical),
        started_by.describe(),
    )
    return started, False


async def same_key_run(
    client: df.DurableOrchestrationClient, instance_id: str, canonical: dict[str, Any]
) -> bool:
    """True when the key's run exists and was made from this very body; 409
    IdempotencyKeyReused when it was made from another one. The run's stored input is the
    canonical body it was started with; the two are compared by digest."""
    run = await get_run(client, instance_id, with_input=True)
    if run is None:
        return False
    stored = input_of(run)
    if stored is not None:
        stored = split_starter(stored)[0]  # who started it is no part of the body
    if stored is not None and body_digest(stored) != body_digest(canonical):
        raise idempotency_key_reused(instance_id)
    return True


def accepted(run_id: str, kind: str, existing: bool) -> func.HttpResponse:
    body = {"id": run_id, "kind": kind, "existing": existing, "links": run_links(run_id, kind)}
    return json_response(200 if existing else 202, body, {"Location": f"/api/runs/{run_id}"})


@http_function("api_publish", "publish", PUBLISHER, operation="publish")
async def publish(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    data = json_body(req) or {}
    canonical = canonical_publish(data, req.headers.get("idempotency-key"))
    run_id, existing = await start_publish(client, canonical, caller())
    return accepted(run_id, "publish", existing)
