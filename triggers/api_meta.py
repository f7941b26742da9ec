"""`GET /api/openapi.json` and the anonymous `GET /api/health`."""

from __future__ import annotations

import functools

import azure.functions as func

from galleryflow.api.openapi import build_openapi
from galleryflow.identity.authz import ANONYMOUS
from galleryflow.identity.principal import READER
from triggers.auth import REQUIRED_ROLES, auth_settings
from triggers.http import json_response
from triggers.routes import http_function


@functools.cache
def _document(easy_auth: bool) -> dict:
    return build_openapi(roles=REQUIRED_ROLES, easy_auth=easy_auth)


@http_function(
    "api_openapi", "openapi.json", READER, operation="openapi", method="GET", client=False
)
async def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, _document(auth_settings().easy_auth))


@http_function(
    "api_health",
    "health",
    ANONYMOUS,
    operation="health",
    method="GET",
    auth_level=func.AuthLevel.ANONYMOUS,
    client=False,
)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    # Deliberately nothing about versions, settings or backends: anonymous callers read it.
    return json_response(200, {"status": "ok"})
