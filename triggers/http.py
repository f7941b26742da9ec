"""Shared plumbing of the HTTP triggers: JSON responses, the error envelope, and one
wrapper that turns an ApiError (or a refused DevOps input) into its 4xx and anything
unexpected into a JSON 500 without a trace or secrets."""

from __future__ import annotations

import functools
import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import azure.functions as func

from galleryflow.api.body import MAX_BODY_BYTES, parse_json_object
from galleryflow.api.errors import ApiError, error_body, from_devops
from galleryflow.devops.errors import DevOpsInputError
from galleryflow.durable.names import Event

logger = logging.getLogger("galleryflow.api")

Handler = Callable[..., Awaitable[func.HttpResponse]]


def json_response(
    status: int, body: Any, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def error_response(error: ApiError) -> func.HttpResponse:
    return json_response(error.status, error.body(), error.headers)


def api_route(handler: Handler) -> Handler:
    """Every error leaves as `{"error": {...}}`; unexpected ones are logged by type only."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            return await handler(*args, **kwargs)
        except ApiError as error:
            return error_response(error)
        except DevOpsInputError as error:
            return error_response(from_devops(error))
        except Exception as exc:  # a bug or an unreachable backend: no trace to the caller
            # Where, not what: exception texts can carry URLs with keys, so they stay out.
            where = "; ".join(
                f"{Path(f.filename).name}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)[-4:]
            )
            logger.error("%s failed: %s at %s", handler.__name__, type(exc).__name__, where)
            return json_response(
                500,
                error_body("InternalError", "Unexpected error; the function log has the details."),
            )

    return wrapper


def json_body(
    req: func.HttpRequest, *, required: bool = True, max_bytes: int = MAX_BODY_BYTES
) -> dict[str, Any] | None:
    return parse_json_object(
        req.get_body() or b"",
        req.headers.get("content-type"),
        required=required,
        max_bytes=max_bytes,
    )


def run_links(run_id: str, kind: str) -> dict[str, str]:
    links = {"self": f"/api/runs/{run_id}"}
    if kind == "publish":
        for event in (Event.APPROVE, Event.REJECT, Event.CANCEL):
            links[event] = f"/api/runs/{run_id}/{event}"
    return links
