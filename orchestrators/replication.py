"""`replication_monitor`: watch one image version's regions until each is Completed or Failed.

One poll per execution, then a durable timer and `continue_as_new`, so the history stays a
few events long however long replication takes. It returns to the parent run whenever
something worth reporting changed (a region completed, failed, was retried or crossed a
25 % step) or after `CHUNK_POLLS` quiet polls; the parent then updates its custom status and
calls it again. The parent's history therefore grows with regions, not with time.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from galleryflow.durable.names import Activity, Orchestration
from orchestrators import bp
from orchestrators.calls import call
from orchestrators.polling import next_delay
from orchestrators.replication_state import advance, all_terminal, mark_retry

CHUNK_POLLS = 36


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.REPLICATION_MONITOR)
def replication_monitor(
    context: df.DurableOrchestrationContext,
) -> Generator[Any, Any, dict[str, Any] | None]:
    state: dict[str, Any] = context.get_input()
    target = {"target": state["target"], "version": state["version"]}
    resource = f"{state['target']['definition']}/versions/{state['version']}"
    observed = yield from call(
        context, Activity.READ_REPLICATION, target, step="replicate", resource=resource
    )
    now = context.current_utc_datetime
    state, retry, changed = advance(state, observed.get("regions", {}), now)
    for name in retry:
        region = state["regions"][name]
        answer = yield from call(
            context,
            Activity.RETRY_REGION,
            {**target, "region": region["spec"]},
            step="replicate",
            resource=f"{resource} in {name}",
        )
        # ARM takes no update while other regions still replicate (docs/azure-facts.md#q1)
        mark_retry(region, deferred=bool(answer.get("deferred")), now=now)
    if changed or all_terminal(state) or state["polls"] >= CHUNK_POLLS:
        state["polls"] = 0
        return state
    state["delay"] = next_delay(state["delay"])
    state["polls"] += 1
    yield context.create_timer(now + timedelta(seconds=state["delay"]))
    context.continue_as_new(state)
    return None
