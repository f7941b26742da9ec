"""Rollback and prune request models: validate plain dicts, give canonical dicts (the field
tables are in maintenance_fields.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from galleryflow.domain.fields import is_valid
from galleryflow.domain.maintenance_fields import PRUNE_SPEC, ROLLBACK_SPEC
from galleryflow.domain.problems import Problem, child, raise_if_any
from galleryflow.domain.regions import duplicate_indexes
from galleryflow.domain.request_parts import GalleryRef
from galleryflow.domain.retention import RetentionPolicy


@dataclass(frozen=True)
class RollbackRequest:
    gallery: GalleryRef
    image_definition: str
    version: str
    # None: exclude the version from latest everywhere (globally).
    regions: tuple[str, ...] | None = None
    # Also in every mirror gallery of the image (maintenance_fields.INCLUDE_MIRRORS).
    include_mirrors: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RollbackRequest:
        return parse_rollback_request(data)

    def mirror_scope(self) -> tuple[bool, str | None]:
        """(include the mirror definitions?, the version they must hold)."""
        return self.include_mirrors, self.version

    def to_dict(self) -> dict[str, Any]:
        return {
            "gallery": self.gallery.to_dict(),
            "image_definition": self.image_definition,
            "version": self.version,
            "regions": list(self.regions) if self.regions is not None else None,
            "include_mirrors": self.include_mirrors,
        }


def parse_rollback_request(data: object) -> RollbackRequest:
    problems: list[Problem] = []
    clean = ROLLBACK_SPEC.check(data, "$", problems)
    if isinstance(clean, dict) and is_valid(clean["regions"]) and clean["regions"] is not None:
        for dup, _first in duplicate_indexes(clean["regions"]):
            problems.append(
                Problem(child("$.regions", dup), "region is listed twice", "list each region once")
            )
    if isinstance(clean, dict) and clean["include_mirrors"] is True and clean["regions"]:
        problems.append(
            Problem(
                "$.include_mirrors",
                "include_mirrors rolls the version back everywhere in every gallery; it cannot "
                "be combined with regions (mirror galleries have regions of their own)",
                "remove regions, or set include_mirrors to false",
            )
        )
    raise_if_any(problems)
    regions = clean["regions"]
    return RollbackRequest(
        GalleryRef.from_dict(clean["gallery"]),
        clean["image_definition"],
        clean["version"],
        tuple(regions) if regions is not None else None,
        clean["include_mirrors"],
    )


@dataclass(frozen=True)
class PruneRequest:
    gallery: GalleryRef
    image_definition: str
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    apply: bool = False
    include_mirrors: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PruneRequest:
        return parse_prune_request(data)

    def mirror_scope(self) -> tuple[bool, str | None]:
        """(include the mirror definitions?, None: every mirror definition of the image)."""
        return self.include_mirrors, None

    def to_dict(self) -> dict[str, Any]:
        return {
            "gallery": self.gallery.to_dict(),
            "image_definition": self.image_definition,
            "retention": self.retention.to_dict(),
            "apply": self.apply,
            "include_mirrors": self.include_mirrors,
        }


def parse_prune_request(data: object) -> PruneRequest:
    problems: list[Problem] = []
    clean = PRUNE_SPEC.check(data, "$", problems)
    raise_if_any(problems)
    return PruneRequest(
        GalleryRef.from_dict(clean["gallery"]),
        clean["image_definition"],
        RetentionPolicy.from_dict(clean["retention"]),
        clean["apply"],
        clean["include_mirrors"],
    )
