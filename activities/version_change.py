"""Version changes: plan one with the domain against the versions ARM holds, then apply it.

`plan_version_change` only reads; `apply_version_change` PATCHes the version (target regions
— a removal lifts a protected version's safety profile and the next PATCH restores it —,
excludeFromLatest, end of life). Both are idempotent: applying the same plan again sends
the same target list and flags.
"""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure import compute
from galleryflow.azure.inventory import change_plan, full_gallery
from galleryflow.durable.names import Activity


@guarded
def _plan(payload: Payload) -> Payload:
    return change_plan(payload["target"], payload["change"])


@bp.activity_trigger(input_name="payload", activity=Activity.PLAN_VERSION_CHANGE)
def plan_version_change(payload: Payload) -> Payload:
    """{"target", "change": canonical change request} -> the domain's plan dict
    {"refused", "reasons", "targets", "exclude", "end_of_life", "added", "removed",
    "promote", "before", "after"}."""
    return _plan(payload)


@guarded
def _apply(payload: Payload) -> Payload:
    gallery = full_gallery(payload["target"]["gallery"])
    definition, version, plan = payload["target"]["definition"], payload["version"], payload["plan"]
    if plan.get("targets") is not None:
        compute.set_target_regions(gallery, definition, version, plan["targets"])
        if plan.get("removed"):
            compute.restore_safety(gallery, definition, version)
    exclude = plan.get("exclude")
    if exclude:
        compute.set_exclude_from_latest(
            gallery, definition, version, exclude.get("global"), exclude.get("regions") or {}
        )
    if plan.get("end_of_life"):
        compute.set_end_of_life(gallery, definition, version, str(plan["end_of_life"]))
    current = compute.get_version(gallery, definition, version)
    return {
        "regions": [r["name"] for r in current["regions"]],
        "end_of_life": current["end_of_life"],
        "allow_deletion_of_replicated_locations": current["allow_deletion_of_replicated_locations"],
    }


@bp.activity_trigger(input_name="payload", activity=Activity.APPLY_VERSION_CHANGE)
def apply_version_change(payload: Payload) -> Payload:
    """{"target", "version", "plan"} -> {"regions", "end_of_life",
    "allow_deletion_of_replicated_locations"} after the change."""
    return _apply(payload)
