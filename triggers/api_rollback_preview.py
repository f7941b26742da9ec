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
from triggers import bp
from triggers.api_maintenance import RUN_NAMES, rollback_request
from triggers.api_versions import read_error
from triggers.auth import requires
from triggers.http import api_route, json_response
from triggers.runs_store import live_run_for_definition


@bp.function_name("api_rollback_preview")
@bp.route(route="rollback/preview", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(READER, operation="rollbackPreview")  # a read: changes nothing, starts no run
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
