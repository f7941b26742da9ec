"""The Durable HTTP management API (`/runtime/webhooks/durabletask/...`, system key) and the
same operations on the worker RPC base (`/durabletask/...` on a second localhost-only port,
no key, like the real host's local RPC endpoint) that `DurableOrchestrationClient` calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.host import entities
from sandbox.host.client_ops import InstanceExists, InvalidInstanceId, UnknownOrchestrator
from sandbox.host.engine import Engine
from sandbox.host.store import TERMINAL
from sandbox.host.timeutil import from_iso, to_iso

WEBHOOK_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/durabletask"
INSTANCE_PLACEHOLDER = "INSTANCEID"
RUNNING_STATES = ("Pending", "Running", "ContinuedAsNew", "Suspended")
# The extension's OrchestrationRuntimeStatus names (case-sensitive, like its Enum.TryParse).
RUNTIME_STATUSES = (*RUNNING_STATES, "Completed", "Failed", "Canceled", "Terminated", "Unknown")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}, **extra}, status=status)


def management_urls(origin: str, hub: str, system_key: str, instance_id: str) -> dict[str, str]:
    base = f"{origin}{WEBHOOK_PREFIX}/instances/{instance_id}"
    common = f"taskHub={quote(hub)}&connection=Storage&code={system_key}"
    return {
        "id": instance_id,
        "purgeHistoryDeleteUri": f"{base}?{common}",
        "restartPostUri": f"{base}/restart?{common}",
        "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{common}",
        "statusQueryGetUri": f"{base}?{common}",
        "terminatePostUri": f"{base}/terminate?reason={{text}}&{common}",
        "rewindPostUri": f"{base}/rewind?reason={{text}}&{common}",
        "resumePostUri": f"{base}/resume?reason={{text}}&{common}",
        "suspendPostUri": f"{base}/suspend?reason={{text}}&{common}",
    }


def client_binding_json(origin: str, rpc_origin: str, hub: str, system_key: str) -> str:
    """What the `durableClient` input binding hands the function (DurableOrchestrationBindings)."""
    start = f"{origin}{WEBHOOK_PREFIX}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return json.dumps(
        {
            "taskHubName": hub,
            "creationUrls": {
                "createNewInstancePostUri": f"{start}?code={system_key}",
                "createAndWaitOnNewInstancePostUri": (
                    f"{start}?timeout={{timeoutInSeconds}}&pollingInterval="
                    f"{{intervalInSeconds}}&code={system_key}"
                ),
            },
            "managementUrls": management_urls(origin, hub, system_key, INSTANCE_PLACEHOLDER),
            "baseUrl": f"{origin}{WEBHOOK_PREFIX}",
            "requiredQueryStringParameters": f"code={system_key}",
            "rpcBaseUrl": f"{rpc_origin}{RPC_PREFIX}/",
            "httpBaseUrl": "",
            "maxGrpcMessageSizeInBytes": 0,
            "grpcHttpClientTimeout": "00:01:40",
        }
    )


class DurableApi:
    def __init__(self, engine: Engine, hub: str, system_key: str, origin: Callable[[], str]):
        self.engine = engine
        self.hub = hub
        self.system_key = system_key
        self.origin = origin

    def routes(self, prefix: str, guard: Callable[[Handler], Handler]) -> list[web.RouteDef]:
        return [
            web.post(prefix + "/orchestrators/{name}", guard(self.start)),
            web.post(prefix + "/orchestrators/{name}/{instance_id}", guard(self.start)),
            web.get(prefix + "/instances", guard(self.list_instances)),
            web.get(prefix + "/instances/", guard(self.list_instances)),
            web.delete(prefix + "/instances", guard(self.purge_many)),
            web.delete(prefix + "/instances/", guard(self.purge_many)),
            web.get(prefix + "/instances/{instance_id}", guard(self.get_status)),
            web.delete(prefix + "/instances/{instance_id}", guard(self.purge_one)),
            web.post(
                prefix + "/instances/{instance_id}/raiseEvent/{event}", guard(self.raise_event)
            ),
            web.post(prefix + "/instances/{instance_id}/terminate", guard(self.terminate)),
            web.post(prefix + "/instances/{instance_id}/suspend", guard(self.suspend)),
            web.post(prefix + "/instances/{instance_id}/resume", guard(self.resume)),
            web.post(prefix + "/instances/{instance_id}/{operation}", guard(self.unsupported)),
            web.get(prefix + "/entities/{name}/{key}", guard(self.read_entity)),
            web.post(prefix + "/entities/{name}/{key}", guard(self.signal_entity)),
        ]

    def _payload(self, instance_id: str) -> dict[str, str]:
        return management_urls(self.origin(), self.hub, self.system_key, instance_id)

    async def start(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        try:
            instance_id = self.engine.start(
                request.match_info["name"],
                request.match_info.get("instance_id"),
                body,
                version=request.query.get("version"),  # client.start_new(..., version=)
            )
        except UnknownOrchestrator as exc:
            return error(400, "OrchestratorNotFound", str(exc), ExceptionMessage=str(exc))
        except InvalidInstanceId as exc:
            return error(400, "InvalidInstanceId", str(exc))
        except InstanceExists as exc:
            return error(
                409,
                "InstanceExists",
                f"{exc} Wait for it to finish, terminate it, or use another instance id.",
            )
        timeout = _seconds_arg(request.query.get("timeout"))
        interval = _seconds_arg(request.query.get("pollingInterval"))
        if timeout is not None and interval is not None:
            finished = await self._wait_until_finished(instance_id, timeout, interval)
            if finished is not None:
                return finished
        payload = self._payload(instance_id)
        return web.json_response(
            payload,
            status=202,
            headers={"Location": payload["statusQueryGetUri"], "Retry-After": "10"},
        )

    async def _wait_until_finished(
        self, instance_id: str, timeout: float, interval: float
    ) -> web.Response | None:
        """createAndWaitOnNewInstancePostUri: the output once finished within `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            inst = self.engine.store.get_instance(instance_id)
            if inst is not None and inst.status in TERMINAL:
                if inst.status == "Completed":
                    return web.json_response(self.engine.status(inst)["output"])
                return web.json_response(self.engine.status(inst))
            if loop.time() >= deadline:
                return None
            await asyncio.sleep(min(max(interval, 0.01), max(deadline - loop.time(), 0.01)))

    async def get_status(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        inst = self.engine.store.get_instance(instance_id)
        if inst is None:
            return error(404, "InstanceNotFound", f"No instance with ID '{instance_id}' found.")
        query = request.query
        body = self.engine.status(
            inst,
            show_input=_flag(query.get("showInput"), True),
            show_history=_flag(query.get("showHistory"), False),
            show_history_output=_flag(query.get("showHistoryOutput"), False),
        )
        if inst.status in TERMINAL:
            return web.json_response(body, status=200)
        # Like the extension: Location is the request's own URL, retry in 5 seconds.
        return web.json_response(
            body, status=202, headers={"Location": str(request.url), "Retry-After": "5"}
        )

    async def list_instances(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            created_from = _time_arg(query.get("createdTimeFrom"))
            created_to = _time_arg(query.get("createdTimeTo"))
            top = _top_arg(query.get("top"))
            statuses = _statuses(query.get("runtimeStatus"))
        except ValueError as exc:
            return error(400, "BadQuery", str(exc))
        after = request.headers.get("x-ms-continuation-token") or None
        found = self.engine.store.query_instances(
            statuses, created_from, created_to, query.get("instanceIdPrefix"), top, after
        )
        show_input = _flag(query.get("showInput"), False)
        body = [self.engine.status(i, show_input=show_input) for i in found]
        headers = {}
        if top and len(found) == top:
            headers["x-ms-continuation-token"] = found[-1].instance_id
        return web.json_response(body, headers=headers)

    async def purge_one(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        outcome = self.engine.purge(instance_id)
        if outcome == "not_found":
            return error(404, "InstanceNotFound", f"No instance with ID '{instance_id}' found.")
        if outcome == "running":
            return error(
                409,
                "InstanceRunning",
                f"Instance '{instance_id}' is still running; terminate it or wait, then purge.",
            )
        return web.json_response({"instancesDeleted": 1})

    async def purge_many(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            created_from = _time_arg(query.get("createdTimeFrom"))
            created_to = _time_arg(query.get("createdTimeTo"))
            statuses = _statuses(query.get("runtimeStatus"))
        except ValueError as exc:
            return error(400, "BadQuery", str(exc))
        if created_from is None:
            return error(400, "BadQuery", "createdTimeFrom is required to purge by query")
        deleted = self.engine.purge_by(created_from, created_to, statuses or [])
        if deleted == 0:
            return error(404, "NothingToPurge", "No finished instance matches the query.")
        return web.json_response({"instancesDeleted": deleted})

    async def raise_event(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        inst = self.engine.store.get_instance(instance_id)
        if inst is None:
            return _outcome_response("not_found", instance_id)
        if inst.status in TERMINAL:
            return _outcome_response("gone", instance_id)
        if request.content_type.lower() != "application/json":
            return error(
                400,
                "UnsupportedContentType",
                "Only application/json request content is supported: send the event data as"
                " JSON with Content-Type: application/json",
            )
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        outcome = self.engine.raise_event(instance_id, request.match_info["event"], body)
        return _outcome_response(outcome, instance_id)

    async def terminate(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        reason = request.query.get("reason", "")
        outcome = self.engine.terminate(instance_id, reason)
        return _outcome_response(outcome, instance_id)

    async def suspend(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        reason = request.query.get("reason", "")
        return _outcome_response(self.engine.suspend(instance_id, reason), instance_id)

    async def resume(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        reason = request.query.get("reason", "")
        outcome = self.engine.suspend(instance_id, reason, resume=True)
        return _outcome_response(outcome, instance_id)

    async def read_entity(self, request: web.Request) -> web.Response:
        name, key = request.match_info["name"], request.match_info["key"]
        exists, state = entities.read_state(self.engine.store, entities.entity_id_of(name, key))
        if not exists:
            return error(404, "EntityNotFound", f"Entity @{name}@{key} has no state.")
        return web.json_response(state)

    async def signal_entity(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if isinstance(body, web.Response):
            return body
        op = request.query.get("op")
        if not op:
            return error(400, "MissingOperation", "signal an entity with ?op=<operation name>")
        self.engine.signal_entity(request.match_info["name"], request.match_info["key"], op, body)
        return web.Response(status=202)

    async def unsupported(self, request: web.Request) -> web.Response:
        operation = request.match_info["operation"]
        return error(
            501,
            "NotSupported",
            f"'{operation}' is not supported by the sandbox host; supported: raiseEvent,"
            " terminate, suspend, resume, status, list, purge.",
        )


def _outcome_response(outcome: str, instance_id: str) -> web.Response:
    if outcome == "not_found":
        return error(404, "InstanceNotFound", f"No instance with ID '{instance_id}' found.")
    if outcome == "gone":
        return error(410, "InstanceGone", f"Instance '{instance_id}' is already finished.")
    return web.Response(status=202)


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        return error(400, "InvalidJson", f"The request body is not valid JSON: {exc}")


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes")


def _time_arg(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return to_iso(from_iso(value))
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"'{value}' is not a time; use ISO-8601 UTC times") from exc


def _top_arg(value: str | None) -> int | None:
    if not value:
        return None
    try:
        top = int(value)
    except ValueError:
        top = -1
    if top < 0:
        raise ValueError(f"top must be a whole number >= 0 (page size), not '{value}'")
    return top or None


def _seconds_arg(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def _statuses(value: str | None) -> list[str] | None:
    """Comma-separated runtime statuses. The extension silently drops names it cannot parse
    (and with none left lists everything); the sandbox says which name is wrong instead."""
    if not value:
        return None
    names = [s.strip() for s in value.split(",") if s.strip()]
    unknown = [n for n in names if n not in RUNTIME_STATUSES]
    if unknown:
        raise ValueError(
            f"runtimeStatus '{unknown[0]}' is unknown; use a comma-separated list of"
            f" {', '.join(RUNTIME_STATUSES)}"
        )
    return names
