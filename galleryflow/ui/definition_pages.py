"""The image definition page (versions x regions matrix), and rollback and undo rollback,
each behind a confirmation that shows the API's dry run of it (`POST /api/rollback/preview`,
`POST /api/rollback/undo/preview`: latest before/after per region, refusals, a busy run)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from galleryflow.cli.client import OperatorError
from galleryflow.ui.matrix import build_matrix
from galleryflow.ui.web import Dashboard, FormRejected, first, in_thread, see_other

logger = logging.getLogger("galleryflow.ui")


@dataclass(frozen=True)
class VersionAction:
    """An action on one version behind a confirmation that shows the API's dry run."""

    path: str  # below the definition's page
    preview: str  # ApiClient method: the dry run
    start: str  # ApiClient method: the action
    template: str  # the confirmation page
    done: str  # the result page's heading
    done_id: str  # its element id


ACTIONS = (
    VersionAction(
        "rollback", "rollback_preview", "rollback", "rollback.html", "Rolled back", "rolled-back"
    ),
    VersionAction(
        "undo-rollback",
        "undo_rollback_preview",
        "undo_rollback",
        "undo_rollback.html",
        "Rollback undone: re-included",
        "undone",
    ),
)


def page_url(resource_group: str, gallery: str, definition: str, subscription: str | None) -> str:
    path = "/".join(quote(p, safe="") for p in ("galleries", resource_group, gallery, definition))
    return f"/{path}" + (f"?{urlencode({'subscription': subscription})}" if subscription else "")


def _where(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in request.path_params.items()}


def _gallery(where: dict[str, str], subscription: str | None) -> dict[str, str]:
    gallery = {"resource_group": where["rg"], "name": where["gallery"]}
    if subscription:
        gallery["subscription_id"] = subscription
    return gallery


def _version_request(
    where: dict[str, str], version: str, regions: list[str], subscription: str | None
) -> dict[str, Any]:
    return {
        "gallery": _gallery(where, subscription),
        "image_definition": where["definition"],
        "version": version,
        "regions": regions or None,
    }


def routes(dash: Dashboard) -> list[Route]:
    client = dash.client

    def open_definition(request: Request) -> Response:
        params = request.query_params
        rg, gallery, definition = (
            params.get(n, "").strip() for n in ("resource_group", "gallery", "definition")
        )
        if not (rg and gallery and definition):
            return dash.failure(
                400, "MissingNames", "give the resource group, gallery and definition names"
            )
        return see_other(page_url(rg, gallery, definition, params.get("subscription") or None))

    def definition_page(request: Request) -> Response:
        where = _where(request)
        subscription = request.query_params.get("subscription") or None
        try:
            answer = client.versions(
                where["gallery"], where["definition"], where["rg"], subscription
            )
        except OperatorError as error:
            return dash.api_error(error)
        return dash.render(
            "definition.html",
            where=where,
            subscription=subscription,
            matrix=build_matrix(answer),
            self_url=page_url(where["rg"], where["gallery"], where["definition"], subscription),
        )

    def version_action(action: VersionAction) -> Any:
        preview_of, start_run = getattr(client, action.preview), getattr(client, action.start)

        async def handle(request: Request) -> Response:
            where = _where(request)
            if request.method == "GET":
                return await confirmation(request, where)
            try:
                fields = await dash.form(request)
            except FormRejected as refused:
                return dash.failure(refused.status, "FormRejected", refused.message)
            version = first(fields, "version") or ""
            subscription = first(fields, "subscription")
            back = page_url(where["rg"], where["gallery"], where["definition"], subscription)
            regions = [r for r in fields.get("region") or [] if r]
            try:
                answer = await in_thread(
                    start_run, _version_request(where, version, regions, subscription)
                )
            except OperatorError as error:
                return dash.api_error(error)
            logger.info(
                "%s of %s/%s started: run %s",
                action.path,
                where["definition"],
                version,
                answer["id"],
            )
            if "state" not in answer:  # 202: still running; its page follows it
                return see_other(f"/runs/{quote(str(answer['id']), safe='')}")
            return dash.render(
                "action_done.html", where=where, back=back, run=answer, action=action
            )

        async def confirmation(request: Request, where: dict[str, str]) -> Response:
            params = request.query_params
            version = params.get("version") or ""
            regions = [r for r in params.getlist("region") if r]
            subscription = params.get("subscription") or None
            back = page_url(where["rg"], where["gallery"], where["definition"], subscription)
            try:
                preview = await in_thread(
                    preview_of, _version_request(where, version, regions, subscription)
                )
                versions = await in_thread(
                    client.versions,
                    where["gallery"],
                    where["definition"],
                    where["rg"],
                    subscription,
                )
            except OperatorError as error:
                return dash.api_error(error)
            version_regions = next(
                (
                    [r.get("name") for r in v.get("regions") or []]
                    for v in versions.get("versions") or []
                    if v.get("name") == version
                ),
                [],
            )
            return dash.render(
                action.template,
                where=where,
                back=back,
                version=version,
                regions=regions,
                version_regions=version_regions,
                subscription=subscription,
                preview=preview,
            )

        return handle

    base = "/galleries/{rg}/{gallery}/{definition}/"
    return [
        Route("/definition", open_definition),
        Route("/galleries/{rg}/{gallery}/{definition}", definition_page),
        *(
            Route(base + action.path, version_action(action), methods=["GET", "POST"])
            for action in ACTIONS
        ),
    ]
