"""The parts of a publish request as value types: gallery, source VM id, version, target
region, rollout and replication policy (request.py builds them from validated dicts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from galleryflow.domain.replicas import StorageAccountType
from galleryflow.domain.request_fields import REPLICATION_SPEC, ROLLOUT_SPEC, VM_ID_PATTERN
from galleryflow.domain.versions import VersionStrategy


class RolloutMode(StrEnum):
    ALL_AT_ONCE = "all_at_once"
    WAVES = "waves"
    CANARY = "canary"


class RegionFailureMode(StrEnum):
    FAIL = "fail"
    PROMOTE_COMPLETED = "promote_completed"


@dataclass(frozen=True)
class VmRef:
    subscription_id: str
    resource_group: str
    name: str


def parse_vm_id(vm_id: str) -> VmRef:
    match = re.fullmatch(VM_ID_PATTERN, vm_id)
    if match is None:
        raise ValueError(f"{vm_id!r} is not a virtual machine resource id")
    return VmRef(*match.groups())


@dataclass(frozen=True)
class GalleryRef:
    resource_group: str
    name: str
    subscription_id: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GalleryRef:
        return cls(data["resource_group"], data["name"], data["subscription_id"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "name": self.name,
        }


@dataclass(frozen=True)
class VersionSpec:
    strategy: VersionStrategy
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy.value, "value": self.value}


@dataclass(frozen=True)
class TargetRegion:
    name: str
    replica_count: int
    storage_account_type: StorageAccountType
    exclude_from_latest: bool = False
    # The request's `encryption` object (snake_case, see encryption.py), or None.
    encryption: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "replica_count": self.replica_count,
            "storage_account_type": self.storage_account_type.value,
            "exclude_from_latest": self.exclude_from_latest,
            "encryption": dict(self.encryption) if self.encryption else None,
        }


_ROLLOUT_DEFAULTS = ROLLOUT_SPEC.check({}, "$", [])  # the field table: one source
_ROLLOUT_MODE = RolloutMode(_ROLLOUT_DEFAULTS["mode"])


@dataclass(frozen=True)
class Rollout:
    mode: RolloutMode = _ROLLOUT_MODE
    waves: tuple[tuple[str, ...], ...] = tuple(_ROLLOUT_DEFAULTS["waves"])
    soak_minutes: int = _ROLLOUT_DEFAULTS["soak_minutes"]
    approval: bool = _ROLLOUT_DEFAULTS["approval"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "waves": [list(w) for w in self.waves],
            "soak_minutes": self.soak_minutes,
            "approval": self.approval,
        }


_REPLICATION_DEFAULTS = REPLICATION_SPEC.check({}, "$", [])  # the field table: one source
_ON_REGION_FAILURE = RegionFailureMode(_REPLICATION_DEFAULTS["on_region_failure"])


@dataclass(frozen=True)
class ReplicationPolicy:
    max_region_retries: int = _REPLICATION_DEFAULTS["max_region_retries"]
    on_region_failure: RegionFailureMode = _ON_REGION_FAILURE
    stall_minutes: int = _REPLICATION_DEFAULTS["stall_minutes"]
    region_timeout_minutes: int | None = _REPLICATION_DEFAULTS["region_timeout_minutes"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_region_retries": self.max_region_retries,
            "on_region_failure": self.on_region_failure.value,
            "stall_minutes": self.stall_minutes,
            "region_timeout_minutes": self.region_timeout_minutes,
        }
