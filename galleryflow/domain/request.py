"""Publish, rollback and prune request models: validate plain dicts, give canonical dicts.

This module is the one to import from: the request parts (request_parts.py) and the
rollback/prune requests (maintenance_requests.py) are re-exported here.

`parse_publish_request(data)` checks everything the field table in `request_fields.py`
says plus the cross-field rules below, and raises `RequestValidationError` with EVERY
problem found. `PublishRequest.to_dict()` is the canonical form (schema_version 1, all
defaults filled, regions normalised, replica counts and storage types decided) that the
orchestrator receives; `PublishRequest.from_dict(request.to_dict()) == request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from galleryflow.domain.fields import INVALID, format_utc, is_valid, parse_utc
from galleryflow.domain.maintenance_fields import (
    prune_request_json_schema,
    rollback_request_json_schema,
)
from galleryflow.domain.maintenance_requests import (
    PruneRequest,
    RollbackRequest,
    parse_prune_request,
    parse_rollback_request,
)
from galleryflow.domain.mirrors import Mirror, parse_mirrors
from galleryflow.domain.patching import Customize, PatchSettings
from galleryflow.domain.problems import Problem, RequestValidationError, raise_if_any
from galleryflow.domain.regions import normalise_region, source_region_missing
from galleryflow.domain.replicas import (
    default_storage_type,
    minimum_replicas,
)
from galleryflow.domain.replication_modes import ReplicationMode, replication_mode_problems
from galleryflow.domain.request_fields import (
    PUBLISH_SPEC,
    SCHEMA_VERSION,
    publish_request_json_schema,
)
from galleryflow.domain.request_parts import (
    GalleryRef,
    RegionFailureMode,
    ReplicationPolicy,
    Rollout,
    RolloutMode,
    TargetRegion,
    VersionSpec,
    VmRef,
    parse_vm_id,
)
from galleryflow.domain.request_targets import check_rollout, plan_targets, target_names
from galleryflow.domain.resource_ids import definition_id
from galleryflow.domain.retention import RetentionPolicy
from galleryflow.domain.staging import add_region_to_first_wave
from galleryflow.domain.version_tags import tag_problems
from galleryflow.domain.versions import VersionStrategy

__all__ = [
    "GalleryRef",
    "Problem",
    "PruneRequest",
    "PublishRequest",
    "RegionFailureMode",
    "ReplicationPolicy",
    "RequestValidationError",
    "RetentionPolicy",
    "RollbackRequest",
    "Rollout",
    "RolloutMode",
    "TargetRegion",
    "VersionSpec",
    "VmRef",
    "parse_prune_request",
    "parse_publish_request",
    "parse_rollback_request",
    "parse_vm_id",
    "prune_request_json_schema",
    "publish_request_json_schema",
    "rollback_request_json_schema",
]


@dataclass(frozen=True)
class PublishRequest:
    source_vm_id: str
    gallery: GalleryRef
    image_definition: str
    version: VersionSpec
    target_regions: tuple[TargetRegion, ...]
    production: bool = True
    rollout: Rollout = field(default_factory=lambda: Rollout(RolloutMode.CANARY))
    end_of_life: datetime | None = None
    block_deletion_before_end_of_life: bool = False
    allow_replicated_location_deletion: bool = False
    replication_mode: ReplicationMode = ReplicationMode.FULL
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    replication: ReplicationPolicy = field(default_factory=ReplicationPolicy)
    generalize: bool = False
    cleanup_on_failure: bool = False
    idempotency_key: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    patch: PatchSettings | None = None
    customize: Customize | None = None
    skip_when_current: bool = False
    mirrors: tuple[Mirror, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, now: datetime | None = None) -> PublishRequest:
        """Same as `parse_publish_request`: a canonical dict is validated like any other."""
        return parse_publish_request(data, now=now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "source_vm_id": self.source_vm_id,
            "gallery": self.gallery.to_dict(),
            "image_definition": self.image_definition,
            "version": self.version.to_dict(),
            "target_regions": [t.to_dict() for t in self.target_regions],
            "production": self.production,
            "rollout": self.rollout.to_dict(),
            "end_of_life": format_utc(self.end_of_life) if self.end_of_life else None,
            "block_deletion_before_end_of_life": self.block_deletion_before_end_of_life,
            "allow_replicated_location_deletion": self.allow_replicated_location_deletion,
            "replication_mode": self.replication_mode.value,
            "retention": self.retention.to_dict(),
            "replication": self.replication.to_dict(),
            "generalize": self.generalize,
            "cleanup_on_failure": self.cleanup_on_failure,
            "idempotency_key": self.idempotency_key,
            "tags": dict(self.tags),
            "patch": self.patch.to_dict() if self.patch else None,
            "customize": self.customize.to_dict() if self.customize else None,
            "skip_when_current": self.skip_when_current,
            "mirrors": [m.to_dict() for m in self.mirrors],
        }

    @property
    def definition_id(self) -> str:
        """The image definition's resource id (the gallery subscription is filled in)."""
        return definition_id(self.gallery.to_dict(), self.image_definition)

    def for_mirror(self, mirror: Mirror) -> PublishRequest:
        """The request a mirror's own rollout, retries and retention run by: the primary's
        policies in the mirror's gallery, definition, regions and rollout."""
        return replace(
            self,
            gallery=mirror.gallery,
            image_definition=mirror.image_definition,
            target_regions=mirror.target_regions,
            rollout=mirror.rollout,
            patch=None,
            customize=None,
            mirrors=(),
        )

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.target_regions)

    def with_source_region(self, source_region: str) -> tuple[PublishRequest, str | None]:
        """Add the source VM's region to the targets when missing (Azure requires it; see
        regions.py for why galleryflow adds instead of rejecting). Returns the request and
        a warning to report, or None when nothing changed."""
        if not normalise_region(source_region):
            raise ValueError("the source VM's region is unknown (empty location)")
        if not source_region_missing(self.region_names, source_region):
            return self, None
        region = normalise_region(source_region)
        added = TargetRegion(
            region, minimum_replicas(self.production), default_storage_type(region)
        )
        rollout = self.rollout
        if rollout.mode is RolloutMode.WAVES:
            rollout = replace(rollout, waves=add_region_to_first_wave(rollout.waves, region))
        warning = (
            f"source region {region} was added to the target regions (Azure requires it), "
            f"with {added.replica_count} replica(s) of {added.storage_account_type.value}"
        )
        return replace(self, target_regions=(*self.target_regions, added), rollout=rollout), warning


