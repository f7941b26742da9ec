"""`prune_apply`: the retention plan applied one version per activity (sub-orchestration of
`publish_image`'s prune step and of `prune_image`).

Shrinks first (each followed by restoring the safety flag its removal lifted), then
deletions, oldest first, one write at a time and each one awaited: a
region change (PATCH) answers at once while ARM keeps the version `Updating`, so the next
write waits on durable timers until it is done; a delete waits inside its activity. A write
refused because the version is busy (409, another operation in progress) is tried again
after a durable timer. A `cancel` event (the parent passes its own on) stops it before the
next version; a version's writes are never left half done. No activity runs long, so a
prune of many versions never meets `functionTimeout`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event, Orchestration
from orchestrators import bp
from orchestrators.calls import Gen, call

BUSY_WAIT_SECONDS = 60
BUSY_ROUNDS = 6
STATE_POLL_SECONDS = 30
STATE_POLLS = 60  # 30 min of Updating is not a prune any more


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.PRUNE_APPLY)
def prune_apply(context: df.DurableOrchestrationContext) -> Gen:
    """Input as the `prune_versions` activity's; output `{"plan", "applied", "deleted",
    "shrunk", "warnings"}`, plus `"cancelled": true` and `"not_done"` when a `cancel`
    stopped it (checked before each version's writes)."""
    payload: dict[str, Any] = context.get_input()
    target = payload["target"]
    # `cancel` (passed on by the parent run) stops before the next version's writes
    cancel = context.wait_for_external_event(Event.CANCEL)
    planned = yield from call(
        context,
        Activity.PRUNE_VERSIONS,
        # plan only; a lift a dead earlier attempt left is restored before anything else
        {**payload, "apply": False, "restore_lifted": bool(payload.get("apply"))},
        step="prune",
        resource=target["definition"],
        listen=cancel,
    )
    apply = bool(payload.get("apply"))
    result: dict[str, Any] = {
        "plan": planned["plan"],
        "applied": apply,
        "deleted": [],
        "shrunk": [],
        "warnings": list(planned.get("warnings") or []),
    }
    if not apply:
        return result
    oldest_first = list(reversed(planned["plan"]["decisions"]))
    for action, done in (("shrink", "shrunk"), ("delete", "deleted")):
        for decision in oldest_first:
            if decision["action"] == action:
                if cancel.is_completed:  # never between a shrink and its restore
                    result["cancelled"] = True
                    result.setdefault("not_done", []).append(decision["name"])
                    continue
                yield from _write(context, target, decision)
                if action == "shrink":  # the removal lifted the safety flag: put it back
                    yield from _write(context, target, {**decision, "action": "restore_safety"})
                result[done].append(decision["name"])
    return result


def _write(context: df.DurableOrchestrationContext, target: dict[str, Any], decision: Any) -> Gen:
    name = str(decision["name"])
    resource = f"{target['definition']}/versions/{name}"
    payload = {
        "target": target,
        "version": name,
        "action": decision["action"],
        "remove_regions": list(decision.get("remove_regions") or []),
    }
    for _ in range(BUSY_ROUNDS):
        outcome = yield from call(
            context, Activity.PRUNE_ONE, payload, step="prune", resource=resource
        )
        if not outcome.get("busy"):
            break
        yield context.create_timer(
            context.current_utc_datetime + timedelta(seconds=BUSY_WAIT_SECONDS)
        )
    else:
        raise StepFailed(
            "prune", resource, "OperationNotAllowed", f"still busy: {outcome.get('message')}"
        )
    state = outcome.get("state")
    for _ in range(STATE_POLLS):
        if state not in ("Updating", "Creating"):
            break
        yield context.create_timer(
            context.current_utc_datetime + timedelta(seconds=STATE_POLL_SECONDS)
        )
        read = yield from call(
            context,
            Activity.VERSION_STATE,
            {"target": target, "version": name},
            step="prune",
            resource=resource,
        )
        state = read.get("state")
    if state in ("Updating", "Creating", "Failed"):
        raise StepFailed("prune", resource, "VersionNotUpdated", f"the version is {state}")
