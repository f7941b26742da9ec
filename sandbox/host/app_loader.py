"""Load a Python v2 Functions app in-process and describe its functions and bindings.

Like the real worker: the app directory is the working directory and sys.path[0]
(`import azure.durable_functions` reads ./host.json at import time), app settings come from
local.settings.json `Values` and the environment (the environment wins, as with Core Tools).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.host.function_timeout import parse_function_timeout
from sandbox.host.versioning import Versioning


class AppLoadError(Exception):
    """The app directory cannot be loaded; the message says what to fix."""


@dataclass
class FunctionInfo:
    name: str
    trigger_type: str
    trigger: dict[str, Any]
    bindings: list[dict[str, Any]]
    func: Any
    # Name under which Durable looks the function up (orchestration=/activity=/entity_name=).
    durable_name: str | None = None
    client_binding_names: list[str] = field(default_factory=list)

    @property
    def is_http(self) -> bool:
        return self.trigger_type == "httpTrigger"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trigger": self.trigger_type,
            "durableName": self.durable_name,
            "bindings": [_jsonable(b) for b in self.bindings],
        }


@dataclass
class LoadedApp:
    app_dir: Path
    host_json: dict[str, Any]
    settings: dict[str, str]
    functions: list[FunctionInfo]

    def by_name(self, name: str) -> FunctionInfo | None:
        lowered = name.lower()
        return next((f for f in self.functions if f.name.lower() == lowered), None)

    def durable(self, trigger_type: str, name: str) -> FunctionInfo | None:
        """Durable names match case-insensitively, like the real host."""
        lowered = name.lower()
        for info in self.functions:
            if info.trigger_type == trigger_type and (info.durable_name or "").lower() == lowered:
                return info
        return None

    @property
    def task_hub(self) -> str:
        durable = self.host_json.get("extensions", {}).get("durableTask", {})
        return str(durable.get("hubName") or "TestHubName")

    @property
    def route_prefix(self) -> str:
        http = self.host_json.get("extensions", {}).get("http", {})
        return str(http.get("routePrefix", "api")).strip("/")

    def durable_setting(self, key: str, default: int) -> int:
        durable = self.host_json.get("extensions", {}).get("durableTask", {})
        return int(durable.get(key, default))

    @property
    def versioning(self) -> Versioning:
        """`defaultVersion`, `versionMatchStrategy`, `versionFailureStrategy` (host.json)."""
        durable = self.host_json.get("extensions", {}).get("durableTask", {})
        return Versioning.from_host_json(durable)

    @property
    def function_timeout(self) -> float | None:
        """host.json `functionTimeout` in seconds; None = unbounded ("-1" or null)."""
        return parse_function_timeout(self.host_json)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return _jsonable(value.value)
    return value


def read_settings(app_dir: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    path = app_dir / "local.settings.json"
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise AppLoadError(f"{path} is not valid JSON: {exc}") from exc
        values.update(_file_values(path, data))
    values.update(os.environ)
    return values


def _file_values(path: Path, data: Any) -> dict[str, str]:
    """`Values` of local.settings.json; any other shape is refused with what to write instead."""
    if not isinstance(data, dict):
        raise AppLoadError(
            f"{path} must be a JSON object like"
            f' {{"IsEncrypted": false, "Values": {{"NAME": "value"}}}}, not {type(data).__name__}'
        )
    values = data.get("Values") or {}
    if not isinstance(values, dict):
        raise AppLoadError(
            f"{path}: 'Values' must be a JSON object of setting names to values"
            f' ({{"NAME": "value"}}), not {type(values).__name__}'
        )
    return {str(k): str(v) for k, v in values.items()}


def load_app(app_dir: Path) -> LoadedApp:
    app_dir = app_dir.resolve()
    entry = app_dir / "function_app.py"
    if not entry.is_file():
        raise AppLoadError(f"{entry} not found: --app-dir must hold a v2 function_app.py")
    host_path = app_dir / "host.json"
    try:
        host_json = json.loads(host_path.read_text()) if host_path.exists() else {}
    except json.JSONDecodeError as exc:
        raise AppLoadError(f"{host_path} is not valid JSON: {exc}") from exc
    settings = read_settings(app_dir)
    host_json = with_overrides(host_json, settings)
    _check_host_json(host_path, host_json)
    for key, value in settings.items():
        os.environ.setdefault(key, value)
    os.chdir(app_dir)
    sys.path.insert(0, str(app_dir))
    try:
        module = importlib.import_module("function_app")
    except Exception as exc:
        raise AppLoadError(f"importing {entry} failed: {type(exc).__name__}: {exc}") from exc
    functions = _discover(module)
    return LoadedApp(app_dir=app_dir, host_json=host_json, settings=settings, functions=functions)


HOST_OVERRIDE_PREFIX = "AzureFunctionsJobHost__"


def with_overrides(host_json: Any, settings: dict[str, str]) -> Any:
    """App settings `AzureFunctionsJobHost__path__to__key=value` override host.json values, as
    in Azure (learn.microsoft.com host.json reference, "Override host.json values"), e.g.
    `AzureFunctionsJobHost__extensions__durableTask__defaultVersion=2.0`. Keys match
    case-insensitively; the value is the setting's text."""
    if not isinstance(host_json, dict):
        return host_json
    for name, value in sorted(settings.items()):
        if not name.lower().startswith(HOST_OVERRIDE_PREFIX.lower()):
            continue
        path = [p for p in name[len(HOST_OVERRIDE_PREFIX) :].split("__") if p]
        node = host_json
        for key in path[:-1]:
            found = next((k for k in node if k.lower() == key.lower()), key)
            if not isinstance(node.get(found), dict):
                node[found] = {}
            node = node[found]
        if path:
            node[next((k for k in node if k.lower() == path[-1].lower()), path[-1])] = value
    return host_json


def _check_host_json(path: Path, host_json: Any) -> None:
    """Settings the host enforces must be readable before anything starts."""
    if not isinstance(host_json, dict):
        raise AppLoadError(f"{path} must be a JSON object")
    try:
        parse_function_timeout(host_json)
        Versioning.from_host_json(host_json.get("extensions", {}).get("durableTask", {}))
    except ValueError as exc:
        raise AppLoadError(f"{path}: {exc}") from exc


def _discover(module: Any) -> list[FunctionInfo]:
    from azure.functions import FunctionRegister

    registers = [v for v in vars(module).values() if isinstance(v, FunctionRegister)]
    if not registers:
        raise AppLoadError("function_app.py defines no FunctionApp/DFApp instance at module level")
    found: list[FunctionInfo] = []
    for register in registers:
        for function in register.get_functions():
            bindings = [_jsonable(b) for b in function.get_bindings_dict()["bindings"]]
            trigger = next(b for b in bindings if b["type"].lower().endswith("trigger"))
            info = FunctionInfo(
                name=str(function.get_function_name()),
                trigger_type=trigger["type"],
                trigger=trigger,
                bindings=bindings,
                func=function.get_user_function(),
                client_binding_names=[b["name"] for b in bindings if b["type"] == "durableClient"],
            )
            info.durable_name = {
                "orchestrationTrigger": trigger.get("orchestration"),
                "activityTrigger": trigger.get("activity"),
                "entityTrigger": trigger.get("entityName"),
            }.get(trigger["type"]) or (
                info.name
                if trigger["type"] in ("orchestrationTrigger", "activityTrigger", "entityTrigger")
                else None
            )
            found.append(info)
    return found
