"""Dry runs of a rollback and of its undo, changing nothing:

- `POST /api/rollback/preview`: what `POST /api/rollback` would do now. The same body as a
  rollback; the same domain check (galleryflow.domain.rollback).
- `POST /api/rollback/undo/preview`: what `POST /api/rollback/undo` would do now. The same
  body as the undo; the same plan its `change_version` run makes
  (galleryflow.domain.version_changes).

Both read the definition's current versions from ARM in a worker thread (no orchestration)
and name the `latest` per region before and after, the refusal reasons, and a live run of
the definition that would make the action a 409 `RunInProgress` for now.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.ids import definition_key
from galleryflow.azure.errors import GatewayError
from galleryflow.azure.inventory import change_plan, rollback_preview
from galleryflow.domain.change_fields import ChangeKind
from galleryflow.identity.principal import READER
from triggers.api_changes import change_request
from triggers.api_maintenance import RUN_NAMES, rollback_request
from triggers.api_versions import read_error
from triggers.http import json_response
from triggers.routes import http_function
from triggers.runs_store import live_run_for_definition


async def _dry_run(
    client: df.DurableOrchestrationClient, canonical: dict[str, Any], plan: Callable[..., Any]
) -> dict[str, Any]:
    """`plan(target)` read from ARM in a worker thread (a failed read is the versions
    route's error), and the live run that would make the action a 409 now."""
    target = {"gallery": canonical["gallery"], "definition": canonical["image_definition"]}
    try:
        answer = await asyncio.to_thread(plan, target)
    except GatewayError as exc:
        raise read_error(exc) from None
    busy = await live_run_for_definition(client, definition_key(canonical), kinds=RUN_NAMES)
    return {**answer, "busy_run": busy}


# Reads: they change nothing and start no run.
@http_function("api_rollback_preview", "rollback/preview", READER, operation="rollbackPreview")
async def preview(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    canonical = rollback_request(req)
    version, regions = str(canonical["version"]), canonical.get("regions")
    plan = await _dry_run(client, canonical, lambda t: rollback_preview(t, version, regions))
    return json_response(200, plan)


@http_function(
    "api_undo_rollback_preview",
    "rollback/undo/preview",
    READER,
    operation="undoRollbackPreview",
)
async def undo_preview(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    canonical = change_request(req, ChangeKind.UNDO_ROLLBACK)
    plan = await _dry_run(client, canonical, lambda t: change_plan(t, canonical))
    answer = {
        "version": canonical["version"],
        **{k: plan[k] for k in ("refused", "reasons", "before", "after", "busy_run")},
        "changes": plan.get("exclude"),
    }
    return json_response(200, answer)
