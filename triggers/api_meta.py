"""`GET /api/openapi.json` and the anonymous `GET /api/health`."""

from __future__ import annotations

import functools

import azure.functions as func

from galleryflow.api.openapi import build_openapi
from galleryflow.identity.authz import ANONYMOUS
from galleryflow.identity.principal import READER
from triggers import bp
from triggers.auth import REQUIRED_ROLES, auth_settings, requires
from triggers.http import api_route, json_response


@functools.cache
def _document(easy_auth: bool) -> dict:
    return build_openapi(roles=REQUIRED_ROLES, easy_auth=easy_auth)


@bp.function_name("api_openapi")
@bp.route(route="openapi.json", methods=["GET"])
@api_route
@requires(READER, operation="openapi")
async def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, _document(auth_settings().easy_auth))


@bp.function_name("api_health")
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@api_route
@requires(ANONYMOUS, operation="health")
async def health(req: func.HttpRequest) -> func.HttpResponse:
    # Deliberately nothing about versions, settings or backends: anonymous callers read it.
    return json_response(200, {"status": "ok"})
