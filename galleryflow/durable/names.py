"""Orchestration, activity and external event names as registered with the host.

Registration (`@bp.orchestration_trigger(orchestration=...)`, `@bp.activity_trigger(
activity=...)`) and every call (`call_activity`, `start_new`, `raise_event`) use these
constants, so trigger -> orchestrator -> activity can be followed by imports.
"""

from __future__ import annotations

from typing import Final


class Orchestration:
    PUBLISH: Final = "publish_image"
    REPLICATION_MONITOR: Final = "replication_monitor"
    ROLLBACK: Final = "rollback_image"
    PRUNE: Final = "prune_image"
    PRUNE_APPLY: Final = "prune_apply"
    DEVOPS_WATCHER: Final = "devops_callback"
    CHANGE_VERSION: Final = "change_version"
    PUBLISH_MIRRORS: Final = "publish_mirrors"


class Activity:
    PREFLIGHT: Final = "preflight_publish"
    RUN_LIVENESS: Final = "run_liveness"
    STOP_CHILD_RUN: Final = "stop_child_run"
    SIGNAL_CHILD_RUN: Final = "signal_child_run"
    SET_VM_POWER_STATE: Final = "set_vm_power_state"
    GENERALIZE_VM: Final = "generalize_vm"
    START_PATCH_OPERATION: Final = "start_patch_operation"
    POLL_PATCH_OPERATION: Final = "poll_patch_operation"
    START_RUN_COMMAND: Final = "start_run_command"
    READ_RUN_COMMAND: Final = "read_run_command"
    CAPTURE: Final = "capture_image_version"
    READ_REPLICATION: Final = "read_replication"
    RETRY_REGION: Final = "retry_region_replication"
    SET_EXCLUDE_FROM_LATEST: Final = "set_exclude_from_latest"
    PROMOTE_AND_ADD_REGIONS: Final = "promote_and_add_regions"
    RESOLVE_LATEST: Final = "resolve_latest"
    PRUNE_VERSIONS: Final = "prune_versions"
    DELETE_VERSION: Final = "delete_image_version"
    PRUNE_ONE: Final = "prune_one_version"
    VERSION_STATE: Final = "read_version_state"
    PLAN_ROLLBACK: Final = "plan_rollback"
    FIND_MIRRORS: Final = "find_mirrors"
    EMIT_EVENT: Final = "emit_event"
    DEVOPS_SNAPSHOT: Final = "devops_run_snapshot"
    DEVOPS_SEND: Final = "devops_send"
    PLAN_VERSION_CHANGE: Final = "plan_version_change"
    APPLY_VERSION_CHANGE: Final = "apply_version_change"


class Entity:
    RESOURCE_LOCK: Final = "resource_lock"


class Event:
    """External events a publish run waits for (payload `{"by", "comment", "principal"}`:
    `principal` is the authenticated caller the HTTP layer adds, `by` a free-text note)."""

    APPROVE: Final = "approve"
    REJECT: Final = "reject"
    CANCEL: Final = "cancel"
    # parent -> its `publish_mirrors` child: the primary is live (or its rollout ended), so
    # the mirrors may promote (orchestrators/mirror_chain.py)
    PRIMARY_READY: Final = "primary_ready"
    # parent -> `publish_mirrors`: the primary's regions Completed so far (`final`: all it
    # will have), so a mirror waiting for its home region can start. Numbered, one name per
    # update (`primary_regions_1`, `_2`, ...): DF Python keeps an event that arrived before
    # its waiter and hands it to EVERY later waiter of that name, so a name is waited once.
    PRIMARY_REGIONS: Final = "primary_regions"


def numbered(event: str, n: int) -> str:
    """The n-th (1-based) event of a numbered series, e.g. `primary_regions_2`."""
    return f"{event}_{n}"


def is_child_event(name: str) -> bool:
    """An event a parent run may raise on its child (activity signal_child_run)."""
    head, _, n = name.rpartition("_")
    return name == Event.PRIMARY_READY or (head == Event.PRIMARY_REGIONS and n.isdigit())
