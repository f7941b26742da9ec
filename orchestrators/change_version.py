"""`change_version`: change an existing image version — add regions (replicate, then promote),
remove regions, change replica counts, set the end of life, or undo a rollback.

Holds the definition's `resource_lock` like every other run (released on every path).
`cancel` is honoured before the first write (nothing changed) and while added regions
replicate (they never went live: the run fails `Cancelled`, the regions stay excluded);
after the writes there is nothing left to stop (a warning says so).
Thin and deterministic like the others: the plan (or the refusal, with latest per region
before/after) comes from the domain through `plan_version_change`; the PATCHes from
`apply_version_change`; added regions are watched by the same `replication_monitor` a
publish uses (a failed region is retried by removing and re-adding it). Custom status
`{"step": "change|replicate|promote|done|failed", "change", "version", "log"[, "refusal"]}`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskState

from galleryflow.domain.request_parts import ReplicationPolicy
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event, Orchestration
from galleryflow.identity import audit
from orchestrators import bp
from orchestrators.calls import call
from orchestrators.definition_run import emit_event, holding_targets
from orchestrators.replication_state import all_terminal, initial_state

# Added regions are watched with the publish request's replication defaults.
DEFAULTS = ReplicationPolicy()


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.CHANGE_VERSION)
def change_version(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request, started_by = audit.split_starter(context.get_input())
    cancel = context.wait_for_external_event(Event.CANCEL)  # one waiter for the whole run
    body = _change(context, request, started_by, cancel)
    target = {"gallery": request["gallery"], "definition": request["image_definition"]}
    return (yield from holding_targets(context, "change", [target], body, cancel))


def _change(
    context: df.DurableOrchestrationContext,
    request: dict[str, Any],
    started_by: dict[str, Any] | None,
    cancel: Any,
) -> Generator[Any, Any, dict[str, Any]]:
    target = {"gallery": request["gallery"], "definition": request["image_definition"]}
    version, kind = str(request["version"]), str(request["change"])
    resource = f"{request['image_definition']}/versions/{version}"
    log: list[str] = [f"{kind}: planning"]

    def status(step: str, line: str, **extra: Any) -> None:
        log.append(line)
        context.set_custom_status(
            {"step": step, "change": kind, "version": version, "log": log[-5:], **extra}
        )

    def changing(name: str, payload: dict[str, Any]) -> Generator[Any, Any, dict[str, Any]]:
        return call(context, name, payload, step="change", resource=resource)

    status("change", "reading the definition's versions")
    plan = yield from changing(Activity.PLAN_VERSION_CHANGE, {"target": target, "change": request})
    if plan["refused"]:
        refusal = {k: plan.get(k) for k in ("reasons", "before", "after")}
        status("failed", "; ".join(plan["reasons"]), refusal=refusal)
        raise StepFailed("change", resource, "VersionChangeRefused", "; ".join(plan["reasons"]))
    if cancel.is_completed:  # before the first write: nothing was changed
        raise _cancelled(cancel, "change", resource, "nothing was changed")
    applied = yield from changing(
        Activity.APPLY_VERSION_CHANGE, {"target": target, "version": version, "plan": plan}
    )
    status("change", f"applied: regions {', '.join(applied['regions'])}")
    warnings = list(plan.get("reasons") or [])
    if plan.get("added"):
        yield from _replicate(context, target, version, plan["added"], resource, status, cancel)
        if plan.get("promote"):
            yield from call(
                context,
                Activity.SET_EXCLUDE_FROM_LATEST,
                {
                    "target": target,
                    "version": version,
                    "global": None,
                    "regions": {t["name"]: False for t in plan["added"]},
                },
                step="promote",
                resource=resource,
            )
            status("promote", f"promoted in {', '.join(t['name'] for t in plan['added'])}")
    latest = yield from changing(Activity.RESOLVE_LATEST, {"target": target})
    if cancel.is_completed:  # after the writes: nothing left to stop (a write stays)
        by = audit.describe(*audit.decision_of(cancel.result))
        warnings_late = [f"cancel{by} arrived after the change was applied: nothing was undone"]
    else:
        warnings_late = []
    scope = sorted(plan.get("before") or {})
    result = {
        "change": kind,
        "version": version,
        "regions": applied["regions"],
        "end_of_life": applied.get("end_of_life"),
        "before": plan.get("before") or {},
        "after": {r: latest["latest"].get(r) for r in scope},
        "warnings": warnings + warnings_late,
    }
    data = {**result, "definition": request["image_definition"], "by": started_by}
    if lost := (yield from emit_event(context, "version-changed", data)):
        warnings.append(lost)
    status("done", f"{kind} done")
    return result


def _replicate(
    context: df.DurableOrchestrationContext,
    target: dict[str, Any],
    version: str,
    added: list[dict[str, Any]],
    resource: str,
    status: Any,
    cancel: Any,
) -> Generator[Any, Any, None]:
    state = initial_state(
        target=target,
        version=version,
        target_regions=added,
        max_region_retries=DEFAULTS.max_region_retries,
        stall_minutes=DEFAULTS.stall_minutes,
        region_timeout_minutes=DEFAULTS.region_timeout_minutes,
        now=context.current_utc_datetime,
    )
    status("replicate", f"replicating to {', '.join(t['name'] for t in added)}")
    chunk = 0
    while not all_terminal(state):
        chunk += 1
        child = f"{context.instance_id}-rep-{chunk}"
        monitor = context.call_sub_orchestrator(
            Orchestration.REPLICATION_MONITOR, state, instance_id=child
        )
        winner = yield context.task_any([cancel, monitor])
        if winner == cancel:  # the added regions never went live: stop watching them
            yield from call(
                context,
                Activity.STOP_CHILD_RUN,
                {"run_id": child, "how": "terminate", "reason": "change cancelled"},
                step="replicate",
                resource=child,
            )
            names = ", ".join(t["name"] for t in added)
            raise _cancelled(
                cancel,
                "replicate",
                resource,
                f"{names} stay in the version, excluded from latest, and finish replicating "
                "(remove them with a remove-regions change)",
            )
        if winner.state is TaskState.FAILED:
            raise winner.result
        state = winner.result
    failed = sorted(n for n, r in state["regions"].items() if r["state"] != "Completed")
    if failed:
        details = state["regions"][failed[0]].get("details") or "replication failed"
        raise StepFailed("replicate", f"{resource} in {failed[0]}", "ReplicationFailed", details)
    status("replicate", "replicated")


def _cancelled(cancel: Any, step: str, resource: str, what: str) -> StepFailed:
    """The failure a cancelled change ends with (API state `canceled`)."""
    by = audit.describe(*audit.decision_of(cancel.result))
    return StepFailed(step, resource, "Cancelled", f"cancelled{by}; {what}")
