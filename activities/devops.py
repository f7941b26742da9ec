"""Activities of the `devops_callback` watcher (orchestrators/devops_callback.py): read the
publish run it reports on, and deliver feed lines / TaskCompleted to the DevOps job."""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df

from activities import bp
from galleryflow.api.runs import status_dict, summarize
from galleryflow.devops.client import CallbackError, DevOpsClient
from galleryflow.devops.errors import DevOpsInputError
from galleryflow.devops.lines import unreadable
from galleryflow.devops.task import TaskContext, check_plan_url
from galleryflow.durable.names import Activity
from galleryflow.settings import AppSettings

logger = logging.getLogger("galleryflow.devops")


@bp.function_name(Activity.DEVOPS_SNAPSHOT)
@bp.activity_trigger(input_name="runid", activity=Activity.DEVOPS_SNAPSHOT)
@bp.durable_client_input(client_name="client")
async def devops_run_snapshot(runid: str, client: df.DurableOrchestrationClient) -> dict[str, Any]:
    status = await client.get_status(runid)
    if not status or status.created_time is None:
        return {**unreadable(runid), "final_line": f"galleryflow run {runid} no longer exists"}
    settings = AppSettings.from_env()
    summary = summarize(status_dict(status))
    succeeded = summary["state"] in ("succeeded", "partially_succeeded")
    final = f"galleryflow run {runid} {summary['state']}"
    if summary.get("version"):
        final += f" (version {summary['version']})"
    skipped = (summary.get("result") or {}).get("skipped") or {}
    if skipped.get("reason"):
        final += f": {skipped['reason']}"  # skip_when_current: nothing was published
    if summary["error"]:
        final += f": {summary['error']['message']}"
    return {
        "finished": summary["finished"],
        "succeeded": succeeded,
        "log": summary["log"],
        "final_line": final,
        "poll_seconds": settings.devops_poll_seconds,
        "poll_max_seconds": settings.devops_poll_max_seconds,
    }


@bp.function_name(Activity.DEVOPS_SEND)
@bp.activity_trigger(input_name="message", activity=Activity.DEVOPS_SEND)
def devops_send(message: dict[str, Any]) -> dict[str, Any]:
    task = TaskContext.from_dict(message["task"])
    what = "TaskCompleted" if "completed" in message else "log feed"
    settings = AppSettings.from_env()
    client = DevOpsClient(
        ca_bundle=settings.devops_ca_bundle, backoff_seconds=settings.devops_retry_seconds
    )
    try:
        # Checked again here: nothing reaches a host outside the allow-list.
        check_plan_url(task.plan_url, list(settings.devops_allowed_hosts))
        if "completed" in message:
            client.task_completed(task, bool(message["completed"]))
        else:
            client.feed(task, [str(line) for line in message["feed"]])
    except (CallbackError, DevOpsInputError) as exc:
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
