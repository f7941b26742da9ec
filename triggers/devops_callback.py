"""The `devops_callback` watcher: reports one publish run back to one DevOps job.

It looks at the run, feeds new log lines to the job's timeline, waits on a durable timer
and continues as new (history stays small however long the run takes); when the run has
ended it posts TaskCompleted succeeded/failed. Delivery retries live in the DevOps client;
a callback that still cannot be delivered is logged loudly, without the token.

The AuthToken travels in this orchestration's input (Durable storage, like app
settings); it is never put in custom status, outputs or logs, and the API never shows
this orchestration.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from galleryflow.api.devops import TaskContext, allowed_hosts_from_setting, check_plan_url
from galleryflow.api.errors import ApiError
from galleryflow.api.runs import summarize
from galleryflow.devops.client import CallbackError, DevOpsClient
from galleryflow.devops.lines import new_lines, next_poll_seconds
from triggers import bp
from triggers.runs_store import status_dict

logger = logging.getLogger("galleryflow.devops")

WATCHER = "devops_callback"
SNAPSHOT = "devops_run_snapshot"
SEND = "devops_send"


def _seconds(setting: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(setting, default)))
    except ValueError:
        return default


SNAPSHOT_RETRY = df.RetryOptions(
    first_retry_interval_in_milliseconds=5000, max_number_of_attempts=5
)


def unreadable(run_id: str) -> dict[str, Any]:
    return {
        "finished": True,
        "succeeded": False,
        "log": [],
        "final_line": f"galleryflow cannot read run {run_id}; see GET /api/runs/{run_id}",
        "poll_seconds": 0,
        "poll_max_seconds": 0,
    }


@bp.orchestration_trigger(context_name="context", orchestration=WATCHER)
def devops_callback(context: df.DurableOrchestrationContext) -> Any:
    state = context.get_input()
    try:
        snapshot = yield context.call_activity_with_retry(SNAPSHOT, SNAPSHOT_RETRY, state["run_id"])
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
            SEND, {"task": state["task"], "run_id": state["run_id"], "feed": lines}
        )
    if snapshot["finished"]:
        sent = yield context.call_activity(
            SEND,
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


@bp.function_name(SNAPSHOT)
@bp.activity_trigger(input_name="runid", activity=SNAPSHOT)
@bp.durable_client_input(client_name="client")
async def devops_run_snapshot(runid: str, client: df.DurableOrchestrationClient) -> dict[str, Any]:
    status = await client.get_status(runid)
    if not status or status.created_time is None:
        return {**unreadable(runid), "final_line": f"galleryflow run {runid} no longer exists"}
    summary = summarize(status_dict(status))
    succeeded = summary["state"] in ("succeeded", "partially_succeeded")
    final = f"galleryflow run {runid} {summary['state']}"
    if summary.get("version"):
        final += f" (version {summary['version']})"
    if summary["error"]:
        final += f": {summary['error']['message']}"
    return {
        "finished": summary["finished"],
        "succeeded": succeeded,
        "log": summary["log"],
        "final_line": final,
        "poll_seconds": _seconds("GALLERYFLOW_DEVOPS_POLL_SECONDS", 15.0),
        "poll_max_seconds": _seconds("GALLERYFLOW_DEVOPS_POLL_MAX_SECONDS", 120.0),
    }


@bp.function_name(SEND)
@bp.activity_trigger(input_name="message", activity=SEND)
def devops_send(message: dict[str, Any]) -> dict[str, Any]:
    task = TaskContext.from_dict(message["task"])
    what = "TaskCompleted" if "completed" in message else "log feed"
    client = DevOpsClient(
        ca_bundle=os.environ.get("GALLERYFLOW_DEVOPS_CA_BUNDLE") or None,
        backoff_seconds=_seconds("GALLERYFLOW_DEVOPS_RETRY_SECONDS", 2.0),
    )
    try:
        # Checked again here: nothing reaches a host outside the allow-list.
        check_plan_url(
            task.plan_url,
            allowed_hosts_from_setting(os.environ.get("GALLERYFLOW_DEVOPS_ALLOWED_HOSTS")),
        )
        if "completed" in message:
            client.task_completed(task, bool(message["completed"]))
        else:
            client.feed(task, [str(line) for line in message["feed"]])
    except (CallbackError, ApiError) as exc:
        logger.error(
            "LOST DevOps callback: %s for run %s could not be delivered to plan %s job %s (%s); "
            "the pipeline job waits until its own timeout",
            what,
            message.get("run_id"),
            task.plan_id,
            task.job_id,
            exc,
        )
        return {"delivered": False, "error": str(exc)}
    return {"delivered": True}
