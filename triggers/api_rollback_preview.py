"""`POST /api/rollback/preview`: what `POST /api/rollback` would do now, changing nothing.

The same body as a rollback; the same domain check (galleryflow.domain.rollback) over the
definition's current versions, read from ARM in a worker thread (no orchestration). The
answer names the `latest` per region before and after, the refusal reasons, and a live run
of the definition that would make the rollback a 409 `RunInProgress` for now.
"""

from __future__ import annotations

import asyncio

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.ids import definition_key
from galleryflow.azure.errors import GatewayError
from galleryflow.azure.inventory import rollback_preview
from galleryflow.identity.principal import READER
from triggers.api_maintenance import RUN_NAMES, rollback_request
from triggers.api_versions import read_error
from triggers.http import json_response
from triggers.routes import http_function
from triggers.runs_store import live_run_for_definition


# A read: changes nothing, starts no run.
@http_function("api_rollback_preview", "rollback/preview", READER, operation="rollbackPreview")
async def preview(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    canonical = rollback_request(req)
    target = {"gallery": canonical["gallery"], "definition": canonical["image_definition"]}
    try:
        plan = await asyncio.to_thread(
            rollback_preview, target, str(canonical["version"]), canonical.get("regions")
        )
    except GatewayError as exc:
        raise read_error(exc) from None
    busy = await live_run_for_definition(client, definition_key(canonical), kinds=RUN_NAMES)
    return json_response(200, {**plan, "busy_run": busy})
