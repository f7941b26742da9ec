"""HTTP triggers at `/<routePrefix>/<route>`: authLevel + keys, request and response mapping."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func
from aiohttp import web

from sandbox.host import easy_auth, invoke
from sandbox.host.app_loader import FunctionInfo, LoadedApp
from sandbox.host.durable_api import error
from sandbox.host.function_timeout import FunctionTimedOut
from sandbox.host.keys import HostKeys
from sandbox.host.routes import Route, compile_route

log = logging.getLogger("sandbox.host.http")


def presented_key(request: web.Request) -> str | None:
    return request.headers.get("x-functions-key") or request.query.get("code")


class HttpTriggers:
    def __init__(
        self,
        app: LoadedApp,
        keys: HostKeys,
        client_json: Callable[[], str],
        in_flight: Callable[[int], None],
    ) -> None:
        self.app = app
        self.keys = keys
        self.client_json = client_json
        self.in_flight = in_flight
        self.output_sender: Callable[[invoke.Invocation], None] | None = None
        self.easy_auth = easy_auth.enabled(app.settings)
        self.table: list[tuple[Route, FunctionInfo]] = []
        for info in app.functions:
            if info.is_http:
                template = info.trigger.get("route") or info.name
                self.table.append((compile_route(template), info))

    def find(self, path: str, method: str) -> tuple[FunctionInfo, dict[str, str]] | str:
        """(function, route params), or 'method' when only the method is wrong, or 'none'."""
        wrong_method = False
        for route, info in self.table:
            params = route.match(path)
            if params is None:
                continue
            methods = [m.upper() for m in info.trigger.get("methods") or []]
            if methods and method.upper() not in methods:
                wrong_method = True
                continue
            return info, params
        return "method" if wrong_method else "none"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        found = self.find(path, request.method)
        if found == "none":
            return error(
                404, "NotFound", f"No HTTP function serves /{self.app.route_prefix}/{path}"
            )
        if found == "method":
            return error(405, "MethodNotAllowed", f"{request.method} is not allowed here")
        assert not isinstance(found, str)
        info, params = found
        level = str(info.trigger.get("authLevel") or "function")
        if not self.keys.allows(level, presented_key(request)):
            return error(
                401,
                "Unauthorized",
                f"'{info.name}' needs a {level} key: send it as the x-functions-key header or"
                " the code query parameter",
            )
        headers = dict(request.headers)
        if self.easy_auth:
            try:
                headers = easy_auth.stand_in_headers(headers)
            except easy_auth.StandInError as exc:
                return error(401, "Unauthorized", f"Easy Auth stand-in: {exc}")
        body = await request.read()
        http_request = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params=dict(request.query),
            route_params=params,
            body=body,
        )
        call = invoke.prepare(info, http_request, self.client_json())
        self.in_flight(+1)
        try:
            result = await invoke.call_async(info, call, self.app.function_timeout)
            if self.output_sender is not None:
                sender = self.output_sender
                await asyncio.get_running_loop().run_in_executor(None, sender, call)
        except FunctionTimedOut as exc:
            log.error("%s", exc.log_line(call.invocation_id))
            return error(500, "FunctionTimeout", str(exc))
        except Exception as exc:
            log.exception("HTTP function %s failed", info.name)
            return error(500, "FunctionFailed", f"'{info.name}' raised {type(exc).__name__}")
        finally:
            self.in_flight(-1)
        return to_response(result)


def to_response(result: Any) -> web.StreamResponse:
    if isinstance(result, func.HttpResponse):
        headers = {k: v for k, v in result.headers.items() if k.lower() != "content-length"}
        if result.mimetype and "content-type" not in {k.lower() for k in headers}:
            content_type = result.mimetype
            if result.charset and content_type.startswith("text/"):
                content_type += f"; charset={result.charset}"
            headers["Content-Type"] = content_type
        return web.Response(status=result.status_code, body=result.get_body(), headers=headers)
    if result is None:
        return web.Response(status=204)
    if isinstance(result, bytes | str):
        return web.Response(body=result if isinstance(result, bytes) else result.encode())
    return web.Response(body=json.dumps(result).encode(), content_type="application/json")
