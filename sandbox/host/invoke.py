"""Call an app function with its bindings, like the Python worker: trigger value, durable
client binding JSON, `context`, and `func.Out` output bindings (collected for the caller)."""

from __future__ import annotations

import inspect
import uuid
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

from sandbox.host.app_loader import FunctionInfo


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
    if "context" in parameters and "context" not in kwargs:
        kwargs["context"] = InvocationContext(function_name=info.name)
    return Invocation(kwargs=kwargs, outputs=outputs, info=info)


def is_async(info: FunctionInfo) -> bool:
    return inspect.iscoroutinefunction(info.func)
