"""Mirror galleries (#14): the publish request's `mirrors` as value types, their cross-field
rules, the preflight's definition checks and the tags that let rollback and prune find an
image's mirrors. Pure.

A mirror is a copy of the primary version in another gallery (another subscription is
fine), made with `storageProfile.source.id` = the primary version's id. Azure creates it in
the mirror definition's region (its `location`, the mirror's home region) and needs the
source replicated there, and the two definitions must agree in OS type, OS state and
Hyper-V generation (docs/azure-facts.md#q5); the security type and architecture follow the
source's disks (#q8). The mirror then replicates, goes live and is pruned on its own terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from galleryflow.domain.compatibility import Mismatch
from galleryflow.domain.fields import is_valid
from galleryflow.domain.problems import Problem, child
from galleryflow.domain.regions import normalise_region
from galleryflow.domain.replicas import StorageAccountType
from galleryflow.domain.request_parts import GalleryRef, Rollout, RolloutMode, TargetRegion
from galleryflow.domain.request_targets import check_rollout, plan_targets, target_names
from galleryflow.domain.resource_ids import definition_id
from galleryflow.domain.security import security_mismatches
from galleryflow.domain.version_tags import (
    BOOKKEEPING_TAGS,
    INFORMATIONAL_TAGS,
    MAX_TAGS,
)
from galleryflow.domain.version_tags import MAX_VALUE as TAG_MAX

TAG_PREFIX = "galleryflow.mirror."  # + 1-based index; value: the mirror definition's id
OWN_TAGS = len(BOOKKEEPING_TAGS) + len(INFORMATIONAL_TAGS)  # galleryflow's other tags
_DEFINITION_ID = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Compute"
    r"/galleries/([^/]+)/images/([^/]+)$",
    re.IGNORECASE,
)


class MirrorFailurePolicy(StrEnum):
    WARN = "warn"  # the run ends partially_succeeded with a warning
    FAIL = "fail"  # the run fails; the primary stays live all the same


@dataclass(frozen=True)
class Mirror:
    gallery: GalleryRef
    image_definition: str
    target_regions: tuple[TargetRegion, ...]
    rollout: Rollout = field(default_factory=lambda: Rollout(RolloutMode.CANARY))
    on_failure: MirrorFailurePolicy = MirrorFailurePolicy.WARN

    @property
    def definition_id(self) -> str:
        return definition_id(self.gallery.to_dict(), self.image_definition)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mirror:
        """From `to_dict()`'s canonical form (the preflight's plan carries it)."""
        rollout = data["rollout"]
        return cls(
            GalleryRef.from_dict(data["gallery"]),
            data["image_definition"],
            tuple(
                TargetRegion(
                    t["name"],
                    t["replica_count"],
                    StorageAccountType(t["storage_account_type"]),
                    t["exclude_from_latest"],
                    t["encryption"],
                )
                for t in data["target_regions"]
            ),
            _rollout(rollout),
            MirrorFailurePolicy(data["on_failure"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "gallery": self.gallery.to_dict(),
            "image_definition": self.image_definition,
            "target_regions": [t.to_dict() for t in self.target_regions],
            "rollout": self.rollout.to_dict(),
            "on_failure": self.on_failure.value,
        }


def parse_mirrors(
    clean: Mapping[str, Any], primary: GalleryRef | None, problems: list[Problem]
) -> tuple[Mirror, ...]:
    """The validated `mirrors` of a checked publish request (`clean`); `primary` is its
    gallery with the subscription filled in (None when it is invalid). Problems are added
    for every mirror rule broken; the result is only used when there are none."""
    mirrors: list[Mirror] = []
    items = clean["mirrors"]
    if not isinstance(items, list):
        return ()
    if items and clean.get("replication_mode") == "Shallow":
        problems.append(
            Problem(
                "$.mirrors",
                "a Shallow version lives in its source region only and cannot be mirrored",
                "use replication_mode Full, or remove mirrors",
            )
        )
    tags = clean.get("tags")
    if items and isinstance(tags, dict) and len(tags) + len(items) + OWN_TAGS > MAX_TAGS:
        problems.append(
            Problem(
                "$.mirrors",
                f"each mirror takes a tag on the version and Azure allows {MAX_TAGS} tags: "
                f"{len(tags)} tags + {len(items)} mirror(s) + {OWN_TAGS} of galleryflow's",
                "remove some tags or mirrors",
            )
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path = child("$.mirrors", index)
        if not isinstance(item, dict):
            continue
        mirror = _parse_one(item, path, clean, primary, problems)
        if mirror is None:
            continue
        key = mirror.definition_id.lower()
        own = primary is not None and key == _primary_id(primary, clean)
        if own or key in seen:
            what = "the primary" if key not in seen else f"mirror {seen[key]}"
            problems.append(
                Problem(
                    path,
                    f"names the same image definition as {what}",
                    "give another gallery (or image_definition) for each mirror",
                )
            )
        seen.setdefault(key, index)
        if len(mirror.definition_id) > TAG_MAX:
            problems.append(
                Problem(
                    path,
                    f"the mirror definition's id is {len(mirror.definition_id)} characters; the "
                    f"version's tag that names it takes at most {TAG_MAX}",
                    "use shorter resource group, gallery or definition names",
                )
            )
        mirrors.append(mirror)
    return tuple(mirrors)


def _primary_id(primary: GalleryRef, clean: Mapping[str, Any]) -> str:
    return definition_id(primary.to_dict(), clean["image_definition"]).lower()


def _parse_one(
    item: Mapping[str, Any],
    path: str,
    clean: Mapping[str, Any],
    primary: GalleryRef | None,
    problems: list[Problem],
) -> Mirror | None:
    targets_path = child(path, "target_regions")
    targets = plan_targets(
        {"target_regions": item["target_regions"], "production": clean["production"]},
        problems,
        targets_path,
    )
    check_rollout(
        item["rollout"], target_names(item["target_regions"]), problems, child(path, "rollout")
    )
    gallery, definition = item["gallery"], item["image_definition"] or clean["image_definition"]
    if targets is None or primary is None or not is_valid(gallery) or not is_valid(definition):
        return None
    if not is_valid(item["rollout"]):
        return None
    ref = GalleryRef.from_dict(gallery)
    if ref.subscription_id is None:
        ref = GalleryRef(ref.resource_group, ref.name, primary.subscription_id)
    return Mirror(
        ref, definition, targets, _rollout(item["rollout"]), MirrorFailurePolicy(item["on_failure"])
    )


def _rollout(data: Mapping[str, Any]) -> Rollout:
    return Rollout(
        RolloutMode(data["mode"]),
        tuple(tuple(w) for w in data["waves"]),
        data["soak_minutes"],
        data["approval"],
    )


def mirror_tags(mirrors: tuple[Mirror, ...] | list[Mirror]) -> dict[str, str]:
    """The tags the primary version carries so rollback and prune find its mirrors."""
    return {f"{TAG_PREFIX}{i + 1}": m.definition_id for i, m in enumerate(mirrors)}


def targets_from_tags(versions_tags: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Every mirror named by `galleryflow.mirror.<n>` tags of the primary's versions, as
    `{"gallery": {...}, "definition": name}` targets, each once, in first-seen order."""
    found: dict[str, dict[str, Any]] = {}
    for tags in versions_tags:
        for name, value in sorted(tags.items()):
            match = _DEFINITION_ID.match(str(value)) if name.startswith(TAG_PREFIX) else None
            if match is None or str(value).lower() in found:
                continue
            sub, rg, gallery, definition = match.groups()
            found[str(value).lower()] = {
                "gallery": {"subscription_id": sub, "resource_group": rg, "name": gallery},
                "definition": definition,
            }
    return list(found.values())


