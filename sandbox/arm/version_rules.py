"""Rules on image version writes, as written in docs/azure-facts.md.

Each check raises the ARM error Azure answers, or the conservative choice that page states:
- Q1: no update while the version is Creating/Updating (`check_not_busy`);
- Q2: one source feeds one replication at a time (`check_source_free`);
- Q4: when set, at most `replicas_per_version` replicas over all regions (`check_replica_total`);
- Q6: Shallow versions are single-region, unencrypted and not re-replicated (`check_shallow*`).
"""

from __future__ import annotations

from typing import Any

from sandbox.arm import quotas, regions, replication
from sandbox.arm.errors import ArmError, InvalidParameter, OperationNotAllowed, QuotaExceeded
from sandbox.arm.store import Store

BUSY_STATES = ("Creating", "Updating")
PP = "properties.publishingProfile"
SHALLOW_MAX_GB = 32 * 1024  # docs/azure-facts.md#q6: Shallow supports images up to 32 TB


def check_not_busy(store: Store, record: dict[str, Any]) -> None:
    """Q1: refuse an update (PATCH, or PUT of an existing version) while one is running."""
    state = replication.provisioning_state(store, record)
    if state in BUSY_STATES:
        raise OperationNotAllowed(
            f"Operation 'Update Gallery Image Version' is not allowed on '{record['name']}' since "
            f"its provisioning state is '{state}': another operation is in progress. Wait until "
            "the version's provisioningState is Succeeded or Failed, then retry."
        )


def source_key(source_id: str) -> str:
    return source_id.rstrip("/").lower()


def check_source_free(store: Store, source_id: str, own_key: str | None = None) -> None:
    """Q2: a source already feeding a replication that is still running cannot feed another."""
    wanted = source_key(source_id)
    for key, other in store.collection("versions").items():
        if key == own_key or other.get("source_key") != wanted:
            continue
        if replication.provisioning_state(store, other) in BUSY_STATES:
            raise ArmError(
                f"The source image '{source_id}' is being used by another replication currently "
                f"(image version '{other['id']}'). Please retry after some time.",
                status=409,
                code="Conflict",
            )


def replica_total(targets: list[dict[str, Any]]) -> int:
    return sum(int(t["regionalReplicaCount"]) for t in targets)


def check_replica_total(
    store: Store, sub: str, location: str, targets: list[dict[str, Any]]
) -> None:
    """Q4: a cap on the replicas of one version summed over its target regions, only when the
    `replicas_per_version` quota is set (0, the default, means Azure's per-region reading)."""
    total = replica_total(targets)
    maximum = quotas.limit(store, "replicas_per_version", sub, location)
    if maximum > 0 and total > maximum:
        raise QuotaExceeded(
            f"Operation results in exceeding quota limits of replicas per image version. "
            f"Maximum allowed: {maximum}, requested: {total} (the sum of regionalReplicaCount "
            "over all target regions). Lower the replica counts or the number of regions."
        )


def check_shallow_create(publishing: dict[str, Any], location: str, size_gb: int) -> None:
    """Q6: Shallow = the home region only, one replica, no per-region encryption, <= 32 TB."""
    if publishing["replicationMode"] != "Shallow":
        return
    targets = publishing["targetRegions"]
    names = [regions.normalize(t["name"]) for t in targets]
    if names != [location] or targets[0]["regionalReplicaCount"] != 1:
        raise InvalidParameter(
            "An image version with replicationMode 'Shallow' is not replicated: list only its "
            f"own region '{regions.REGIONS[location].display}' in targetRegions, with "
            "regionalReplicaCount 1 (Shallow replication is only for test images; use 'Full' to "
            "replicate).",
            target=f"{PP}.targetRegions",
        )
    if any("encryption" in t for t in targets):
        raise InvalidParameter(
            "Per-region encryption is not supported with replicationMode 'Shallow'. Remove "
            "targetRegions[].encryption or use 'Full'.",
            target=f"{PP}.targetRegions",
        )
    if size_gb > SHALLOW_MAX_GB:
        raise InvalidParameter(
            f"The source is {size_gb} GB; Shallow replication supports images up to "
            f"{SHALLOW_MAX_GB} GB (32 TB).",
            target=f"{PP}.replicationMode",
        )


def check_shallow_update(record: dict[str, Any], profile: dict[str, Any] | None) -> None:
    """Q6: a Shallow version's regions and replica counts cannot be changed afterwards."""
    if record["publishing"]["replicationMode"] != "Shallow" or not profile:
        return
    if profile.get("targetRegions") is None and profile.get("replicaCount") is None:
        return
    current = {
        (regions.normalize(t["name"]), t["regionalReplicaCount"])
        for t in record["publishing"]["targetRegions"]
    }
    sent = profile.get("targetRegions")
    wanted = current
    if isinstance(sent, list):
        wanted = {
            (
                regions.normalize(str(t.get("name", ""))),
                t.get("regionalReplicaCount", profile.get("replicaCount", 1)),
            )
            for t in sent
            if isinstance(t, dict)
        }
    count = profile.get("replicaCount")
    if wanted != current or (count is not None and count != 1):
        raise InvalidParameter(
            "The replication regions and replica counts of an image version with "
            "replicationMode 'Shallow' cannot be updated. Create a new version (Full) to "
            "replicate it.",
            target=f"{PP}.targetRegions",
        )
