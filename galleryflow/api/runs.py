"""Turn a Durable instance status into the run summary a person reads.

The summary never carries the raw Durable status, its management URLs or the instance
input; only what the run reports about itself (custom status, output) in a fixed shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.names import Orchestration
from galleryflow.identity.audit import ACTIONS as AUDIT_ACTIONS

# Orchestrations the API exposes as runs, and the short kind a reader sees.
RUN_KINDS = {
    Orchestration.PUBLISH: "publish",
    Orchestration.ROLLBACK: "rollback",
    Orchestration.PRUNE: "prune",
    Orchestration.CHANGE_VERSION: "change",
}

FINISHED_STATES = ("succeeded", "partially_succeeded", "failed", "canceled")
STATES = ("pending", "running", "awaiting_approval", *FINISHED_STATES)

_RUNTIME_TO_STATE = {
    "Pending": "pending",
    "Running": "running",
    "ContinuedAsNew": "running",
    "Suspended": "running",
    "Completed": "succeeded",
    "Failed": "failed",
    "Canceled": "canceled",
    "Terminated": "canceled",
}

_MAX_LOG_LINES = 20
_MAX_AUDIT = 20
# The publish orchestrator fails a cancelled run with "<step> failed on <res>: Cancelled: ..."
_CANCELLED_MARK = ": Cancelled: "
_MAX_TEXT = 2000


def status_dict(status: Any) -> dict[str, Any]:
    """A Durable client status object (anything with `to_json()`) as plain JSON."""
    data = status.to_json() if status else {}
    # Newer SDKs give the enum name; keep the status as the plain word either way.
    runtime = data.get("runtimeStatus")
    data["runtimeStatus"] = getattr(runtime, "value", runtime)
    return dict(data)


def run_kind(orchestration_name: str | None) -> str | None:
    if orchestration_name is None:
        return None
    return RUN_KINDS.get(orchestration_name.lower())


def run_state(runtime_status: str | None, custom: dict[str, Any], output: Any) -> str:
    state = _RUNTIME_TO_STATE.get(runtime_status or "", "pending")
    if state == "failed" and _CANCELLED_MARK in str(output or custom.get("error") or ""):
        return "canceled"  # a `cancel` event ends the run as a failure naming Cancelled
    if state == "running" and awaiting_approval(custom):
        return "awaiting_approval"
    if state == "succeeded" and isinstance(output, dict):
        if output.get("status") == "partially_succeeded":
            return "partially_succeeded"
        if output.get("status") in ("canceled", "cancelled"):
            return "canceled"
    return state


def is_finished(state: str) -> bool:
    return state in FINISHED_STATES


def summarize(status: dict[str, Any], links: dict[str, str] | None = None) -> dict[str, Any]:
    """`status` is the Durable status as plain JSON (name, instanceId, runtimeStatus,
    customStatus, output, createdTime, lastUpdatedTime); anything else in it is ignored."""
    custom = status.get("customStatus")
    custom = custom if isinstance(custom, dict) else {}
    output = status.get("output")
    runtime = status.get("runtimeStatus")
    state = run_state(runtime, custom, output)
    created = _iso(status.get("createdTime"))
    updated = _iso(status.get("lastUpdatedTime"))
    result = output if isinstance(output, dict) and state != "failed" else None
    return {
        "id": str(status.get("instanceId") or ""),
        "kind": run_kind(status.get("name")) or "other",
        "state": state,
        "finished": is_finished(state),
        "step": _text(custom.get("step")) or _default_step(state),
        "version": _text(custom.get("version")) or _text((result or {}).get("version")),
        "definition": _text(custom.get("definition"))
        or _definition_from_input(status.get("input")),
        "regions": _regions(custom.get("regions")),
        "waves": _waves(custom.get("waves")),
        "galleries": _galleries(custom),
        "log": [_text(line) or "" for line in as_list(custom.get("log"))[-_MAX_LOG_LINES:]],
        "created": created,
        "updated": updated,
        "duration_seconds": _duration(created, updated),
        "error": _error(state, custom, output),
        "result": result,
        "audit": _audit(custom.get("audit")),
        "links": dict(links or {}),
    }


def refusal_of(status: dict[str, Any]) -> dict[str, Any] | None:
    """A failed rollback run's refusal ({"reasons", "before", "after"}), else None."""
    custom = status.get("customStatus")
    refusal = custom.get("refusal") if isinstance(custom, dict) else None
    if status.get("runtimeStatus") != "Failed" or not isinstance(refusal, dict):
        return None
    return refusal


