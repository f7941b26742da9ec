"""Call an app function with its bindings, like the Python worker: trigger value, durable
client binding JSON, `context`, and `func.Out` output bindings (collected for the caller)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

from sandbox.host.app_loader import FunctionInfo
from sandbox.host.function_timeout import FunctionTimedOut


class CollectingOut(func.Out[Any]):
    """`func.Out` whose value the host forwards (queue outputs) after the call."""

    def __init__(self) -> None:
        self.value: Any = None

    def set(self, val: Any) -> None:
        self.value = val

    def get(self) -> Any:
        return self.value


@dataclass
class InvocationContext:
    function_name: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_directory: str = ""
    trace_context: Any = None
    retry_context: Any = None


@dataclass
class Invocation:
    kwargs: dict[str, Any]
    outputs: dict[str, CollectingOut]
    info: FunctionInfo
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def prepare(info: FunctionInfo, trigger_value: Any, client_json: str | None) -> Invocation:
    kwargs: dict[str, Any] = {info.trigger["name"]: trigger_value}
    outputs: dict[str, CollectingOut] = {}
    for binding in info.bindings:
        name = binding["name"]
        if binding["type"] == "durableClient":
            kwargs[name] = client_json
        elif binding.get("direction") in (1, "OUT") and name != "$return":
            outputs[name] = CollectingOut()
            kwargs[name] = outputs[name]
    parameters = inspect.signature(info.func).parameters
    invocation_id = str(uuid.uuid4())
    if "context" in parameters and "context" not in kwargs:
        kwargs["context"] = InvocationContext(function_name=info.name, invocation_id=invocation_id)
    return Invocation(kwargs=kwargs, outputs=outputs, info=info, invocation_id=invocation_id)


def is_async(info: FunctionInfo) -> bool:
    return inspect.iscoroutinefunction(info.func)


def call(
    info: FunctionInfo,
    invocation: Invocation,
    loop: asyncio.AbstractEventLoop | None,
    timeout: float | None,
) -> Any:
    """Run the function and wait at most `timeout` seconds (None: no limit), from any thread.

    Async functions run on the host's event loop (like the Python worker) and are cancelled on
    timeout. Sync ones run on a daemon thread of their own so the caller can stop waiting: a
    thread cannot be killed, so a timed-out one runs on and its result is dropped.
    """
    if is_async(info) and loop is not None:
        future = asyncio.run_coroutine_threadsafe(info.func(**invocation.kwargs), loop)
        finished, _ = concurrent.futures.wait([future], timeout)
        if not finished:
            future.cancel()
            raise FunctionTimedOut(timeout or 0.0, info.name)
        return future.result()
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            result = info.func(**invocation.kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
            outcome["result"] = result
        except BaseException as exc:  # handed to the waiting caller
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"function-{info.name}", daemon=True).start()
    if not done.wait(timeout):
        raise FunctionTimedOut(timeout or 0.0, info.name)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


async def call_async(info: FunctionInfo, invocation: Invocation, timeout: float | None) -> Any:
    """`call` from the host's event loop (HTTP, timer and queue functions): async functions run
    on the loop and are cancelled on timeout, sync ones on a thread."""
    if is_async(info):
        task = asyncio.ensure_future(info.func(**invocation.kwargs))
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.cancel()
            raise FunctionTimedOut(timeout or 0.0, info.name)
        return task.result()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, call, info, invocation, None, timeout)


async def _await(awaitable: Any) -> Any:
    return await awaitable
