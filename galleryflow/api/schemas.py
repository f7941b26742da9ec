"""Schemas of the API's own bodies: the event payload (validated with the domain's field
specs, so validator and schema are one table) and the response shapes for OpenAPI."""

from __future__ import annotations

from typing import Any

from galleryflow.api.errors import validation_failed
from galleryflow.api.runs import STATES
from galleryflow.domain.fields import Field, Nullable, Obj, Str, is_valid
from galleryflow.domain.problems import Problem
from galleryflow.identity.audit import ACTIONS as AUDIT_ACTIONS

EVENT_PAYLOAD_SPEC = Obj(
    description="who decided and why (approve / reject / cancel)",
    fields=(
        Field(
            "by",
            Nullable(
                Str(
                    description="a free-text note (who decides is the authenticated caller, "
                    "recorded in the run's audit)",
                    max_length=200,
                )
            ),
            None,
        ),
        Field("comment", Nullable(Str(description="why", min_length=0, max_length=2000)), None),
    ),
)


def parse_event_payload(data: dict[str, Any] | None) -> dict[str, Any]:
    problems: list[Problem] = []
    cleaned = EVENT_PAYLOAD_SPEC.check({} if data is None else data, "$", problems)
    if problems or not is_valid(cleaned):
        raise validation_failed([p.to_dict() for p in problems], "event payload")
    return dict(cleaned)


def event_payload_json_schema() -> dict[str, Any]:
    return EVENT_PAYLOAD_SPEC.json_schema()


_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_NUMBER_OR_NULL = {"type": ["number", "null"]}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            # galleryflow's own errors always carry `details`; the Functions host's own
            # answers (unroutable path, missing key) may not, so it is not required here.
            "required": ["code", "message"],
            "properties": {
                "code": _STR,
                "message": _STR,
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["path", "message", "hint"],
                        "properties": {"path": _STR, "message": _STR, "hint": _STR},
                    },
                },
            },
        }
    },
}

LINKS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "relative URLs of this run's routes (add your function key to call them)",
    "additionalProperties": _STR,
}

RUN_ACCEPTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "existing", "links"],
    "properties": {
        "id": _STR,
        "kind": {"type": "string", "enum": ["publish", "rollback", "prune", "change"]},
        "existing": {"type": "boolean", "description": "true when an earlier request made it"},
        "links": LINKS_SCHEMA,
    },
}

_REGIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "state": _NULLABLE_STR,
            "progress": _NUMBER_OR_NULL,
            "attempt": _NUMBER_OR_NULL,
            "wave": {**_NUMBER_OR_NULL, "description": "rollout wave (1-based)"},
            "replication_started": {
                **_NULLABLE_STR,
                "description": "when the run began watching its replication (UTC)",
            },
            "replication_completed": {
                **_NULLABLE_STR,
                "description": "when the run saw replication Completed (UTC)",
            },
            "went_live": {
                **_NULLABLE_STR,
                "description": "when the run promoted it (excludeFromLatest false)",
            },
        },
    },
}

_WAVES_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {
                "current": _NUMBER_OR_NULL,
                "total": _NUMBER_OR_NULL,
                "awaiting_approval": {"type": "boolean"},
            },
        },
    ]
}

_GALLERIES_SCHEMA: dict[str, Any] = {
    "description": "per gallery progress of a publish with mirrors (null without): the "
    "primary's regions are `regions`; each mirror has its own",
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {
                "primary": {
                    "type": "object",
                    "properties": {
                        "definition": _NULLABLE_STR,
                        "regions": _REGIONS_SCHEMA,
                        "waves": {
                            **_WAVES_SCHEMA,
                            "description": "the primary's own waves: awaiting_approval only "
                            "when its own gate waits (approve/reject go to it first)",
                        },
                    },
                },
                "mirrors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "definition": _NULLABLE_STR,
                            "state": {
                                "description": "pending, running, succeeded, "
                                "partially_succeeded, failed or skipped",
                                **_NULLABLE_STR,
                            },
                            "step": _NULLABLE_STR,
                            "regions": _REGIONS_SCHEMA,
                            "waves": _WAVES_SCHEMA,
                            "log": {"type": "array", "items": _STR},
                            "error": _NULLABLE_STR,
                        },
                    },
                },
            },
        },
    ],
}

