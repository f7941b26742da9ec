"""The run lock's state machine (pure): one galleryflow run at a time per image definition
and per source VM, held by every run kind that writes it.

The lock lives in a Durable entity (`resource_lock`, one per resource: docs/pipeline.md
"One run per image definition and per source VM"). Durable runs an entity's operations one
at a time, so `acquire` is atomic in Azure as in the sandbox, unlike reading the list of
live runs. There is no queue: a refused run fails at once naming the holder. A holder found
terminated or purged (never released) is freed with `release_stale`.
"""

from __future__ import annotations

import hashlib
from typing import Any

FREE: dict[str, Any] = {"holder": None}


def lock_key(kind: str, resource_id: str) -> str:
    """The entity key of a resource: `<kind>-<sha256(lower id)[:32]>`. Entity keys end up in
    Azure Storage table and queue names, where `/` is not allowed; ids compare
    case-insensitively in ARM."""
    digest = hashlib.sha256(resource_id.lower().encode("utf-8")).hexdigest()[:32]
    return f"{kind}-{digest}"


def operate(state: Any, op: str, arg: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """One entity operation -> (new state, answer).

    - `acquire {"run_id", "kind", "resource"}`: granted when free or already held by the
      run (a replayed or retried call), else refused naming the holder.
    - `release {"run_id"}`: frees the lock when that run holds it.
    - `release_stale {"holder"}`: frees it only if that (dead) run still holds it, so two
      runs that both found the holder dead cannot free each other's new lock.
    - `read`: the state.
    """
    current = dict(state) if isinstance(state, dict) and state.get("holder") else dict(FREE)
    args = arg if isinstance(arg, dict) else {}
    holder = current.get("holder")
    if op == "acquire":
        run_id = str(args.get("run_id") or "")
        if not run_id:
            return current, {"granted": False, "holder": holder, "error": "run_id is required"}
        if holder in (None, run_id):
            taken = {"holder": run_id, "kind": args.get("kind"), "resource": args.get("resource")}
            return taken, {"granted": True, "holder": run_id}
        return current, {"granted": False, "holder": holder, "kind": current.get("kind")}
    if op in ("release", "release_stale"):
        who = args.get("run_id") if op == "release" else args.get("holder")
        if holder is not None and holder == who:
            return dict(FREE), {"released": True}
        return current, {"released": False, "holder": holder}
    return current, dict(current)
