"""function_app.py is what Azure loads: it must import cleanly and register exactly the
functions galleryflow is made of, each with the trigger type the host will bind."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

EXPECTED = {
    # orchestrations
    "publish_image": "orchestrationTrigger",
    "replication_monitor": "orchestrationTrigger",
    "rollback_image": "orchestrationTrigger",
    "prune_image": "orchestrationTrigger",
    "devops_callback": "orchestrationTrigger",
    # activities
    "preflight_publish": "activityTrigger",
    "run_liveness": "activityTrigger",
    "resource_lock": "entityTrigger",
    "set_vm_power_state": "activityTrigger",
    "generalize_vm": "activityTrigger",
    "start_patch_operation": "activityTrigger",
    "poll_patch_operation": "activityTrigger",
    "start_run_command": "activityTrigger",
    "read_run_command": "activityTrigger",
    "capture_image_version": "activityTrigger",
    "read_replication": "activityTrigger",
    "retry_region_replication": "activityTrigger",
    "set_exclude_from_latest": "activityTrigger",
    "resolve_latest": "activityTrigger",
    "prune_versions": "activityTrigger",
    "delete_image_version": "activityTrigger",
    "plan_rollback": "activityTrigger",
    "emit_event": "activityTrigger",
    "devops_run_snapshot": "activityTrigger",
    "devops_send": "activityTrigger",
    # HTTP API
    "api_publish": "httpTrigger",
    "api_run_get": "httpTrigger",
    "api_runs_list": "httpTrigger",
    "api_run_approve": "httpTrigger",
    "api_run_reject": "httpTrigger",
    "api_run_cancel": "httpTrigger",
    "api_rollback": "httpTrigger",
    "api_rollback_preview": "httpTrigger",
    "api_prune": "httpTrigger",
    "api_versions": "httpTrigger",
    "api_openapi": "httpTrigger",
    "api_health": "httpTrigger",
    "api_devops_task": "httpTrigger",
    "api_devops_hook": "httpTrigger",
    # timer
    "nightly_rebuild": "timerTrigger",
}


@pytest.fixture(scope="module")
def functions() -> dict[str, dict[str, Any]]:
    # get_functions() may be called once per app: it indexes (and de-duplicates) them.
    app = importlib.import_module("function_app").app
    return {f.get_function_name(): json.loads(f.get_function_json()) for f in app.get_functions()}


def _trigger(function_json: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in function_json["bindings"] if b["type"].endswith("Trigger"))


def test_function_app_registers_every_function_with_its_trigger(
    functions: dict[str, dict[str, Any]],
) -> None:
    assert {name: _trigger(fj)["type"] for name, fj in functions.items()} == EXPECTED


def test_http_routes_are_keyed_except_health(functions: dict[str, dict[str, Any]]) -> None:
    levels = {
        name: _trigger(fj)["authLevel"]
        for name, fj in functions.items()
        if _trigger(fj)["type"] == "httpTrigger"
    }
    assert {name for name, level in levels.items() if level.lower() == "anonymous"} == {
        "api_health"
    }
    assert {level.lower() for name, level in levels.items() if name != "api_health"} == {"function"}
