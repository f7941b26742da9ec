"""A publish run's mirror galleries while its `publish_mirrors` child rolls them out
(orchestrators/mirror_chain.py): the child's progress is folded into the run's status, so
a reader sees one run; an approval gate of a mirror wave is the run's, raised on the child.

Pure: the trigger layer reads both statuses (triggers/runs_store.py) and asks here.
"""

from __future__ import annotations

from typing import Any

from galleryflow.api.runs import as_list, awaiting_approval


def mirrors_child_id(run: dict[str, Any]) -> str | None:
    """The child to read for a run's mirror progress (its custom status names it while the
    child runs; the run's own status has the final word once it took the outcome over)."""
    custom = run.get("customStatus")
    child = custom.get("mirrors_run") if isinstance(custom, dict) else None
    return child if isinstance(child, str) and child else None


def fold_mirrors(run: dict[str, Any], child: dict[str, Any] | None) -> dict[str, Any]:
    """`run` (a Durable status as plain JSON) with the child's per-mirror progress, audit
    (mirror wave approvals) and approval gate; `run` unchanged without a child status."""
    custom = run.get("customStatus")
    if not isinstance(custom, dict) or not isinstance(child, dict):
        return run
    mine = child.get("customStatus")
    if not isinstance(mine, dict):
        return run
    merged = dict(custom)
    if isinstance(mine.get("mirrors"), list) and mine["mirrors"]:
        merged["mirrors"] = mine["mirrors"]
    merged["audit"] = [*as_list(custom.get("audit")), *as_list(mine.get("audit"))]
    waves: dict[str, Any] = custom["waves"] if isinstance(custom.get("waves"), dict) else {}
    merged["primary_waves"] = waves  # the primary's own gate, apart from the mirrors'
    if not waves.get("awaiting_approval") and awaiting_approval(mine):
        merged["waves"] = {**waves, "awaiting_approval": True}
        merged["approval_run"] = str(child.get("instanceId") or mirrors_child_id(run))
    return {**run, "customStatus": merged}


def approval_target(run: dict[str, Any]) -> str:
    """The instance an approve/reject goes to: the run, or its mirrors child when only a
    mirror wave waits (the primary's own gate comes first when both wait)."""
    custom = run.get("customStatus")
    target = custom.get("approval_run") if isinstance(custom, dict) else None
    return str(target or run.get("instanceId") or "")
