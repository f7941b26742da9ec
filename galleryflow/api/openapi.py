"""The OpenAPI 3.1 document of the HTTP API, built from the same schemas the code
validates with (the domain's request field tables and this package's response shapes)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from galleryflow.api import schemas
from galleryflow.api.body import MAX_BODY_BYTES
from galleryflow.api.changes import CHANGE_ROUTES, schema_name
from galleryflow.api.runs import STATES
from galleryflow.devops.hooks import HOOK_SECRET_HEADER
from galleryflow.devops.task import TASK_HEADERS
from galleryflow.domain.change_fields import ChangeKind, change_request_json_schema
from galleryflow.domain.request import (
    prune_request_json_schema,
    publish_request_json_schema,
    rollback_request_json_schema,
)
from galleryflow.identity.authz import RouteAccess

_ERRORS = {
    "400": "invalid input: every problem is listed in error.details",
    "401": "missing or wrong credentials",
    "403": "not allowed: the caller lacks the route's role (RoleRequired), or a rule refused "
    "(SeparationOfDuties, NotYourRun); for versions also Azure refusing galleryflow",
    "404": "no such run",
    "409": "conflicts with a run in progress, a finished run or a run not awaiting approval, "
    "or a refused rollback or version change (RollbackRefused, VersionChangeRefused: reasons "
    "and latest per region in details)",
    "413": f"body larger than {MAX_BODY_BYTES} bytes (512 KiB for /api/devops/hook)",
    "415": "body is not application/json",
    "503": "Azure throttled or was unavailable after retries; wait Retry-After seconds",
}


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    # Component schemas must not carry a `$schema` of their own in OpenAPI 3.1 documents
    # that tools dereference; the dialect is set once for the whole document.
    doc = copy.deepcopy(schema)
    doc.pop("$schema", None)
    return doc


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes: str) -> dict[str, Any]:
    responses = {code: _json("Error", _ERRORS[code]) for code in codes}
    if "503" in responses:
        responses["503"]["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before sending the request again",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    if "401" in responses:
        # Answered by the Functions host before galleryflow runs; Azure sends no body.
        responses["401"] = {"description": _ERRORS["401"] + " (answered by the Functions host)"}
    return responses


def _body(name: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": _ref(name)}}}


_RUN_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$"},
}


def _event_operation(event: str, summary: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": f"{event}Run",
            "summary": summary,
            "parameters": [_RUN_ID],
            "requestBody": _body("EventPayload", required=False),
            "responses": {
                "202": _json("EventAccepted", f"`{event}` was raised to the run"),
                **_errors("400", "401", "404", "409", "413", "415"),
            },
        }
    }


_ENTRA = {
    "type": "http",
    "scheme": "bearer",
    "description": "Entra ID access token for the galleryflow app registration "
    "(api://<client id>/.default); App Service Authentication validates it and passes the "
    "caller (X-MS-CLIENT-PRINCIPAL) and its app roles to galleryflow",
}
_KEYS: list[dict[str, list[str]]] = [{"functionKeyHeader": []}, {"functionKeyQuery": []}]


def _with_access(paths: dict[str, Any], access: Mapping[str, RouteAccess], easy_auth: bool) -> None:
    """Each operation names its role (`x-required-role`, also in its description), answers
    403 when the caller lacks it, and says how it authenticates (Entra ID or a key)."""
    for item in paths.values():
        for operation in item.values():
            declared = access.get(operation["operationId"])
            if declared is None:
                continue
            role = declared.describe()
            operation["x-required-role"] = role
            operation["description"] = f"Required role: {role}."
            if role == "anonymous":
                continue
            operation["responses"].setdefault("403", _json("Error", _ERRORS["403"]))
            if easy_auth and declared.callers == "people":
                operation["security"] = [{"entraId": []}]
                operation["description"] += " Caller: an Entra ID identity with that app role."
            else:
                operation["description"] += " Caller: a function key (GALLERYFLOW_KEY_ROLES)."


def build_openapi(
    roles: Mapping[str, RouteAccess] | None = None, *, easy_auth: bool = False
) -> dict[str, Any]:
    """The document; `roles` (operationId -> the route's declared access, from the HTTP
    layer) adds each route's role, and `easy_auth` its Entra ID security scheme."""
    components = {
        "PublishRequest": _component(publish_request_json_schema()),
        "RollbackRequest": _component(rollback_request_json_schema()),
        "PruneRequest": _component(prune_request_json_schema()),
        "EventPayload": _component(schemas.event_payload_json_schema()),
        "Error": schemas.ERROR_SCHEMA,
        "RunAccepted": schemas.RUN_ACCEPTED_SCHEMA,
        "RunSummary": schemas.RUN_SUMMARY_SCHEMA,
        "RunList": schemas.RUN_LIST_SCHEMA,
        "EventAccepted": schemas.EVENT_ACCEPTED_SCHEMA,
        "Health": schemas.HEALTH_SCHEMA,
        "DevOpsTaskAccepted": schemas.DEVOPS_TASK_SCHEMA,
        "HookResult": schemas.HOOK_RESULT_SCHEMA,
        "Versions": schemas.VERSIONS_SCHEMA,
        "PipelineRef": schemas.PIPELINE_REF_SCHEMA,
        "RollbackPreview": schemas.ROLLBACK_PREVIEW_SCHEMA,
        "UndoRollbackPreview": schemas.UNDO_ROLLBACK_PREVIEW_SCHEMA,
        **{schema_name(k): _component(change_request_json_schema(k)) for k in CHANGE_ROUTES},
    }
    idempotency_header = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "same key -> same run (overrides the body's idempotency_key)",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
    }
    task_headers = [
        {"name": header, "in": "header", "required": True, "schema": {"type": "string"}}
        for header in TASK_HEADERS
    ]
    gallery_query = [
        {
            "name": "resource_group",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 90},
        },
        {
            "name": "subscription_id",
            "in": "query",
            "required": False,
            "description": "defaults to the app setting GALLERYFLOW_SUBSCRIPTION_ID",
            "schema": {"type": "string"},
        },
    ]
    paths: dict[str, Any] = {
        "/api/publish": {
            "post": {
                "operationId": "publish",
                "summary": "Start publishing a VM as a new image version",
                "parameters": [idempotency_header],
                "requestBody": _body("PublishRequest"),
                "responses": {
                    "202": _json("RunAccepted", "the run was started"),
                    "200": _json("RunAccepted", "the same idempotency key already made this run"),
                    **_errors("400", "401", "409", "413", "415"),
                },
            }
        },
        "/api/runs": {
            "get": {
                "operationId": "listRuns",
                "summary": "List runs, newest first",
                "parameters": [
                    {
                        "name": "definition",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(STATES)},
                    },
                ],
                "responses": {"200": _json("RunList", "matching runs"), **_errors("400", "401")},
            }
        },
        "/api/runs/{id}": {
            "get": {
                "operationId": "getRun",
                "summary": "A run's summary: state, step, per-region progress, timings, error",
                "parameters": [_RUN_ID],
                "responses": {"200": _json("RunSummary", "the run"), **_errors("401", "404")},
            }
        },
        "/api/runs/{id}/approve": _event_operation("approve", "Approve the next rollout wave"),
        "/api/runs/{id}/reject": _event_operation("reject", "Reject the rollout"),
        "/api/runs/{id}/cancel": _event_operation("cancel", "Cancel the run"),
        "/api/rollback": {
            "post": {
                "operationId": "rollback",
                "summary": "Exclude a version from latest (everywhere or in some regions)",
                "requestBody": _body("RollbackRequest"),
                "responses": {
                    "200": _json("RunSummary", "the rollback run finished within a few seconds"),
                    "202": _json("RunAccepted", "the rollback was started and is still running"),
                    **_errors("400", "401", "409", "413", "415"),
                },
            }
        },
        "/api/rollback/preview": {
            "post": {
                "operationId": "rollbackPreview",
                "summary": "Dry run of a rollback: latest before/after and refusal reasons",
                "requestBody": _body("RollbackRequest"),
                "responses": {
                    "200": _json("RollbackPreview", "the plan; nothing was changed"),
                    **_errors("400", "401", "403", "404", "409", "413", "415", "503"),
                },
            }
        },
        "/api/prune": {
            "post": {
                "operationId": "prune",
                "summary": "Plan retention for a definition; apply it only with apply: true",
                "requestBody": _body("PruneRequest"),
                "responses": {
                    "200": _json("RunSummary", "the prune run finished within a few seconds"),
                    "202": _json("RunAccepted", "the prune run was started and is still running"),
                    **_errors("400", "401", "409", "413", "415"),
                },
            }
        },
        "/api/galleries/{gallery}/images/{definition}/versions": {
            "get": {
                "operationId": "listVersions",
                "summary": "Versions: regions, replication, exclude flags, latest per region",
                "parameters": [
                    {
                        "name": "gallery",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "definition",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    *gallery_query,
                ],
                "responses": {
                    "200": _json("Versions", "the versions"),
                    **_errors("400", "401", "403", "404", "409", "503"),
                },
            }
        },
        "/api/devops/task": {
            "post": {
                "operationId": "devopsTask",
                "summary": "AzureFunction@2 task in callback mode: start or join a publish",
                "parameters": task_headers,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("PublishRequest"), _ref("PipelineRef")]}
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        "DevOpsTaskAccepted", "started or joined; completion is reported back"
                    ),
                    **_errors("400", "401", "409", "413", "415"),
                },
            }
        },
        "/api/devops/hook": {
            "post": {
                "operationId": "devopsHook",
                "summary": "Azure DevOps service hook: starts the image pipelines mapped to it",
                "parameters": [
                    {
                        "name": HOOK_SECRET_HEADER,
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "202": _json("HookResult", "handled (or ignored) the event"),
                    **_errors("400", "401", "403", "413", "415"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {"application/json": {}},
                    }
                },
            }
        },
        "/api/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness (anonymous)",
                "security": [],
                "responses": {"200": _json("Health", "the app is up")},
            }
        },
    }
    for kind, change in CHANGE_ROUTES.items():
        paths[f"/api/{change.route}"] = {
            "post": {
                "operationId": change.operation_id,
                "summary": change.summary,
                "requestBody": _body(schema_name(kind)),
                "responses": {
                    "200": _json("RunSummary", "the change run finished within a few seconds"),
                    "202": _json("RunAccepted", "the change run was started and is still running"),
                    **_errors("400", "401", "409", "413", "415"),
                },
            }
        }
    paths["/api/rollback/undo/preview"] = {
        "post": {
            "operationId": "undoRollbackPreview",
            "summary": "Dry run of an undo rollback: latest before/after and refusal reasons",
            "requestBody": _body(schema_name(ChangeKind.UNDO_ROLLBACK)),
            "responses": {
                "200": _json("UndoRollbackPreview", "the plan; nothing was changed"),
                **_errors("400", "401", "403", "404", "409", "413", "415", "503"),
            },
        }
    }
    _with_access(paths, roles or {}, easy_auth)
    schemes: dict[str, Any] = {
        "functionKeyHeader": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
        "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
    }
    if easy_auth:
        schemes["entraId"] = _ENTRA
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "galleryflow",
            "version": "1",
            "description": "Publish VM images through Azure Compute Gallery. Every error is "
            '`{"error": {"code", "message", "details"}}`.',
        },
        "servers": [{"url": "/"}],
        "security": _KEYS,
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": schemes},
    }
