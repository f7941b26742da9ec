"""Long-running operation records (the resources behind Azure-AsyncOperation and Location)."""

from __future__ import annotations

import uuid
from typing import Any

from sandbox.arm import faults
from sandbox.arm.clock import to_iso
from sandbox.arm.store import Store

TERMINAL = ("Succeeded", "Failed", "Canceled")


def start_operation(
    store: Store, kind: str, target: str, location: str, method: str, path: str
) -> dict[str, Any]:
    """Record a new operation; an `lro_outcome` fault may decide it ends Failed or Canceled."""
    op: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "target": target,
        "location": location,
        "start": store.now(),
        "polls": 0,
        "outcome": None,
        "final": None,
    }
    rule = faults.take_lro_outcome(store, method, path)
    if rule is not None:
        op["outcome"] = {
            "status": rule["outcome"],
            "code": rule["code"],
            "message": rule["message"],
        }
    store.collection("operations")[op["id"]] = op
    return op


def finish(
    store: Store, op: dict[str, Any], status: str, error: dict[str, Any] | None = None
) -> None:
    op["final"] = {"status": status, "end": store.now(), "error": error}


def settle_by_time(store: Store, op: dict[str, Any]) -> None:
    """A short operation ends once `resource_operation_seconds` of simulated time passed."""
    if op["final"] is not None:
        return
    if store.now() >= op["start"] + float(store.settings["resource_operation_seconds"]):
        _finish_simple(store, op)


def simple_operation_status(store: Store, op: dict[str, Any]) -> None:
    """A create/update/delete whose effect is already applied ends after a few status polls
    (or once its simulated duration passed)."""
    op["polls"] += 1
    if op["outcome"] or op["polls"] >= int(store.settings["lro_polls_to_complete"]):
        _finish_simple(store, op)
    else:
        settle_by_time(store, op)


def _finish_simple(store: Store, op: dict[str, Any]) -> None:
    if op["outcome"]:
        outcome = op["outcome"]
        finish(
            store, op, outcome["status"], {"code": outcome["code"], "message": outcome["message"]}
        )
    else:
        finish(store, op, "Succeeded")


def render(op: dict[str, Any], status: str, error: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": op["id"], "status": status, "startTime": to_iso(op["start"])}
    final = op.get("final")
    if final:
        body["endTime"] = to_iso(final["end"])
    if status in ("Failed", "Canceled"):
        body["error"] = error or {"code": "OperationFailed", "message": f"The operation {status}."}
    return body


def urls(base: str, sub: str, op: dict[str, Any], api_version: str) -> dict[str, str]:
    """The Azure-AsyncOperation (status) and Location (result) URLs of an operation."""
    prefix = f"{base}/subscriptions/{sub}/providers/Microsoft.Compute/locations/{op['location']}"
    query = f"?api-version={api_version}"
    return {
        "Azure-AsyncOperation": f"{prefix}/operations/{op['id']}{query}",
        "Location": f"{prefix}/operationResults/{op['id']}{query}",
    }
