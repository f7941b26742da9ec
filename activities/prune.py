"""Prune: plan retention with the domain, then delete/shrink one version at a time.

Sequential, oldest first, shrinks before deletions: parallel writes on one definition get
409 OperationNotAllowed from ARM. Protected versions (latest anywhere, in use, blocked
before end of life) are never touched: the domain plan keeps them, and `protect` keeps
the version this run just published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from activities import bp
from activities.guard import Payload, guarded
from activities.quota import image_version_usage
from galleryflow.azure import compute
from galleryflow.azure.errors import Conflict
from galleryflow.azure.inventory import full_gallery, load_versions, records
from galleryflow.domain.retention import (
    RetentionAction,
    RetentionPolicy,
    plan_retention,
)
from galleryflow.durable.names import Activity


@guarded
def _prune(payload: Payload) -> Payload:
    target = payload["target"]
    gallery = full_gallery(target["gallery"])
    target = {**target, "gallery": gallery}
    policy = RetentionPolicy.from_dict(payload.get("retention") or {})
    protect = set(payload.get("protect") or [])
    adding = int(payload.get("adding") or 0)
    # the gallery's, the versions' source VMs' and GALLERYFLOW_INUSE_SUBSCRIPTIONS' are added
    scan = tuple(payload.get("scan_subscriptions") or ())
    versions = load_versions(target, with_in_use=True, scan=tuple(str(s) for s in scan if s))
    # The definition's region is the gallery's home: the quota counts there, and a shrunk
    # version must keep it (ARM needs a version's own region among its targets).
    home = str(compute.get_image_definition(gallery, target["definition"])["location"])
    planned = plan_retention(
        records(versions),
        policy,
        now=datetime.fromisoformat(payload["now"]),
        quota=image_version_usage(str(gallery["subscription_id"]), home) if adding else None,
        adding=adding,
        home_region=home,
    )
    plan = planned.protecting(protect, "published by this run")
    deleted: list[str] = []
    shrunk: list[str] = []
    warnings: list[str] = []
    if plan.shortfall:
        warnings.append(plan.message)
    if payload.get("apply") or payload.get("restore_lifted"):
        # A previous attempt that died between a lift and its restore: restore first.
        for version in versions:
            if compute.SAFETY_LIFTED_TAG in (version.get("tags") or {}):
                compute.restore_safety(gallery, target["definition"], version["name"])
    if payload.get("apply"):
        by_name = {v["name"]: v for v in versions}
        oldest_first = [d for d in reversed(plan.decisions)]
        for decision in oldest_first:
            if decision.action is RetentionAction.SHRINK:
                gone = set(decision.remove_regions)
                keep = [r for r in by_name[decision.name]["regions"] if r["name"] not in gone]
                # Lifts a protected version's flag in the removal PATCH (ARM cannot restore
                # it in that same request), then puts it back in the next one.
                compute.set_target_regions(gallery, target["definition"], decision.name, keep)
                compute.restore_safety(gallery, target["definition"], decision.name)
                shrunk.append(decision.name)
        for decision in oldest_first:
            if decision.action is RetentionAction.DELETE:
                compute.delete_version(gallery, target["definition"], decision.name)
                deleted.append(decision.name)
    return {
        "plan": plan.to_dict(),
        "applied": bool(payload.get("apply")),
        "deleted": deleted,
        "shrunk": shrunk,
        "warnings": warnings,
    }


@bp.activity_trigger(input_name="payload", activity=Activity.PRUNE_VERSIONS)
def prune_versions(payload: Payload) -> Payload:
    """{"target", "retention", "apply", "protect": [names], "adding": n, "now"}
    -> {"plan", "applied", "deleted", "shrunk", "warnings"}. Idempotent (deletes of
    absent versions succeed)."""
    return _prune(payload)


def _version_of(payload: Payload) -> tuple[dict[str, Any], str, str]:
    """(the full gallery, the definition, the version name) of {"target", "version"}."""
    target = payload["target"]
    return full_gallery(target["gallery"]), target["definition"], str(payload["version"])


@guarded
def _prune_one(payload: Payload) -> Payload:
    gallery, definition, name = _version_of(payload)
    try:
        if payload["action"] == "delete":
            compute.delete_version(gallery, definition, name)  # waits for the deletion
            return {"state": "Deleted"}
        if payload["action"] == "restore_safety":  # after a shrink: put the flag back
            restored = compute.restore_safety(gallery, definition, name)
            return {"state": restored.get("provisioning_state")}
        current = compute.get_version(gallery, definition, name)
        gone = set(payload.get("remove_regions") or [])
        keep = [r for r in current["regions"] if r["name"] not in gone]
        if len(keep) == len(current["regions"]):  # shrunk already (a retried activity)
            return {"state": current.get("provisioning_state")}
        # Lifts a protected version's flag in the removal PATCH (ARM cannot restore it in that
        # same request); prune_apply sends `restore_safety` once this write is done.
        updated = compute.set_target_regions(gallery, definition, name, keep)
        return {"state": updated.get("provisioning_state")}
    except Conflict as busy:
        if not busy.retryable:
            raise
        return {"busy": True, "message": busy.message}


@bp.activity_trigger(input_name="payload", activity=Activity.PRUNE_ONE)
def prune_one_version(payload: Payload) -> Payload:
    """{"target", "version", "action": "shrink"|"restore_safety"|"delete", "remove_regions"}
    -> {"state"}
    (the version's provisioning state after the write; "Deleted"), or {"busy": True,
    "message"} when ARM refused it because another operation is in progress. Idempotent."""
    return _prune_one(payload)


@guarded
def _version_state(payload: Payload) -> Payload:
    version = compute.get_version(*_version_of(payload))
    return {"state": version.get("provisioning_state")}


@bp.activity_trigger(input_name="payload", activity=Activity.VERSION_STATE)
def read_version_state(payload: Payload) -> Payload:
    """{"target", "version"} -> {"state": provisioning state}."""
    return _version_state(payload)


@guarded
def _delete(payload: Payload) -> Payload:
    return compute.delete_version(*_version_of(payload))


@bp.activity_trigger(input_name="payload", activity=Activity.DELETE_VERSION)
def delete_image_version(payload: Payload) -> Payload:
    """{"target", "version"} -> {"deleted": True, "already_absent"} (cleanup_on_failure)."""
    return _delete(payload)