_SAME = (
    ("os_type", "OS type", "OsTypeMismatch"),
    ("os_state", "OS state", "OsStateMismatch"),
    ("hyper_v_generation", "Hyper-V generation", "HyperVGenerationMismatch"),
)  # architecture, security type and disk controller: the source VM's vs the mirror's (q8)


def mirror_mismatches(
    vm: Mapping[str, Any], primary: Mapping[str, Any], mirror: Mapping[str, Any]
) -> list[Mismatch]:
    """Why a copy of the primary version cannot go into the mirror definition (empty: it
    can). `primary` and `mirror` are the gateway's definition dicts; `vm` is the source VM
    whose disks the version holds (its security type, architecture and disk controller must
    fit the mirror's features as they fit the primary's)."""
    found: list[Mismatch] = []
    for key, label, code in _SAME:
        have, want = str(primary.get(key) or "").lower(), str(mirror.get(key) or "").lower()
        if have and want and have != want:
            found.append(
                Mismatch(
                    code,
                    f"the mirror definition's {label} is {mirror.get(key)} but the primary's "
                    f"is {primary.get(key)}: use a mirror definition with the same {label}",
                )
            )
    for code, message in security_mismatches(vm, mirror):
        found.append(Mismatch(code, f"mirror definition: {message}"))
    return found


def home_region_problem(home: str, primary_regions: list[str]) -> str | None:
    """The mirror is created in its definition's region; the primary version must replicate
    there first (docs/azure-facts.md#q5). None when it does."""
    region = normalise_region(home)
    if region in {normalise_region(r) for r in primary_regions}:
        return None
    return (
        f"the mirror definition lives in {region}, and a copy is made from a source replicated "
        f"in that region; the primary targets {', '.join(sorted(primary_regions))}: add "
        f"{region} to the primary's target_regions"
    )