RUN_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "state", "finished", "regions", "log", "links"],
    "properties": {
        "id": _STR,
        "kind": {"type": "string", "enum": ["publish", "rollback", "prune", "change", "other"]},
        "state": {"type": "string", "enum": list(STATES)},
        "finished": {"type": "boolean"},
        "step": _NULLABLE_STR,
        "version": _NULLABLE_STR,
        "definition": _NULLABLE_STR,
        "regions": _REGIONS_SCHEMA,
        "waves": _WAVES_SCHEMA,
        "galleries": _GALLERIES_SCHEMA,
        "log": {"type": "array", "items": _STR},
        "created": _NULLABLE_STR,
        "updated": _NULLABLE_STR,
        "duration_seconds": _NUMBER_OR_NULL,
        "error": {
            "anyOf": [
                {"type": "null"},
                {"type": "object", "required": ["message"], "properties": {"message": _STR}},
            ]
        },
        "result": {"type": ["object", "null"]},
        "audit": {
            "type": "array",
            "description": "who started the run and who approved, rejected, cancelled, rolled "
            "back or pruned (the authenticated principal), oldest first",
            "items": {
                "type": "object",
                "required": ["action", "by", "at"],
                "properties": {
                    "action": {"type": "string", "enum": list(AUDIT_ACTIONS)},
                    "by": {
                        "anyOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["id", "name", "provider"],
                                "properties": {
                                    "id": _STR,
                                    "name": _STR,
                                    "provider": _STR,
                                },
                            },
                        ]
                    },
                    "at": _NULLABLE_STR,
                    "wave": _NUMBER_OR_NULL,
                    "note": _NULLABLE_STR,
                    "comment": _NULLABLE_STR,
                },
            },
        },
        "links": LINKS_SCHEMA,
    },
}

RUN_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["runs"],
    "properties": {"runs": {"type": "array", "items": RUN_SUMMARY_SCHEMA}},
}

EVENT_ACCEPTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "event"],
    "properties": {
        "id": _STR,
        "event": {"type": "string", "enum": ["approve", "reject", "cancel"]},
    },
}

HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["ok"]}},
}

DEVOPS_TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["run_id", "joined"],
    "properties": {
        "run_id": _STR,
        "joined": {"type": "boolean", "description": "true when this PlanId+JobId already ran"},
        "links": LINKS_SCHEMA,
    },
}

HOOK_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["handled", "runs"],
    "properties": {
        "handled": {"type": "boolean"},
        "reason": _NULLABLE_STR,
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pipeline": _STR,
                    "run_id": _STR,
                    "existing": {"type": "boolean"},
                    "error": _STR,
                },
            },
        },
    },
}

PIPELINE_REF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "start the publish request of a pipeline in GALLERYFLOW_PIPELINES_FILE",
    "required": ["pipeline"],
    "properties": {"pipeline": {"type": "string", "minLength": 1, "maxLength": 48}},
    "additionalProperties": False,
}

VERSIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["gallery", "image_definition", "versions", "latest"],
    "properties": {
        "gallery": {"type": "object"},
        "image_definition": _STR,
        "versions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": _STR,
                    "tags": {
                        "type": "object",
                        "additionalProperties": _STR,
                        "description": "the version's tags, galleryflow's own included: "
                        "galleryflow.fingerprint (the request it was built from), "
                        "galleryflow.patch (the patch summary), galleryflow-idempotency",
                    },
                    "in_use": {"type": "boolean"},
                    "in_use_count": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "VMs and scale sets whose image reference is this version",
                    },
                },
            },
        },
        "latest": {
            "type": "object",
            "description": "region -> the version `latest` resolves to there (null: none)",
            "additionalProperties": _NULLABLE_STR,
        },
    },
}

_LATEST_MAP = {"type": "object", "additionalProperties": _NULLABLE_STR}

_FLAGS = {
    "global": {"type": ["boolean", "null"]},
    "regions": {"type": "object", "additionalProperties": {"type": "boolean"}},
}


def _preview_schema(route: str, action: str, **extra: dict[str, Any]) -> dict[str, Any]:
    """A dry run's answer: latest per region before/after, refusal, a busy run."""
    return {
        "type": "object",
        "description": f"what POST {route} would do now; nothing was changed",
        "required": ["version", "refused", "reasons", "before", "after", *extra],
        "properties": {
            "version": _STR,
            "refused": {"type": "boolean", "description": f"the {action} would be refused"},
            "reasons": {"type": "array", "items": _STR},
            "before": {**_LATEST_MAP, "description": "region -> latest now"},
            "after": {**_LATEST_MAP, "description": f"region -> latest after the {action}"},
            **extra,
            "busy_run": {
                **_NULLABLE_STR,
                "description": f"a live run of this definition: the {action} would be 409 "
                "until it ends",
            },
        },
    }


ROLLBACK_PREVIEW_SCHEMA = _preview_schema(
    "/api/rollback",
    "rollback",
    affected={
        "type": "array",
        "items": _STR,
        "description": "regions where this version is latest now",
    },
    changes={"type": "object", "properties": _FLAGS},
)

UNDO_ROLLBACK_PREVIEW_SCHEMA = _preview_schema(
    "/api/rollback/undo",
    "undo",
    changes={
        "type": ["object", "null"],
        "description": "the excludeFromLatest flags the undo would set (null when refused)",
        "properties": _FLAGS,
    },
)
