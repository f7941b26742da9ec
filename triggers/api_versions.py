"""`GET /api/galleries/{gallery}/images/{definition}/versions?resource_group=&subscription_id=`

Versions with their regions, replication state, exclude flags and whether VMs use them,
plus what `latest` resolves to per region. Reads ARM through galleryflow.azure.inventory
(galleryflow.azure underneath) in a worker thread: a read, not an orchestration.
"""

from __future__ import annotations

import asyncio
from typing import Any

import azure.functions as func

from galleryflow.api.errors import ApiError, validation_failed
from galleryflow.azure.errors import Forbidden, GatewayError, NotFound
from galleryflow.azure.inventory import versions_inventory
from galleryflow.domain.fields import Field, Nullable, Obj, is_valid
from galleryflow.domain.problems import Problem
from galleryflow.domain.request_fields import (
    DEFINITION_NAME,
    GALLERY_NAME,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
)
from galleryflow.identity.principal import READER
from galleryflow.settings import AppSettings
from triggers.http import json_response
from triggers.routes import http_function

# Seconds a caller should wait after a 503 when Azure named no Retry-After.
DEFAULT_RETRY_AFTER_SECONDS = 30

# The same field specs as the request bodies, so path/query rules cannot drift apart.
VERSIONS_QUERY = Obj(
    fields=(
        Field("gallery", GALLERY_NAME),
        Field("definition", DEFINITION_NAME),
        Field("resource_group", RESOURCE_GROUP),
        Field("subscription_id", Nullable(SUBSCRIPTION_ID), None),
    )
)


def parse_versions_query(route: dict[str, str], query: dict[str, str]) -> dict[str, Any]:
    problems: list[Problem] = []
    raw = {
        "gallery": route.get("gallery", ""),
        "definition": route.get("definition", ""),
        "resource_group": query.get("resource_group", ""),
        "subscription_id": query.get("subscription_id") or None,
    }
    clean = VERSIONS_QUERY.check(raw, "$", problems)
    if problems or not is_valid(clean):
        raise validation_failed([p.to_dict() for p in problems], "versions query")
    subscription = clean["subscription_id"] or AppSettings.from_env().default_subscription_id
    if not subscription:
        raise validation_failed(
            [
                {
                    "path": "$.subscription_id",
                    "message": "no subscription given and none configured",
                    "hint": "add ?subscription_id=<guid> or set GALLERYFLOW_SUBSCRIPTION_ID",
                }
            ]
        )
    gallery = {
        "subscription_id": subscription,
        "resource_group": clean["resource_group"],
        "name": clean["gallery"],
    }
    return {"gallery": gallery, "definition": clean["definition"]}


@http_function(
    "api_versions",
    "galleries/{gallery}/images/{definition}/versions",
    READER,
    operation="listVersions",
    method="GET",
    client=False,
)
async def versions(req: func.HttpRequest) -> func.HttpResponse:
    target = parse_versions_query(dict(req.route_params), dict(req.params))
    try:
        body = await asyncio.to_thread(versions_inventory, target)
    except GatewayError as exc:
        raise read_error(exc) from None
    return json_response(200, body)


def read_error(exc: GatewayError) -> ApiError:
    """The API's answer to a failed ARM read (versions, rollback preview)."""
    if isinstance(exc, NotFound):
        return ApiError(404, "NotFound", f"Not found in Azure: {exc.message}")
    if isinstance(exc, Forbidden):
        return ApiError(403, "Forbidden", f"galleryflow may not read this: {exc.message}")
    if exc.retryable:
        # Throttled or briefly unavailable even after azure-core's retries: try later.
        wait = max(1, int(exc.retry_after_seconds or DEFAULT_RETRY_AFTER_SECONDS))
        return ApiError(
            503,
            "AzureUnavailable",
            f"Azure is busy or unavailable ({exc.code}: {exc.message}); "
            f"send the request again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    return ApiError(409, "AzureError", f"Azure refused the read: {exc.code}: {exc.message}")
