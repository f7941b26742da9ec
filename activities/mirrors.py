"""Finding "this image in all its galleries": the mirror definitions named by the primary's
versions' `galleryflow.mirror.<n>` tags (galleryflow/domain/mirrors.py reads them)."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import compute
from galleryflow.domain.mirrors import targets_from_tags
from galleryflow.durable.names import Activity


@guarded
def _find(payload: Payload) -> Payload:
    target = payload["target"]
    versions = compute.list_versions(
        target["gallery"], target["definition"], with_replication=False
    )
    wanted = payload.get("version")
    tags = [dict(v.get("tags") or {}) for v in versions if wanted in (None, v["name"])]
    return {"targets": targets_from_tags(tags)}


@bp.activity_trigger(input_name="payload", activity=Activity.FIND_MIRRORS)
def find_mirrors(payload: Payload) -> Payload:
    """{"target": {"gallery", "definition"}, "version": name | None} -> {"targets": [{"gallery",
    "definition"}]}: the mirrors of that version (None: of every version), each once."""
    return _find(payload)
