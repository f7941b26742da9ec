"""The dashboard app and its run pages: runs list, run page (progress, waves, timeline,
log), its live fragment, and approve/reject/cancel behind a confirmation form."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.cli.galleries import definition_parts, gallery_progress, waiting_mirror
from galleryflow.ui import definition_pages
from galleryflow.ui.security import CsrfToken
from galleryflow.ui.timeline import build_chart
from galleryflow.ui.web import (
    Dashboard,
    FormRejected,
    create_env,
    first,
    in_thread,
    see_other,
)

logger = logging.getLogger("galleryflow.ui")

EVENTS = ("approve", "reject", "cancel")
STATES = (
    "pending",
    "running",
    "awaiting_approval",
    "succeeded",
    "partially_succeeded",
    "failed",
    "canceled",
)


def definition_path(resource_id: str | None) -> str | None:
    """`/subscriptions/S/resourceGroups/RG/.../galleries/G/images/D` -> the matrix page."""
    parts = definition_parts(resource_id)
    if parts is None:
        return None
    return definition_pages.page_url(parts[4], parts[8], parts[10], parts[2])


def run_context(dash: Dashboard, summary: dict[str, Any]) -> dict[str, Any]:
    waves = summary.get("waves") or {}
    can_decide = summary.get("state") == "awaiting_approval"
    galleries = gallery_progress(summary)
    return {
        "run": summary,
        "waves": waves,
        "galleries": galleries,
        "waiting_mirror": waiting_mirror(galleries),
        "link": definition_path,
        "chart": build_chart(summary),
        "definition_url": definition_path(summary.get("definition")),
        "actions": [e for e in EVENTS if e == "cancel" or can_decide]
        if not summary.get("finished") and summary.get("kind") == "publish"
        else [],
        "live_ms": int(dash.refresh_seconds * 1000),
    }


def run_routes(dash: Dashboard) -> list[Route]:
    client = dash.client

    def home(request: Request) -> Response:
        return see_other("/runs")

    def runs_page(request: Request) -> Response:
        definition = request.query_params.get("definition") or None
        status = request.query_params.get("status") or None
        try:
            runs = client.runs(definition, status).get("runs", [])
        except OperatorError as error:
            return dash.api_error(error)
        definitions = {}
        for run in runs:
            url = definition_path(run.get("definition"))
            if url:
                definitions[str(run["definition"]).rsplit("/", 1)[-1]] = url
        return dash.render(
            "runs.html",
            runs=runs,
            definition=definition or "",
            status=status or "",
            states=STATES,
            definitions=sorted(definitions.items()),
            link=definition_path,
        )

    def run_page(request: Request) -> Response:
        try:
            summary = client.run(request.path_params["id"])
        except OperatorError as error:
            return dash.api_error(error)
        sent = request.query_params.get("sent")
        return dash.render(
            "run.html", sent=sent if sent in EVENTS else None, **run_context(dash, summary)
        )

    def run_live(request: Request) -> Response:
        try:
            summary = client.run(request.path_params["id"])
        except OperatorError as error:
            return dash.api_error(error)
        return dash.render("_live.html", **run_context(dash, summary))

    async def run_action(request: Request) -> Response:
        run_id, event = request.path_params["id"], request.path_params["event"]
        if event not in EVENTS:
            raise HTTPException(404)
        if request.method == "GET":
            try:
                summary = await in_thread(client.run, run_id)
            except OperatorError as error:
                return dash.api_error(error)
            return dash.render("confirm.html", run=summary, event=event)
        try:
            fields = await dash.form(request)
        except FormRejected as refused:
            return dash.failure(refused.status, "FormRejected", refused.message)
        try:
            await in_thread(
                client.run_event, run_id, event, first(fields, "by"), first(fields, "comment")
            )
        except OperatorError as error:
            return dash.api_error(error)
        logger.info("sent %s to run %s", event, run_id)
        return see_other(f"/runs/{run_id}?sent={event}")

    return [
        Route("/", home),
        Route("/runs", runs_page),
        Route("/runs/{id}", run_page),
        Route("/runs/{id}/live", run_live),
        Route("/runs/{id}/{event}", run_action, methods=["GET", "POST"]),
    ]


def create_app(
    client: ApiClient,
    *,
    refresh_seconds: float = 2.0,
    extra_hosts: tuple[str, ...] = (),
    csrf: CsrfToken | None = None,
) -> Starlette:
    dash = Dashboard(client, csrf or CsrfToken(), refresh_seconds, create_env())

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return dash.failure(status, "NotFound", f"no page at {request.url.path}")

    async def crashed(request: Request, exc: Exception) -> Response:
        # The type only: exception texts may carry URLs; the page never shows a trace.
        logger.error("dashboard error on %s: %s", request.url.path, type(exc).__name__)
        return dash.failure(500, "DashboardError", "unexpected error in the dashboard")

    hosts = ["127.0.0.1", "localhost", *extra_hosts]
    return Starlette(
        routes=[
            *run_routes(dash),
            *definition_pages.routes(dash),
            Mount("/static", StaticFiles(packages=[("galleryflow.ui", "static")]), name="static"),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        exception_handlers={HTTPException: not_found, Exception: crashed},
    )
