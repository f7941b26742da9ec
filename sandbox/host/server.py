"""`python -m sandbox host`: load the app, open the store, serve HTTP, run the engine.

Two listeners on 127.0.0.1: the public one (HTTP triggers, /admin, Durable webhooks with the
system key) and a second, key-less one for the worker RPC API that the durable client uses
(the real host keeps that one on localhost too).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from azure.functions.queue import QueueMessage as FuncQueueMessage
from azure.functions.timer import TimerRequest

from sandbox.host import crash_point, invoke
from sandbox.host.app_loader import AppLoadError, FunctionInfo, LoadedApp, load_app
from sandbox.host.clock import Clock
from sandbox.host.clock_request import ClockRequestError, read_clock_request
from sandbox.host.durable_api import (
    RPC_PREFIX,
    WEBHOOK_PREFIX,
    DurableApi,
    client_binding_json,
    error,
)
from sandbox.host.engine import Engine
from sandbox.host.function_timeout import FunctionTimedOut
from sandbox.host.http_triggers import HttpTriggers, presented_key
from sandbox.host.keys import HostKeys, load_or_create
from sandbox.host.queues import QueueBindings
from sandbox.host.scheduler import Scheduler
from sandbox.host.store import Store
from sandbox.host.timer_triggers import ScheduleError, TimerSchedules

log = logging.getLogger("sandbox.host")

NON_HTTP_TRIGGERS = ("timerTrigger", "queueTrigger")


class Host:
    def __init__(
        self,
        app: LoadedApp,
        state_dir: Path,
        clock_mode: str,
        clock_sync_url: str | None,
        clock_sync_ca: Path | None,
        clock_scale: float = 0.0,
    ) -> None:
        self.app = app
        self.keys: HostKeys = load_or_create(state_dir)
        self.store = Store(state_dir / "host.sqlite")
        self.clock = Clock(clock_mode, self.store, clock_sync_url, clock_sync_ca, clock_scale)
        self.engine = Engine(app, self.store, self.clock)
        self.scheduler = Scheduler(
            self.engine,
            max_activities=app.durable_setting("maxConcurrentActivityFunctions", 10),
            max_orchestrations=app.durable_setting("maxConcurrentOrchestratorFunctions", 4),
        )
        self.timers = TimerSchedules(app, self.clock.now())
        if self.timers.entries:
            self.scheduler.add_periodic(self.timers)
        self.origin = ""
        self.rpc_origin = ""
        self.durable = DurableApi(
            self.engine, app.task_hub, self.keys.durable_system_key, lambda: self.origin
        )
        self.http = HttpTriggers(app, self.keys, self.client_json, self._count_http)
        self.engine.client_json = self.client_json
        self.queues = QueueBindings(app)
        self.engine.output_sender = self.queues.send_outputs
        self.http.output_sender = self.queues.send_outputs
        self._background: set[asyncio.Task[Any]] = set()

    def client_json(self) -> str:
        return client_binding_json(
            self.origin, self.rpc_origin, self.app.task_hub, self.keys.durable_system_key
        )

    def _count_http(self, delta: int) -> None:
        self.scheduler.http_in_flight += delta
        if delta < 0:
            self.scheduler.wake()

    # ------------------------------------------------------------------ web apps
    def public_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[json_errors])
        app.add_routes(self.durable.routes(WEBHOOK_PREFIX, self._webhook_guard))
        app.add_routes(
            [
                web.get("/admin/host/status", self._host_status),
                web.get("/admin/functions", self._master(self._list_functions)),
                web.post("/admin/functions/{name}", self._master(self._fire_function)),
                web.get("/admin/clock", self._master(self._get_clock)),
                web.post("/admin/clock", self._master(self._set_clock)),
                web.get("/admin/crash-point", self._master(crash_point.get_crash_point)),
                web.post("/admin/crash-point", self._master(crash_point.set_crash_point)),
                web.route("*", f"/{self.app.route_prefix}/{{tail:.*}}", self.http.handle),
            ]
        )
        return app

    def rpc_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[json_errors])
        app.add_routes(self.durable.routes(RPC_PREFIX, lambda handler: handler))
        return app

    def _webhook_guard(self, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self.keys.allows_durable_webhook(presented_key(request)):
                return error(
                    401,
                    "Unauthorized",
                    "Durable management URLs need the system key (code=...) as returned in the"
                    " check-status response, or the master key",
                )
            return await handler(request)

        return guarded

    def _master(self, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self.keys.is_master(presented_key(request)):
                return error(
                    401,
                    "Unauthorized",
                    "admin endpoints need the master key (x-functions-key header or code query)",
                )
            return await handler(request)

        return guarded

    async def _host_status(self, _request: web.Request) -> web.Response:
        return web.json_response({"state": "Running", "clock": self.clock.mode})

    async def _list_functions(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "functions": [f.describe() for f in self.app.functions],
                "timers": self.timers.describe(),
                "taskHub": self.app.task_hub,
            }
        )

    async def _fire_function(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        info = self.app.by_name(name)
        if info is None:
            return error(404, "FunctionNotFound", f"No function named '{name}' in this app")
        if info.is_http or info.trigger_type not in NON_HTTP_TRIGGERS:
            return error(
                400,
                "NotInvocable",
                f"'{info.name}' has a {info.trigger_type}; only timer and queue functions can be"
                " fired here (call HTTP functions on their route, start orchestrations with the"
                " durable client)",
            )
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return error(400, "InvalidJson", f'body must be JSON like {{"input": ...}}: {exc}')
        trigger_input = body.get("input") if isinstance(body, dict) else None
        self._spawn(self._invoke_non_http(info, trigger_input, past_due=False))
        return web.Response(status=202)

    async def _get_clock(self, _request: web.Request) -> web.Response:
        return web.json_response(self._clock_body())

    async def _set_clock(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read() or b"{}")
        except json.JSONDecodeError as exc:
            return error(400, "InvalidJson", f"body must be JSON: {exc}")
        try:
            wanted = read_clock_request(body, self.clock.now())
        except ClockRequestError as exc:
            return error(400, "BadClockRequest", str(exc))
        if not self.clock.simulated and set(body) - {"hold"}:
            return error(409, "RealClock", "the host runs with --clock real; time cannot move")
        if wanted.hold is not None:
            self.clock.held = wanted.hold
        if wanted.target is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.clock.advance_to, wanted.target)
        self.scheduler.wake()
        return web.json_response(self._clock_body())

    def _clock_body(self) -> dict[str, Any]:
        return {"now": self.clock.now_iso(), "mode": self.clock.mode, "held": self.clock.held}

    # ------------------------------------------------------------------ non-HTTP functions
    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _invoke_non_http(self, info: FunctionInfo, value: Any, past_due: bool) -> None:
        if info.trigger_type == "timerTrigger":
            trigger: Any = TimerRequest(
                past_due=past_due, schedule_status=value if isinstance(value, dict) else None
            )
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            trigger = FuncQueueMessage(body=text.encode(), dequeue_count=1)
        try:
            await self._call(info, trigger)
        except Exception:
            log.exception("function %s failed", info.name)

    async def _call(self, info: FunctionInfo, trigger: Any) -> None:
        """Invoke with bindings; output bindings are sent only when the function succeeds."""
        call = invoke.prepare(info, trigger, self.client_json())
        loop = asyncio.get_running_loop()
        self._count_http(+1)
        try:
            await invoke.call_async(info, call, self.app.function_timeout)
            await loop.run_in_executor(None, self.queues.send_outputs, call)
        except FunctionTimedOut as exc:
            log.error("%s", exc.log_line(call.invocation_id))
            raise
        finally:
            self._count_http(-1)

    async def _timer_loop(self) -> None:
        while True:
            for info, status in self.timers.due(self.clock.now()):
                self._spawn(self._invoke_non_http(info, status, past_due=False))
            await asyncio.sleep(0.2)

    # ------------------------------------------------------------------ run
    async def run(self, port: int, rpc_port: int) -> None:
        runner = web.AppRunner(self.public_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        rpc_runner = web.AppRunner(self.rpc_app(), access_log=None)
        await rpc_runner.setup()
        rpc_site = web.TCPSite(rpc_runner, "127.0.0.1", rpc_port)
        await rpc_site.start()
        self.origin = f"http://127.0.0.1:{_bound_port(site)}"
        self.rpc_origin = f"http://127.0.0.1:{_bound_port(rpc_site)}"
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.engine.loop = loop
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self._spawn(self.scheduler.run())
        if self.timers.entries:
            self._spawn(self._timer_loop())
        for info in self.timers.on_startup:  # runOnStartup=True, like the real host
            self._spawn(self._invoke_non_http(info, None, past_due=False))
        for info in self.app.functions:
            if info.trigger_type == "queueTrigger":
                self._spawn(self.queues.poll_forever(info, self._call))
        print(f"READY {self.origin}", flush=True)
        for info in self.app.functions:
            print(f"  {info.name}: {info.trigger_type}", flush=True)
        for problem in self.timers.errors.values():
            log.warning("%s", problem)
        await stop.wait()
        await self.scheduler.stop()
        await runner.cleanup()
        await rpc_runner.cleanup()
        self.store.close()


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every error answer is a JSON error body; host bugs are logged, never sent as a trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        hint = {404: "check the path", 405: "check the HTTP method"}.get(exc.status, "")
        return error(exc.status, exc.reason.replace(" ", ""), f"{exc.reason}: {hint}".rstrip(": "))
    except Exception:
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return error(500, "HostError", "the sandbox host failed on this request; see its log")


def _bound_port(site: web.TCPSite) -> int:
    server: Any = site._server
    assert server is not None and server.sockets
    return int(server.sockets[0].getsockname()[1])


def serve(
    app_dir: Path,
    port: int,
    state_dir: Path,
    clock: str = "real",
    clock_sync_url: str | None = None,
    clock_sync_ca: Path | None = None,
    rpc_port: int = 0,
    clock_scale: float = 0.0,
) -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    # host.json of most apps quiets "Azure.Core"; per-request SDK logging drowns the host log.
    logging.getLogger("azure").setLevel(logging.WARNING)
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        app = load_app(app_dir)
        host = Host(app, state_dir, clock, clock_sync_url, clock_sync_ca, clock_scale)
    except (AppLoadError, ScheduleError, ValueError) as exc:
        print(f"ERROR {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from exc
    asyncio.run(host.run(port, rpc_port))
    # Stopped: do not wait for activities still running on worker threads (a timed-out one may
    # never return). Their work items stay in the store and run again on the next start.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
