"""The `devops_callback` watcher: reports one publish run back to one DevOps job.

It looks at the run, feeds new log lines to the job's timeline, waits on a durable timer
and continues as new (history stays small however long the run takes); when the run has
ended it posts TaskCompleted succeeded/failed. Its activities (activities/devops.py) hold
the I/O: delivery retries live in the DevOps client; a callback that still cannot be
delivered is logged loudly, without the token.

The AuthToken travels in this orchestration's input (Durable storage, like app
settings); it is never put in custom status, outputs or logs, and the API never shows
this orchestration. `POST /api/devops/task` (triggers/devops_task.py) starts it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from galleryflow.devops.lines import new_lines, next_poll_seconds, unreadable
from galleryflow.durable.names import Activity, Orchestration
from orchestrators import bp

logger = logging.getLogger("galleryflow.devops")

SNAPSHOT_RETRY = df.RetryOptions(
    first_retry_interval_in_milliseconds=5000, max_number_of_attempts=5
)


@bp.orchestration_trigger(context_name="context", orchestration=Orchestration.DEVOPS_WATCHER)
def devops_callback(context: df.DurableOrchestrationContext) -> Any:
    state = context.get_input()
    try:
        snapshot = yield context.call_activity_with_retry(
            Activity.DEVOPS_SNAPSHOT, SNAPSHOT_RETRY, state["run_id"]
        )
    except Exception:
        # The run cannot be read any more: say so and release the job instead of leaving
        # it waiting for its timeout.
        if not context.is_replaying:
            logger.error("DevOps watcher cannot read run %s; reporting failed", state["run_id"])
        snapshot = unreadable(state["run_id"])
    lines = new_lines(state.get("seen", []), snapshot["log"])
    if not state.get("announced"):
        lines.insert(0, f"galleryflow run {state['run_id']}: GET /api/runs/{state['run_id']}")
    if snapshot["finished"]:
        lines.append(snapshot["final_line"])
    if lines:
        yield context.call_activity(
            Activity.DEVOPS_SEND, {"task": state["task"], "run_id": state["run_id"], "feed": lines}
        )
    if snapshot["finished"]:
        sent = yield context.call_activity(
            Activity.DEVOPS_SEND,
            {"task": state["task"], "run_id": state["run_id"], "completed": snapshot["succeeded"]},
        )
        return {
            "run_id": state["run_id"],
            "succeeded": snapshot["succeeded"],
            "delivered": sent["delivered"],
        }
    quiet = 0 if lines else int(state.get("quiet_rounds", 0)) + 1
    poll = next_poll_seconds(quiet, snapshot["poll_seconds"], snapshot["poll_max_seconds"])
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=poll))
    next_state = {**state, "seen": snapshot["log"], "quiet_rounds": quiet, "announced": True}
    context.continue_as_new(next_state)
    return None
