"""`POST /api/devops/task`: the agentless AzureFunction@2 task in callback mode.

Answers within seconds: checks the task headers and the PlanUrl allow-list (nothing is
ever sent to a host outside it), validates the body as a publish request, starts the run
(or joins it: the same PlanId+JobId always maps to the same run) and starts the
`devops_callback` watcher that feeds log lines and finally posts TaskCompleted.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import problem, validation_failed
from galleryflow.api.ids import devops_job_key, devops_watch_instance_id
from galleryflow.devops.task import parse_task_headers
from galleryflow.durable.names import Orchestration
from galleryflow.durable.status import LIVE
from galleryflow.pipelines import PipelinesConfigError, configured_pipelines
from galleryflow.settings import AppSettings
from triggers.api_publish import canonical_publish, start_publish
from triggers.auth import caller
from triggers.http import json_body, json_response, run_links
from triggers.routes import devops_function


def task_request(data: dict[str, Any]) -> dict[str, Any]:
    """The body is a publish request, or `{"pipeline": "<name>"}` naming one of
    GALLERYFLOW_PIPELINES_FILE (so a pipeline YAML need not repeat the request)."""
    if set(data) != {"pipeline"}:
        return data
    name = data["pipeline"]
    hint = "send a full publish request instead, or configure GALLERYFLOW_PIPELINES_FILE"
    try:
        config = configured_pipelines()
    except PipelinesConfigError:
        raise validation_failed(
            [problem("$.pipeline", "the pipelines file is invalid", "see the function log")]
        ) from None
    if config is None:
        raise validation_failed([problem("$.pipeline", "no pipelines are configured", hint)])
    pipeline = config.by_name(name) if isinstance(name, str) else None
    if pipeline is None:
        known = ", ".join(p.name for p in config.pipelines) or "(none)"
        raise validation_failed([problem("$.pipeline", "unknown pipeline", f"use one of: {known}")])
    return dict(pipeline.request)


@devops_function("api_devops_task", "devops/task", operation="devopsTask")
async def devops_task(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    task = parse_task_headers(
        dict(req.headers.items()), list(AppSettings.from_env().devops_allowed_hosts)
    )
    data = task_request(json_body(req) or {})
    if not data.get("idempotency_key"):
        data = {**data, "idempotency_key": devops_job_key(task.plan_id, task.job_id)}
    canonical = canonical_publish(data, None)
    run_id, existing = await start_publish(client, canonical, caller())
    watch_id = devops_watch_instance_id(task.plan_id, task.job_id)
    watcher = await client.get_status(watch_id)
    # A watcher that already reported is started again: a re-sent call (job retry) gets its
    # TaskCompleted again instead of waiting for a callback that was already spent.
    if not watcher or watcher.created_time is None or watcher.runtime_status not in LIVE:
        await client.start_new(
            Orchestration.DEVOPS_WATCHER,
            watch_id,
            {"run_id": run_id, "task": task.to_dict(), "seen": []},
        )
    return json_response(
        200, {"run_id": run_id, "joined": existing, "links": run_links(run_id, "publish")}
    )
