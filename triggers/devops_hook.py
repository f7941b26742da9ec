"""`POST /api/devops/hook`: Azure DevOps service hooks start the image pipelines mapped
to the event (GALLERYFLOW_PIPELINES_FILE, each pipeline's `devops` section).

Always a fast 2xx or 4xx and never 410 (that disables the subscription). Retried
deliveries map to the same publish instance ids, so they start nothing new.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import ApiError
from galleryflow.api.ids import hook_delivery_key, hook_idempotency_key
from galleryflow.devops.hooks import check_hook_secret, matching_pipelines, read_event
from galleryflow.pipelines import PipelinesConfigError, configured_pipelines
from galleryflow.settings import AppSettings
from triggers.api_publish import canonical_publish, start_publish
from triggers.auth import caller
from triggers.http import json_body, json_response
from triggers.routes import devops_function

logger = logging.getLogger("galleryflow.devops")

# Release events carry every environment and task of the release: allow more than the API.
HOOK_MAX_BYTES = 512 * 1024


def _ignored(reason: str) -> func.HttpResponse:
    return json_response(202, {"handled": False, "reason": reason, "runs": []})


@devops_function("api_devops_hook", "devops/hook", operation="devopsHook")
async def devops_hook(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    settings = AppSettings.from_env()
    check_hook_secret(dict(req.headers.items()), settings.devops_hook_secret)
    event = json_body(req, max_bytes=HOOK_MAX_BYTES) or {}
    facts = read_event(event)
    if facts is None:
        return _ignored(f"event type {str(event.get('eventType'))[:100]!r} is not handled")
    try:
        config = configured_pipelines(settings)
    except PipelinesConfigError as exc:
        logger.error("DevOps hook ignored: %s", exc)
        return _ignored("the pipelines file is invalid; see the function log")
    if config is None:
        return _ignored("no pipelines are configured (GALLERYFLOW_PIPELINES_FILE is not set)")
    pipelines = config.pipelines
    delivery = hook_delivery_key(event)
    runs: list[dict[str, Any]] = []
    for pipeline in matching_pipelines(facts, pipelines):
        data = {
            **pipeline.request,
            "idempotency_key": hook_idempotency_key(delivery, pipeline.name),
        }
        try:
            run_id, existing = await start_publish(client, canonical_publish(data, None), caller())
        except ApiError as exc:
            logger.error("DevOps hook: pipeline %s not started: %s", pipeline.name, exc.message)
            runs.append({"pipeline": pipeline.name, "error": exc.message})
            continue
        runs.append({"pipeline": pipeline.name, "run_id": run_id, "existing": existing})
    return json_response(202, {"handled": True, "reason": None, "runs": runs})
