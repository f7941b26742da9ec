"""The field tables of the version-change requests (docs/api.md "Version changes").

Each change names one existing version (`gallery`, `image_definition`, `version`) and says
what to change: add regions, remove regions, change replica counts, set the end of life,
or re-include a version a rollback excluded. The validator and the OpenAPI schemas are both
rendered from these tables, like the publish request's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from galleryflow.domain.fields import Bool, DateTime, Field, Int, ListOf, Nullable, Obj
from galleryflow.domain.replicas import MAX_REPLICAS_PER_REGION
from galleryflow.domain.request_fields import (
    DEFINITION_NAME,
    REGION_NAME,
    TARGET_REGION_SPEC,
    VERSION_NAME,
    gallery_spec,
)


class ChangeKind(StrEnum):
    ADD_REGIONS = "add_regions"
    REMOVE_REGIONS = "remove_regions"
    SET_REPLICAS = "set_replicas"
    SET_END_OF_LIFE = "set_end_of_life"
    UNDO_ROLLBACK = "undo_rollback"


def _version_fields() -> tuple[Field, ...]:
    return (
        Field("gallery", gallery_spec("defaults to the app's subscription")),
        Field("image_definition", DEFINITION_NAME),
        Field("version", VERSION_NAME),
    )


_PRODUCTION = Field(
    "production", Bool("production image: at least 3 replicas in each region"), True
)

REPLICA_CHANGE_SPEC = Obj(
    description="the new replica count of one of the version's regions",
    fields=(
        Field("name", REGION_NAME),
        Field(
            "replica_count",
            Int(
                f"replicas in this region (Azure allows at most {MAX_REPLICAS_PER_REGION})",
                minimum=1,
                maximum=2**31 - 1,
            ),
        ),
    ),
)

CHANGE_SPECS: dict[ChangeKind, Obj] = {
    ChangeKind.ADD_REGIONS: Obj(
        description="replicate an existing version to more regions, then promote it there",
        fields=(
            *_version_fields(),
            Field(
                "target_regions",
                ListOf(TARGET_REGION_SPEC, "regions to add (as in a publish request)", min_items=1),
            ),
            _PRODUCTION,
            Field(
                "promote",
                Bool(
                    "once replicated, let `latest` resolve to this version in the new regions "
                    "(only when the version is promoted, i.e. not excluded from latest globally)"
                ),
                True,
            ),
        ),
    ),
    ChangeKind.REMOVE_REGIONS: Obj(
        description="stop replicating a version to some regions (never its home region)",
        fields=(
            *_version_fields(),
            Field("regions", ListOf(REGION_NAME, "regions to remove", min_items=1)),
        ),
    ),
    ChangeKind.SET_REPLICAS: Obj(
        description="change the replica counts of some of the version's regions",
        fields=(
            *_version_fields(),
            Field("regions", ListOf(REPLICA_CHANGE_SPEC, "new replica counts", min_items=1)),
            _PRODUCTION,
        ),
    ),
    ChangeKind.SET_END_OF_LIFE: Obj(
        description="set the version's end-of-life date",
        fields=(
            *_version_fields(),
            Field("end_of_life", DateTime("the new end-of-life date (in the future)")),
        ),
    ),
    ChangeKind.UNDO_ROLLBACK: Obj(
        description="re-include a version a rollback excluded from latest",
        fields=(
            *_version_fields(),
            Field(
                "regions",
                Nullable(
                    ListOf(REGION_NAME, min_items=1),
                    "regions to re-include it in; null = everywhere (also globally)",
                ),
                None,
            ),
        ),
    ),
}

SCHEMA_TITLES: dict[ChangeKind, str] = {
    ChangeKind.ADD_REGIONS: "AddRegionsRequest",
    ChangeKind.REMOVE_REGIONS: "RemoveRegionsRequest",
    ChangeKind.SET_REPLICAS: "SetReplicasRequest",
    ChangeKind.SET_END_OF_LIFE: "SetEndOfLifeRequest",
    ChangeKind.UNDO_ROLLBACK: "UndoRollbackRequest",
}


def change_request_json_schema(kind: ChangeKind) -> dict[str, Any]:
    return CHANGE_SPECS[kind].schema_document(SCHEMA_TITLES[kind])
