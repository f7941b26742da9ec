"""Rollback planning: the domain's rollback check over the definition's current versions."""

from __future__ import annotations

from activities import bp
from activities.guard import Payload, guarded
from galleryflow.azure.inventory import load_versions, records
from galleryflow.domain.rollback import plan_rollback as domain_plan_rollback
from galleryflow.durable.names import Activity


@guarded
def _plan(payload: Payload) -> Payload:
    versions = records(load_versions(payload["target"], with_in_use=False))
    regions = payload.get("regions")
    plan = domain_plan_rollback(versions, str(payload["version"]), regions)
    return plan.to_dict()


@bp.activity_trigger(input_name="payload", activity=Activity.PLAN_ROLLBACK)
def plan_rollback(payload: Payload) -> Payload:
    """{"target", "version", "regions": [..] | None} -> the domain's RollbackPlan dict:
    {"refused", "reasons", "changes": {"global", "regions"}, "before", "after", "affected"}."""
    return _plan(payload)
