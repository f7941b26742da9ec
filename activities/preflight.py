"""Preflight: read the source VM, gallery, definition, the role's permissions on them,
versions and quotas; return the plan.

The orchestrator follows the plan; every rule comes from galleryflow.domain (request
validation, VM-vs-definition compatibility, source region, version naming, quota math).
Nothing is changed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from activities import bp
from activities.guard import Payload, guarded, refuse
from activities.mirror_preflight import plan_mirrors
from activities.quota import quota_check
from activities.role_check import role_problems
from galleryflow.azure import compute
from galleryflow.domain.compatibility import source_mismatches
from galleryflow.domain.regions import normalise_region
from galleryflow.domain.replication_modes import ReplicationMode
from galleryflow.domain.request import PublishRequest, RequestValidationError
from galleryflow.domain.rollout import promotion_waves
from galleryflow.domain.skip_when_current import current_version
from galleryflow.domain.versions import VersionError, next_version
from galleryflow.durable.names import Activity


@guarded
def _preflight(payload: Payload) -> Payload:
    now = datetime.fromisoformat(payload["now"])
    run_id = payload["run_id"]
    try:
        request = PublishRequest.from_dict(payload["request"])
    except RequestValidationError as exc:
        details = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
        return refuse("InvalidRequest", details, "$")
    vm = compute.get_vm(request.source_vm_id)
    if vm.get("os_disk_id"):
        # The architecture (x64/Arm64) is only on the OS disk (docs/azure-facts.md#q8).
        vm = {**vm, "architecture": compute.get_disk(str(vm["os_disk_id"]))["architecture"]}
    gallery = request.gallery.to_dict()
    compute.get_gallery(gallery)
    definition = compute.get_image_definition(gallery, request.image_definition)
    mismatches = source_mismatches(vm, definition, generalize=request.generalize)
    if mismatches:
        message = "; ".join(m.message for m in mismatches)
        return refuse(mismatches[0].code, message, request.source_vm_id)
    warnings: list[str] = []
    refusal, unchecked = role_problems(request, str(vm["power_state"]), definition["id"])
    if refusal:
        return refuse("AuthorizationFailed", refusal, request.source_vm_id)
    warnings += [unchecked] if unchecked else []
    request, added = request.with_source_region(str(vm.get("location") or ""))
    if added and request.replication_mode is ReplicationMode.SHALLOW:
        return refuse(
            "ShallowOutsideSourceRegion",
            f"a Shallow version lives in its source region only, and the source VM is in "
            f"{normalise_region(str(vm.get('location') or ''))}: target that region, or use "
            "replication_mode Full",
            request.source_vm_id,
        )
    if added:
        warnings.append(added)

    versions = compute.list_versions(gallery, request.image_definition, with_replication=False)
    ours = [v for v in versions if v["tags"].get(compute.IDEMPOTENCY_TAG) == run_id]
    if ours:
        version, adopt = str(ours[0]["name"]), True
    else:
        try:
            chosen = next_version(
                request.version.strategy,
                [str(v["name"]) for v in versions],
                now=now,
                explicit=request.version.value,
            )
        except VersionError as exc:
            return refuse("VersionNotAvailable", f"{exc} ({exc.hint})", definition["id"])
        version, adopt = str(chosen), False

    mirrors = plan_mirrors(request, vm, definition, version, run_id)
    if isinstance(mirrors, dict):
        return mirrors  # a mirror's refusal
    warnings.extend(mirrors[1])
    home = normalise_region(str(definition["location"]))
    regions = [
        {**t.to_dict(), **({"home_region": True} if t.name == home else {})}
        for t in request.target_regions
    ]
    quota = (
        {"fits": True}
        if adopt
        else quota_check(str(gallery["subscription_id"]), definition["location"])
    )
    return {
        "gallery": gallery,
        "definition": request.image_definition,
        "definition_id": definition["id"],
        "version": version,
        "adopt": adopt,
        "vm": {
            "id": vm["id"],
            "power_state": vm["power_state"],
            "generalized": bool(vm.get("generalized")),
            "os_type": vm.get("os_type"),
            "location": normalise_region(str(vm.get("location") or "")),
        },
        "target_regions": regions,
        "waves": promotion_waves(
            request.rollout.mode.value,
            [[normalise_region(r) for r in wave] for wave in request.rollout.waves],
            list(request.region_names),
            home,
        ),
        "quota": quota,
        "warnings": warnings,
        # what skip_when_current compares with: {"version", "fingerprint"} or None
        "current": current_version(versions),
        "mirrors": mirrors[0],
    }


@bp.activity_trigger(input_name="payload", activity=Activity.PREFLIGHT)
def preflight_publish(payload: Payload) -> Payload:
    """{"request": canonical publish request, "run_id", "now"} -> the run's plan:
    {"gallery", "definition", "definition_id", "version", "adopt", "vm", "target_regions",
    "waves", "quota": {"fits", "must_free", "region", "message"}, "warnings",
    "current": {"version", "fingerprint"} | null, "mirrors": [{"index", "mirror",
    "definition_id", "adopt", "target_regions", "waves"}]}."""
    return _preflight(payload)


__all__: list[Any] = ["preflight_publish"]
