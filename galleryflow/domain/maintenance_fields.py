"""The field tables of the rollback and prune requests (docs/CONTRACTS.md), rendered for the
OpenAPI document by the `*_json_schema()` functions; maintenance_requests.py validates with
them. `include_mirrors` makes either run cover the image in all its galleries: the primary
definition and every mirror definition named by its versions' `galleryflow.mirror.<n>` tags
(galleryflow/domain/mirrors.py)."""

from __future__ import annotations

from typing import Any

from galleryflow.domain.fields import Bool, Field, ListOf, Nullable, Obj
from galleryflow.domain.request_fields import (
    DEFINITION_NAME,
    REGION_NAME,
    RETENTION_SPEC,
    VERSION_NAME,
    gallery_spec,
)

INCLUDE_MIRRORS = Field(
    "include_mirrors",
    Bool(
        "also this image in all its galleries: every mirror definition the primary's versions "
        "name in their galleryflow.mirror.<n> tags (written by publishes with `mirrors`)"
    ),
    False,
)

ROLLBACK_SPEC = Obj(
    description="exclude a bad version from latest, everywhere or in some regions",
    fields=(
        Field("gallery", gallery_spec("defaults to the app's subscription")),
        Field("image_definition", DEFINITION_NAME),
        Field("version", VERSION_NAME),
        Field(
            "regions",
            Nullable(
                ListOf(REGION_NAME, min_items=1), "regions to exclude it in; null = everywhere"
            ),
            None,
        ),
        INCLUDE_MIRRORS,
    ),
)

PRUNE_SPEC = Obj(
    description="plan (and optionally apply) retention for an image definition",
    fields=(
        Field("gallery", gallery_spec("defaults to the app's subscription")),
        Field("image_definition", DEFINITION_NAME),
        Field("retention", RETENTION_SPEC, {}),
        Field("apply", Bool("carry out the plan (false: only report it)"), False),
        INCLUDE_MIRRORS,
    ),
)


def rollback_request_json_schema() -> dict[str, Any]:
    return ROLLBACK_SPEC.schema_document("RollbackRequest")


def prune_request_json_schema() -> dict[str, Any]:
    return PRUNE_SPEC.schema_document("PruneRequest")
