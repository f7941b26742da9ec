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
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.changes import CHANGE_ROUTES
from galleryflow.api.errors import validation_failed
from galleryflow.domain.change_fields import ChangeKind
from galleryflow.domain.problems import RequestValidationError
from galleryflow.domain.version_changes import parse_change_request
from galleryflow.durable.names import Orchestration
from galleryflow.identity.principal import OPERATOR, PUBLISHER
from triggers.api_maintenance import _answer, _start_maintenance, _with_default_subscription
from triggers.http import json_body
from triggers.routes import http_function


def change_request(req: func.HttpRequest, kind: ChangeKind) -> dict[str, Any]:
    """The canonical change request of the body (a change and its preview), with the
    default subscription filled in; 400 listing every problem."""
    data = json_body(req) or {}
    try:
        canonical = parse_change_request(kind, data, now=datetime.now(UTC))
    except RequestValidationError as exc:
        raise validation_failed(exc.to_dicts(), f"{kind.value} request") from None
    return _with_default_subscription(canonical)


async def _change(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, kind: ChangeKind
) -> func.HttpResponse:
    canonical = change_request(req, kind)
    run_id = await _start_maintenance(client, Orchestration.CHANGE_VERSION, canonical)
    return await _answer(client, run_id, "change")


# Who may make each change: undoing a rollback is an operator's (like rollback).
ROLES = {kind: PUBLISHER for kind in ChangeKind} | {ChangeKind.UNDO_ROLLBACK: OPERATOR}


def _register(kind: ChangeKind) -> None:
    """One route of CHANGE_ROUTES: function `api_<kind>`, POST, the kind's role."""
    spec = CHANGE_ROUTES[kind]

    async def handler(
        req: func.HttpRequest, client: df.DurableOrchestrationClient
    ) -> func.HttpResponse:
        return await _change(req, client, kind)

    handler.__name__ = handler.__qualname__ = kind.value
    name, role = f"api_{kind.value}", ROLES[kind]
    http_function(name, spec.route, role, operation=spec.operation_id)(handler)


for _kind in ChangeKind:
    _register(_kind)
