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
    "change_version": "orchestrationTrigger",
    "publish_mirrors": "orchestrationTrigger",
    # activities
    "preflight_publish": "activityTrigger",
    "run_liveness": "activityTrigger",
    "stop_child_run": "activityTrigger",
    "signal_child_run": "activityTrigger",
    "prune_one_version": "activityTrigger",
    "read_version_state": "activityTrigger",
    "prune_apply": "orchestrationTrigger",
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
    "promote_and_add_regions": "activityTrigger",
    "resolve_latest": "activityTrigger",
    "prune_versions": "activityTrigger",
    "delete_image_version": "activityTrigger",
    "plan_rollback": "activityTrigger",
    "find_mirrors": "activityTrigger",
    "emit_event": "activityTrigger",
    "devops_run_snapshot": "activityTrigger",
    "devops_send": "activityTrigger",
    "plan_version_change": "activityTrigger",
    "apply_version_change": "activityTrigger",
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
    "api_add_regions": "httpTrigger",
    "api_remove_regions": "httpTrigger",
    "api_set_replicas": "httpTrigger",
    "api_set_end_of_life": "httpTrigger",
    "api_undo_rollback": "httpTrigger",
    "api_undo_rollback_preview": "httpTrigger",
    "api_versions": "httpTrigger",
    "api_openapi": "httpTrigger",
    "api_health": "httpTrigger",
    "api_devops_task": "httpTrigger",
    "api_devops_hook": "httpTrigger",
    # timer
    "nightly_rebuild": "timerTrigger",
}


@pytest.fixture(scope="module")
def indexed() -> list[Any]:
    # get_functions() may be called once per app: it indexes (and de-duplicates) them.
    return list(importlib.import_module("function_app").app.get_functions())


@pytest.fixture(scope="module")
def functions(indexed: list[Any]) -> dict[str, dict[str, Any]]:
    return {f.get_function_name(): json.loads(f.get_function_json()) for f in indexed}


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


def test_every_http_route_declares_its_role_and_openapi_lists_each(indexed: list[Any]) -> None:
    """One place enforces roles: each HTTP function is wrapped by triggers.auth.requires,
    and the served document names every operation's role."""
    from galleryflow.api.openapi import build_openapi
    from triggers.auth import REQUIRED_ROLES

    for function in indexed:
        if _trigger(json.loads(function.get_function_json()))["type"] != "httpTrigger":
            continue
        user_function = function.get_user_function()
        assert getattr(user_function, "route_access", None) is not None, function
    doc = build_openapi(roles=REQUIRED_ROLES)
    operations = {op["operationId"]: op for item in doc["paths"].values() for op in item.values()}
    assert set(operations) == set(REQUIRED_ROLES)
    roles = {name: op["x-required-role"] for name, op in operations.items()}
    assert roles == {
        "publish": "publisher",
        "listRuns": "reader",
        "getRun": "reader",
        "approveRun": "approver",
        "rejectRun": "approver",
        "cancelRun": "publisher or operator",
        "rollback": "operator",
        "rollbackPreview": "reader",
        "prune": "operator",
        "addRegions": "publisher",
        "removeRegions": "publisher",
        "setReplicas": "publisher",
        "setEndOfLife": "publisher",
        "undoRollback": "operator",
        "undoRollbackPreview": "reader",
        "listVersions": "reader",
        "devopsTask": "publisher",
        "devopsHook": "publisher",
        "openapi": "reader",
        "health": "anonymous",
    }
    assert all("403" in op["responses"] for name, op in operations.items() if name != "health")
    assert "Required role: approver." in operations["approveRun"]["description"]


def test_with_easy_auth_people_routes_use_entra_id_and_devops_routes_keys() -> None:
    from galleryflow.api.openapi import build_openapi
    from triggers.auth import REQUIRED_ROLES

    doc = build_openapi(roles=REQUIRED_ROLES, easy_auth=True)
    assert doc["components"]["securitySchemes"]["entraId"]["scheme"] == "bearer"
    assert doc["paths"]["/api/publish"]["post"]["security"] == [{"entraId": []}]
    assert "security" not in doc["paths"]["/api/devops/task"]["post"]  # the keyed default


def test_docs_api_lists_each_routes_role() -> None:
    from pathlib import Path

    from galleryflow.api.openapi import build_openapi
    from triggers.auth import REQUIRED_ROLES

    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    for path, item in build_openapi()["paths"].items():
        for method, operation in item.items():
            access = REQUIRED_ROLES[operation["operationId"]]
            names = (f"`{method.upper()} {path}", f"· `/{path.rsplit('/', 1)[-1]}`")
            row = next((r for r in rows if any(n in r.split(" | ")[0] for n in names)), None)
            assert row is not None, f"docs/api.md has no row for {method.upper()} {path}"
            for role in access.roles:
                assert role in row, f"docs/api.md: {path} row does not name {role}"