def parse_publish_request(data: object, *, now: datetime | None = None) -> PublishRequest:
    """Validate a publish request dict; with `now`, an end_of_life in the past is a problem."""
    problems: list[Problem] = []
    clean = PUBLISH_SPEC.check(data, "$", problems)
    if clean is INVALID:  # not even an object
        raise_if_any(problems)
    _check_version(clean["version"], problems)
    targets = plan_targets(clean, problems)
    check_rollout(clean["rollout"], target_names(clean["target_regions"]), problems)
    problems.extend(replication_mode_problems(clean))
    problems.extend(tag_problems(clean["tags"]))
    if clean["skip_when_current"] is True and clean["patch"] is None:
        problems.append(
            Problem(
                "$.skip_when_current",
                "skip_when_current needs `patch`: the skip is decided by a patch assessment",
                "add `patch: {}`, or remove skip_when_current",
            )
        )
    end_of_life = parse_utc(clean["end_of_life"]) if isinstance(clean["end_of_life"], str) else None
    if now is not None and end_of_life is not None and end_of_life <= now:
        problems.append(
            Problem(
                "$.end_of_life",
                f"{clean['end_of_life']} is in the past",
                "give a future date, or null for no end of life",
            )
        )
    gallery = _primary_gallery(clean)
    mirrors = parse_mirrors(clean, gallery, problems)
    raise_if_any(problems)
    if gallery is None:  # cannot happen without a problem; keep mypy and -O honest
        raise RuntimeError("the gallery was not checked")
    rollout = clean["rollout"]
    replication = clean["replication"]
    if targets is None:  # cannot happen without a problem; keep mypy and -O honest
        raise RuntimeError("target regions were not planned")
    return PublishRequest(
        source_vm_id=clean["source_vm_id"],
        gallery=gallery,
        image_definition=clean["image_definition"],
        version=VersionSpec(
            VersionStrategy(clean["version"]["strategy"]), clean["version"]["value"]
        ),
        target_regions=targets,
        production=clean["production"],
        rollout=Rollout(
            RolloutMode(rollout["mode"]),
            tuple(tuple(w) for w in rollout["waves"]),
            rollout["soak_minutes"],
            rollout["approval"],
        ),
        end_of_life=end_of_life,
        block_deletion_before_end_of_life=clean["block_deletion_before_end_of_life"],
        allow_replicated_location_deletion=clean["allow_replicated_location_deletion"],
        replication_mode=ReplicationMode(clean["replication_mode"]),
        retention=RetentionPolicy.from_dict(clean["retention"]),
        replication=ReplicationPolicy(
            replication["max_region_retries"],
            RegionFailureMode(replication["on_region_failure"]),
            replication["stall_minutes"],
            replication["region_timeout_minutes"],
        ),
        generalize=clean["generalize"],
        cleanup_on_failure=clean["cleanup_on_failure"],
        idempotency_key=clean["idempotency_key"],
        tags=clean["tags"],
        patch=PatchSettings.from_dict(clean["patch"]) if clean["patch"] is not None else None,
        customize=(
            Customize.from_dict(clean["customize"]) if clean["customize"] is not None else None
        ),
        skip_when_current=clean["skip_when_current"],
        mirrors=mirrors,
    )


def _primary_gallery(clean: Any) -> GalleryRef | None:
    """The gallery with its subscription (the source VM's by default), when both are valid."""
    if not is_valid(clean["gallery"]) or not is_valid(clean["source_vm_id"]):
        return None
    gallery = GalleryRef.from_dict(clean["gallery"])
    if gallery.subscription_id is None:
        gallery = replace(
            gallery, subscription_id=parse_vm_id(clean["source_vm_id"]).subscription_id
        )
    return gallery


def _check_version(version: Any, problems: list[Problem]) -> None:
    if not is_valid(version):
        return
    if version["strategy"] == VersionStrategy.EXPLICIT and version["value"] is None:
        problems.append(
            Problem("$.version.value", "strategy 'explicit' needs a value", "set value, e.g. 1.2.3")
        )
    if version["strategy"] != VersionStrategy.EXPLICIT and version["value"] is not None:
        problems.append(
            Problem(
                "$.version.value",
                f"strategy {version['strategy']!r} picks the name itself",
                "remove value, or use strategy 'explicit'",
            )
        )
