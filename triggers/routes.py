"""The one declaration of an HTTP function: its name, route and method, who may call it
(`triggers/auth.py` `requires`), the error envelope (`triggers/http.py` `api_route`), and
the Durable client where the handler takes one (`client`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import azure.functions as func

from galleryflow.identity.principal import PUBLISHER
from triggers import bp
from triggers.auth import requires
from triggers.http import Handler, api_route


def http_function(
    name: str,
    route: str,
    *roles: str,
    operation: str,
    method: Literal["GET", "POST"] = "POST",
    callers: Literal["people", "machines"] = "people",
    auth_level: func.AuthLevel | None = None,
    client: bool = True,
) -> Callable[[Handler], Any]:
    """`@http_function("api_x", "x", READER, operation="x")` on `async def x(req, client)`:
    the same as stacking function_name, route, durable_client_input, api_route, requires."""
    level = {} if auth_level is None else {"auth_level": auth_level}

    def declare(handler: Handler) -> Any:
        declared: Any = api_route(requires(*roles, operation=operation, callers=callers)(handler))
        if client:
            declared = bp.durable_client_input(client_name="client")(declared)
        declared = bp.route(route=route, methods=[method], **level)(declared)
        return bp.function_name(name)(declared)

    return declare


def devops_function(name: str, route: str, *, operation: str) -> Callable[[Handler], Any]:
    """A route Azure DevOps calls (task, service hook): a machine caller with the function
    key, acting as a publisher."""
    return http_function(
        name,
        route,
        PUBLISHER,
        operation=operation,
        callers="machines",
        auth_level=func.AuthLevel.FUNCTION,
    )