def _definition_from_input(run_input: Any) -> str | None:
    """Rollback and prune runs do not name their definition in custom status; their input
    does (only this resource id is taken from the input, nothing else is shown)."""
    if isinstance(run_input, str):
        try:
            run_input = json.loads(run_input)
        except ValueError:
            return None
    if not isinstance(run_input, dict) or not isinstance(run_input.get("gallery"), dict):
        return None
    gallery = run_input["gallery"]
    parts = (gallery.get("subscription_id"), gallery.get("resource_group"), gallery.get("name"))
    definition = run_input.get("image_definition")
    if not all(isinstance(p, str) and p for p in (*parts, definition)):
        return None
    return definition_id(gallery, definition)


def _audit(value: Any) -> list[dict[str, Any]]:
    """The run's audit trail in a fixed shape (principal id, name, provider only)."""
    trail = []
    for item in as_list(value)[-_MAX_AUDIT:]:
        if not isinstance(item, dict) or item.get("action") not in AUDIT_ACTIONS:
            continue
        by = item.get("by")
        record: dict[str, Any] = {
            "action": item["action"],
            "by": {k: _text(by.get(k)) or "" for k in ("id", "name", "provider")}
            if isinstance(by, dict)
            else None,
            "at": _text(item.get("at")),
        }
        if _number(item.get("wave")) is not None:
            record["wave"] = item["wave"]
        for key in ("note", "comment"):
            if item.get(key):
                record[key] = _text(item[key])
        trail.append(record)
    return trail


def awaiting_approval(custom: dict[str, Any]) -> bool:
    """A custom status whose `waves` say an approval gate waits."""
    waves = custom.get("waves")
    return isinstance(waves, dict) and waves.get("awaiting_approval") is True


def _default_step(state: str) -> str | None:
    return {"succeeded": "done", "partially_succeeded": "done", "failed": "failed"}.get(state)


def _regions(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    regions: dict[str, dict[str, Any]] = {}
    for name, info in value.items():
        info = info if isinstance(info, dict) else {}
        regions[str(name)] = {
            "state": _text(info.get("state")),
            "progress": _number(info.get("progress")),
            "attempt": _number(info.get("attempt")),
            "wave": _number(info.get("wave")),
            "replication_started": _iso(info.get("replication_started")),
            "replication_completed": _iso(info.get("replication_completed")),
            "went_live": _iso(info.get("went_live")),
        }
    return regions


def _galleries(custom: dict[str, Any]) -> dict[str, Any] | None:
    """A publish with mirrors: the primary and each mirror gallery's progress."""
    mirrors = custom.get("mirrors")
    if not isinstance(mirrors, list) or not mirrors:
        return None
    own = custom.get("primary_waves")  # set when a mirrors child's progress was folded in
    if not isinstance(own, dict):  # inline mirrors (1.0): a waiting mirror wave is not ours
        waiting = any(awaiting_approval(m) for m in mirrors if isinstance(m, dict))
        own = {**_dict(custom.get("waves")), **({"awaiting_approval": False} if waiting else {})}
    return {
        "primary": {
            "definition": _text(custom.get("definition")),
            "regions": _regions(custom.get("regions")),
            "waves": _waves(own),
        },
        "mirrors": [
            {
                "definition": _text(m.get("definition")),
                "state": _text(m.get("state")),
                "step": _text(m.get("step")),
                "regions": _regions(m.get("regions")),
                "waves": _waves(m.get("waves")),
                "log": [_text(line) or "" for line in as_list(m.get("log"))[-_MAX_LOG_LINES:]],
                "error": _text(m.get("error")),
            }
            for m in mirrors
            if isinstance(m, dict)
        ],
    }


def _waves(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {
        "current": _number(value.get("current")),
        "total": _number(value.get("total")),
        "awaiting_approval": value.get("awaiting_approval") is True,
    }


def _error(state: str, custom: dict[str, Any], output: Any) -> dict[str, str] | None:
    if state == "failed":
        message = _text(custom.get("error")) or _text(output) or "the run failed"
        return {"message": message}
    if state == "canceled":
        reason = _text(custom.get("error")) or _text(output)
        return {"message": reason or "the run was canceled or terminated"}
    error = custom.get("error")
    if error:
        return {"message": _text(error) or "error"}
    return None


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return value
    return None


def _duration(created: str | None, updated: str | None) -> float | None:
    if not created or not updated:
        return None
    try:
        start = datetime.fromisoformat(created.replace("Z", "+00:00"))
        end = datetime.fromisoformat(updated.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, round((end - start).total_seconds(), 3))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("message") or value.get("code") or ""
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
