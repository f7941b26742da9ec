"""Version changes over HTTP: each route validates its body, then starts a `change_version`
run under the same one-run-per-definition rule (and answers) as rollback and prune. Roles:
publisher for the version changes, operator for undoing a rollback (like rollback).

- `POST /api/versions/add-regions`    replicate to more regions, then promote there
- `POST /api/versions/remove-regions` never the home region, never leaving a region
                                       without a good latest (409 VersionChangeRefused)
- `POST /api/versions/replicas`       change replica counts
- `POST /api/versions/end-of-life`    set the end-of-life date
- `POST /api/rollback/undo`           re-include a version a rollback excluded
"""

from __future__ import annotations

from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.changes import CHANGE_ROUTES
from galleryflow.api.errors import validation_failed
from galleryflow.domain.change_fields import ChangeKind
from galleryflow.domain.problems import RequestValidationError
from galleryflow.domain.version_changes import parse_change_request
from galleryflow.durable.names import Orchestration
from galleryflow.identity.principal import OPERATOR, PUBLISHER
from triggers import bp
from triggers.api_maintenance import _answer, _start_maintenance, _with_default_subscription
from triggers.auth import requires
from triggers.http import api_route, json_body


async def _change(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, kind: ChangeKind
) -> func.HttpResponse:
    data = json_body(req) or {}
    try:
        canonical = parse_change_request(kind, data, now=datetime.now(UTC))
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), f"{kind.value} request") from None
    run_id = await _start_maintenance(
        client, Orchestration.CHANGE_VERSION, _with_default_subscription(canonical)
    )
    return await _answer(client, run_id, "change")


@bp.function_name("api_add_regions")
@bp.route(route=CHANGE_ROUTES[ChangeKind.ADD_REGIONS].route, methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(PUBLISHER, operation=CHANGE_ROUTES[ChangeKind.ADD_REGIONS].operation_id)
async def add_regions(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _change(req, client, ChangeKind.ADD_REGIONS)


@bp.function_name("api_remove_regions")
@bp.route(route=CHANGE_ROUTES[ChangeKind.REMOVE_REGIONS].route, methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(PUBLISHER, operation=CHANGE_ROUTES[ChangeKind.REMOVE_REGIONS].operation_id)
async def remove_regions(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _change(req, client, ChangeKind.REMOVE_REGIONS)


@bp.function_name("api_set_replicas")
@bp.route(route=CHANGE_ROUTES[ChangeKind.SET_REPLICAS].route, methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(PUBLISHER, operation=CHANGE_ROUTES[ChangeKind.SET_REPLICAS].operation_id)
async def set_replicas(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _change(req, client, ChangeKind.SET_REPLICAS)


@bp.function_name("api_set_end_of_life")
@bp.route(route=CHANGE_ROUTES[ChangeKind.SET_END_OF_LIFE].route, methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(PUBLISHER, operation=CHANGE_ROUTES[ChangeKind.SET_END_OF_LIFE].operation_id)
async def set_end_of_life(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _change(req, client, ChangeKind.SET_END_OF_LIFE)


@bp.function_name("api_undo_rollback")
@bp.route(route=CHANGE_ROUTES[ChangeKind.UNDO_ROLLBACK].route, methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_route
@requires(OPERATOR, operation=CHANGE_ROUTES[ChangeKind.UNDO_ROLLBACK].operation_id)
async def undo_rollback(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _change(req, client, ChangeKind.UNDO_ROLLBACK)
