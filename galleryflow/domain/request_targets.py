"""The cross-field rules of target regions and rollouts, shared by the publish request, its
mirrors (mirrors.py) and the version changes that add regions (version_changes.py)."""

from __future__ import annotations

from typing import Any

from galleryflow.domain.encryption import encryption_problems
from galleryflow.domain.fields import INVALID, is_valid
from galleryflow.domain.problems import Problem, child
from galleryflow.domain.replicas import (
    ReplicaDemand,
    StorageAccountType,
    default_storage_type,
    minimum_replicas,
    plan_replica_counts,
    storage_type_problem,
)
from galleryflow.domain.request_parts import RolloutMode, TargetRegion
from galleryflow.domain.staging import wave_problems


def _check_target(t: Any, path: str, production: object, problems: list[Problem]) -> bool:
    """Cross-field rules of one target region; checks only the members that are valid."""
    count = t["replica_count"]
    name, storage = t["name"], t["storage_account_type"]
    ok = True
    for demand in ("expected_concurrent_deployments", "concurrent_scale_sets"):
        if isinstance(count, int) and isinstance(t[demand], int):
            ok = False
            problems.append(
                Problem(
                    path,
                    f"replica_count and {demand} are both set",
                    "give an explicit count, or the demand to plan from (deployments and/or "
                    "scale sets)",
                )
            )
    encryption = encryption_problems(t["encryption"], child(path, "encryption"))
    if encryption:
        ok = False
        problems.extend(encryption)
    if isinstance(production, bool) and isinstance(count, int):
        floor = minimum_replicas(production)
        if count < floor:
            ok = False
            problems.append(
                Problem(
                    child(path, "replica_count"),
                    f"production images need at least {floor} replicas",
                    "raise replica_count, or set production to false",
                )
            )
    if is_valid(name) and isinstance(storage, str):
        failure = storage_type_problem(name, StorageAccountType(storage))
        if failure:
            ok = False
            problems.append(Problem(child(path, "storage_account_type"), *failure))
    return ok


def plan_targets(
    clean: Any, problems: list[Problem], path: str = "$.target_regions"
) -> tuple[TargetRegion, ...] | None:
    """Cross-field rules of `clean["target_regions"]` (at `path`), then replica planning
    with `clean["production"]`. None when invalid."""
    targets = clean["target_regions"]
    production = clean["production"]
    if not isinstance(targets, list):
        return None
    ok = is_valid(targets) and isinstance(production, bool)
    for i, t in enumerate(targets):
        if isinstance(t, dict):
            ok = _check_target(t, child(path, i), production, problems) and ok
    first_seen: dict[str, int] = {}
    for i, t in enumerate(targets):
        name = t["name"] if isinstance(t, dict) and is_valid(t["name"]) else None
        if name is None:
            continue
        if name in first_seen:
            ok = False
            problems.append(
                Problem(
                    child(child(path, i), "name"),
                    f"{name} is listed twice (also at index {first_seen[name]})",
                    "list each region once",
                )
            )
        first_seen.setdefault(name, i)
    if not ok:
        return None
    plan = plan_replica_counts(
        [
            ReplicaDemand(
                t["name"],
                t["replica_count"],
                t["expected_concurrent_deployments"],
                t["concurrent_scale_sets"],
            )
            for t in targets
        ],
        production,
    )
    for over in plan.problems:
        problems.append(Problem(child(path, over.index), over.message, over.hint))
    if plan.problems:
        return None
    return tuple(
        TargetRegion(
            t["name"],
            count,
            StorageAccountType(t["storage_account_type"])
            if t["storage_account_type"]
            else default_storage_type(t["name"]),
            t["exclude_from_latest"],
            t["encryption"],
        )
        for t, count in zip(targets, plan.counts, strict=True)
    )


def target_names(targets: object) -> list[str] | None:
    """Normalised target names when every one of them is valid, else None."""
    if not isinstance(targets, list):
        return None
    names = [t["name"] if isinstance(t, dict) else INVALID for t in targets]
    return names if all(is_valid(n) for n in names) else None


def check_rollout(
    rollout: Any, targets: list[str] | None, problems: list[Problem], path: str = "$.rollout"
) -> None:
    if not is_valid(rollout):
        return
    if rollout["mode"] != RolloutMode.WAVES and rollout["waves"]:
        problems.append(
            Problem(
                child(path, "waves"),
                "waves are only used with mode 'waves'",
                "set mode to 'waves', or remove waves",
            )
        )
    if rollout["mode"] == RolloutMode.CANARY:
        for name in ("soak_minutes", "approval"):
            if rollout[name]:
                problems.append(
                    Problem(
                        child(path, name),
                        f"{name} needs explicit waves; the canary rollout has none",
                        "set mode to 'waves' and list the waves, e.g. "
                        '[["westeurope"], ["northeurope", "eastus"]], or remove it',
                    )
                )
    if rollout["mode"] == RolloutMode.WAVES and targets is not None:
        problems.extend(wave_problems(rollout["waves"], targets, child(path, "waves")))
