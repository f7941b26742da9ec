"""The preflight's mirror part: read each mirror gallery and definition, check them against
the primary (galleryflow/domain/mirrors.py decides) and plan each mirror's regions and
waves. Called by the preflight activity; nothing is changed here."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from activities.guard import Payload, refuse
from galleryflow.azure import compute
from galleryflow.azure.errors import NotFound
from galleryflow.domain.mirrors import Mirror, home_region_problem, mirror_mismatches
from galleryflow.domain.regions import normalise_region
from galleryflow.domain.request import PublishRequest
from galleryflow.domain.rollout import promotion_waves


def plan_mirrors(
    request: PublishRequest,
    vm: dict[str, Any],
    definition: dict[str, Any],
    version: str,
    run_id: str,
) -> tuple[list[Payload], list[str]] | Payload:
    """`(plans, warnings)`, or the refusal of the first mirror that cannot take a copy."""
    plans: list[Payload] = []
    warnings: list[str] = []
    for index, mirror in enumerate(request.mirrors):
        where = f"mirror {index + 1} ($.mirrors[{index}])"
        try:
            compute.get_gallery(mirror.gallery.to_dict())
            found = compute.get_image_definition(mirror.gallery.to_dict(), mirror.image_definition)
        except NotFound as missing:
            return refuse(
                "MirrorNotFound",
                f"{where}: {missing.message}; create the mirror gallery and definition "
                "first (same OS type, OS state and generation as the primary), or fix "
                "the mirror's gallery / image_definition",
                mirror.definition_id,
            )
        mismatches = mirror_mismatches(vm, definition, found)
        if mismatches:
            return refuse(
                mismatches[0].code,
                f"{where}: " + "; ".join(m.message for m in mismatches),
                mirror.definition_id,
            )
        home = normalise_region(str(found["location"]))
        problem = home_region_problem(home, list(request.region_names))
        if problem:
            return refuse("MirrorSourceRegionMissing", f"{where}: {problem}", mirror.definition_id)
        existing = [
            v
            for v in compute.list_versions(
                mirror.gallery.to_dict(), mirror.image_definition, with_replication=False
            )
            if v["name"] == version
        ]
        adopt = bool(existing) and existing[0]["tags"].get(compute.IDEMPOTENCY_TAG) == run_id
        if existing and not adopt:
            return refuse(
                "VersionAlreadyExists",
                f"{where}: the mirror definition already has a version {version} that this run "
                "did not make; remove it there, or publish an explicit version name both "
                "definitions lack",
                mirror.definition_id,
            )
        plan, added = _plan_one(request.for_mirror(mirror), mirror, home)
        if added:
            warnings.append(f"{where}: {added}")
        plans.append({**plan, "index": index, "definition_id": found["id"], "adopt": adopt})
    return plans, warnings


def _plan_one(
    mirror_request: PublishRequest, mirror: Mirror, home: str
) -> tuple[Payload, str | None]:
    """The mirror's target regions (its home region added when missing: a version lives in
    its definition's region) and promotion waves, as the primary's plan has them."""
    request, added = mirror_request.with_source_region(home)
    if added:
        added = added.replace("source region", "mirror home region", 1)
    regions = [
        {**t.to_dict(), **({"home_region": True} if t.name == home else {})}
        for t in request.target_regions
    ]
    waves = promotion_waves(
        request.rollout.mode.value,
        [[normalise_region(r) for r in wave] for wave in request.rollout.waves],
        list(request.region_names),
        home,
    )
    updated = replace(mirror, target_regions=request.target_regions, rollout=request.rollout)
    return {"mirror": updated.to_dict(), "target_regions": regions, "waves": waves}, added
