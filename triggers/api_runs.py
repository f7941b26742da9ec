"""`GET /api/runs/{id}` and `GET /api/runs?definition=&status=`: run summaries."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.errors import not_found, problem, validation_failed
from galleryflow.api.runs import STATES, summarize
from galleryflow.identity.principal import READER
from triggers.http import json_response, run_links
from triggers.routes import http_function
from triggers.runs_store import get_run, list_runs

_MAX_LISTED = 100


@http_function("api_run_get", "runs/{id}", READER, operation="getRun", method="GET")
async def run_get(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    run_id = req.route_params.get("id", "")
    run = await get_run(client, run_id, with_input=True)
    if run is None:
        raise not_found("run", run_id)
    return json_response(200, summarize(run, run_links(run_id, _kind(run))))


@http_function("api_runs_list", "runs", READER, operation="listRuns", method="GET")
async def runs_list(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    state = req.params.get("status")
    definition = (req.params.get("definition") or "").strip().lower()
    if state is not None and state not in STATES:
        raise validation_failed(
            [
                problem(
                    "query status",
                    f"unknown status {state[:40]!r}",
                    "use one of: " + ", ".join(STATES),
                )
            ]
        )
    summaries = [
        summarize(run, run_links(str(run["instanceId"]), _kind(run)))
        for run in await list_runs(client)
    ]
    if state is not None:
        summaries = [s for s in summaries if s["state"] == state]
    if definition:
        # Runs whose custom status does not name a definition (rollback, prune) are read
        # once more with their input to find it.
        for index, summary in enumerate(summaries):
            if summary["definition"] is None:
                run = await get_run(client, summary["id"], with_input=True)
                if run is not None:
                    summaries[index] = summarize(run, summary["links"])
        summaries = [s for s in summaries if _definition_matches(s.get("definition"), definition)]
    summaries.sort(key=lambda s: s.get("created") or "", reverse=True)
    return json_response(200, {"runs": summaries[:_MAX_LISTED]})


def _kind(run: dict[str, Any]) -> str:
    return summarize(run)["kind"]


def _definition_matches(resource_id: str | None, wanted: str) -> bool:
    """`definition=` is an image definition name or its full resource id."""
    if not resource_id:
        return False
    resource_id = resource_id.lower()
    return resource_id == wanted or resource_id.rsplit("/", 1)[-1] == wanted
