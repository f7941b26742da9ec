"""`replication_monitor`: watch one image version's regions until each added one is terminal.

One poll per execution: wait until the scheduled poll time (`next_poll_at`, set from the
progress model by `replication_state.advance`), read replication once, then `continue_as_new`,
so the history stays a few events long however long replication takes. A chunk that starts
with a poll time in the future waits first: no extra read when the parent calls it again.
It returns to the parent run whenever something worth reporting changed (a region completed,
failed, was retried or crossed a 25 % step), when every added region is terminal (the parent
then decides: promote, add the next wave, fail) or after `CHUNK_POLLS` quiet polls.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any

import azure.durable_functions as df

from galleryflow.durable.names import Activity, Orchestration
from orchestrators import bp
from orchestrators.calls import call
from orchestrators.replication_state import advance, all_terminal, mark_retry

CHUNK_POLLS = 36


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.REPLICATION_MONITOR)
def replication_monitor(
    context: df.DurableOrchestrationContext,
) -> Generator[Any, Any, dict[str, Any] | None]:
    state: dict[str, Any] = context.get_input()
    due = state.get("next_poll_at")
    if due and datetime.fromisoformat(due) > context.current_utc_datetime:
        yield context.create_timer(datetime.fromisoformat(due))
    target = {"target": state["target"], "version": state["version"]}
    resource = f"{state['target']['definition']}/versions/{state['version']}"
    observed = yield from call(
        context, Activity.READ_REPLICATION, target, step="replicate", resource=resource
    )
    state, retry, changed = advance(
        state, observed.get("regions", {}), context.current_utc_datetime
    )
    if retry:
        specs = [state["regions"][name]["spec"] for name in retry]
        answer = yield from call(
            context,
            Activity.RETRY_REGION,
            {**target, "regions": specs},
            step="replicate",
            resource=f"{resource} in {', '.join(retry)}",
        )
        # ARM takes no update while a region still replicates (docs/azure-facts.md#q1)
        mark_retry(
            state, retry, deferred=bool(answer.get("deferred")), now=context.current_utc_datetime
        )
    if changed or all_terminal(state) or state["polls"] >= CHUNK_POLLS:
        state["polls"] = 0
        return state
    state["polls"] += 1
    context.continue_as_new(state)
    return None
