"""Gallery image versions: capture from a VM, publishing/safety profiles, updates, deletion."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.arm import (
    faults,
    galleries,
    ids,
    operations,
    quotas,
    regions,
    replication,
    sources,
    version_requests,
    version_rules,
    version_sources,
)
from sandbox.arm.clock import parse_iso
from sandbox.arm.errors import (
    InvalidParameter,
    OperationNotAllowed,
    ParentResourceNotFound,
    PropertyChangeNotAllowed,
    ResourceNotFound,
)
from sandbox.arm.store import Store
from sandbox.arm.validation import enum, field, timestamp
from sandbox.arm.version_requests import PP, STORAGE_TYPES


def get_version(
    store: Store, sub: str, rg: str, gallery: str, image: str, name: str
) -> dict[str, Any]:
    record = store.collection("versions").get(
        ids.key(ids.version_id(sub, rg, gallery, image, name))
    )
    if record is None:
        _parent_image(store, sub, rg, gallery, image)
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{name}' "
            f"under resource group '{rg}' was not found."
        )
    return record


def _parent_image(store: Store, sub: str, rg: str, gallery: str, image: str) -> dict[str, Any]:
    galleries.get_gallery_as_parent(store, sub, rg, gallery)
    try:
        return galleries.get_image(store, sub, rg, gallery, image)
    except ResourceNotFound:
        raise ParentResourceNotFound(
            f"Can not perform requested operation on nested resource. Parent resource "
            f"'{gallery}/{image}' (Microsoft.Compute/galleries/images) not found."
        ) from None


# -- create / update / delete -------------------------------------------------------------------
def put_version(
    store: Store,
    sub: str,
    rg: str,
    gallery: str,
    image: str,
    name: str,
    body: dict[str, Any],
    method: str,
    path: str,
    authorization: str | None = None,
) -> tuple[dict[str, Any], bool, dict[str, Any]]:
    """Create or replace a version; returns (record, created, operation)."""
    version_requests.check_version_name(name)
    image_record = _parent_image(store, sub, rg, gallery, image)
    location = galleries.location_of(body)
    galleries.check_parent_location("Image version", location, image_record["location"])
    props = field(body, "properties", dict, "", required=True)
    rid = ids.version_id(sub, rg, gallery, image, name)
    existing = store.collection("versions").get(ids.key(rid))
    if existing is not None:
        storage = field(props, "storageProfile", dict, "properties") or {}
        field(storage, "source", dict, "properties.storageProfile")
        if not sources.same_source(existing["storage"], storage):
            raise PropertyChangeNotAllowed(
                "Changing property 'properties.storageProfile.source' of an existing image version "
                "is not allowed. Create a new version instead.",
                target="properties.storageProfile.source",
            )
        apply_update(store, existing, props, tags=body.get("tags"))
        op = operations.start_operation(store, "version", existing["key"], location, method, path)
        return existing, False, op
    source_version = version_sources.requested_version_id(props)
    if source_version is not None:
        storage, size_gb = version_sources.from_version(
            store, source_version, location, image_record, rid, authorization
        )
    else:
        storage, size_gb = sources.version_storage(store, props, image_record, location)
    publishing = version_requests.publishing(store, props, sub, location)
    shallow = publishing["replicationMode"] == "Shallow"
    version_rules.check_shallow_create(publishing, location, size_gb)
    version_rules.check_replica_total(store, sub, location, publishing["targetRegions"])
    quotas.check(store, "image_versions", sub, location)
    source_id = version_sources.source_id_of(storage)
    version_rules.check_source_free(store, source_id)
    record: dict[str, Any] = {
        "key": ids.key(rid),
        "id": rid,
        "name": name,
        "location": location,
        "tags": field(body, "tags", dict, "") or {},
        "publishing": {**publishing, "publishedDate": store.now_iso()},
        "storage": storage,
        "source_key": version_rules.source_key(source_id),
        "safety": version_requests.safety(props),
        "size_gb": size_gb,
        "violations": faults.take_policy_violations(store, rid),
        "replication": {},
        "phase": "Creating",
        "override": None,
    }
    for target in publishing["targetRegions"]:
        replication.start(store, record, regions.normalize(target["name"]), shallow=shallow)
    store.collection("versions")[record["key"]] = record
    op = operations.start_operation(store, "version", record["key"], location, method, path)
    return record, True, op


def apply_update(
    store: Store, record: dict[str, Any], props: dict[str, Any], tags: Any = None
) -> None:
    """Apply the updatable fields; re-adding or re-submitting a failed region restarts it.

    Refused while an operation runs (docs/azure-facts.md#q1). All or nothing: changes are
    made on a copy that replaces the record only on success.
    """
    version_rules.check_not_busy(store, record)
    profile = field(props, "publishingProfile", dict, "properties")
    version_rules.check_shallow_update(record, profile)
    draft = copy.deepcopy(record)
    _apply_update(store, draft, props, tags)
    record.clear()
    record.update(draft)


def _apply_update(store: Store, record: dict[str, Any], props: dict[str, Any], tags: Any) -> None:
    current = record["publishing"]
    profile = field(props, "publishingProfile", dict, "properties")
    restarted = False
    # a safety profile sent along applies to the region changes of the same request
    record["safety"] = version_requests.safety(props, record["safety"])
    if profile is not None:
        mode = enum(profile, "replicationMode", ["Full", "Shallow"], PP)
        if mode is not None and mode != current["replicationMode"]:
            raise PropertyChangeNotAllowed(
                f"Changing '{PP}.replicationMode' of an existing image version is not allowed.",
                target=f"{PP}.replicationMode",
            )
        storage = enum(profile, "storageAccountType", STORAGE_TYPES, PP)
        if storage is not None and storage != current["storageAccountType"]:
            raise PropertyChangeNotAllowed(
                f"Changing '{PP}.storageAccountType' of an existing image version is not allowed.",
                target=f"{PP}.storageAccountType",
            )
        sub = record["id"].split("/")[2]
        count = field(profile, "replicaCount", int, PP)
        if count is not None:
            if count < 1:
                raise InvalidParameter(
                    f"'{PP}.replicaCount' must be at least 1.",
                    target=f"{PP}.replicaCount",
                )
            current["replicaCount"] = count
        if profile.get("targetRegions") is not None:
            targets = version_requests.target_regions(
                store, profile, sub, current["replicaCount"], current["storageAccountType"]
            )
            exclude = field(profile, "excludeFromLatest", bool, PP)
            _keep_region_settings(
                current["targetRegions"],
                targets,
                current["excludeFromLatest"] if exclude is None else exclude,
            )
            sub_id = record["id"].split("/")[2]
            version_rules.check_replica_total(store, sub_id, record["location"], targets)
            restarted = _update_regions(store, record, targets)
            current["targetRegions"] = targets
        exclude = field(profile, "excludeFromLatest", bool, PP)
        if exclude is not None:
            current["excludeFromLatest"] = exclude
        eol = timestamp(profile, "endOfLifeDate", PP)
        if eol is not None:
            current["endOfLifeDate"] = eol
    if isinstance(tags, dict):
        record["tags"] = tags
    if restarted:
        record["phase"] = "Updating"
        record["override"] = None


def _keep_region_settings(
    old: list[dict[str, Any]], new: list[dict[str, Any]], exclude: bool
) -> None:
    """What a PATCH omits for a region it keeps: the region's encryption (which cannot change
    once replicated) and excludeFromLatest (a new region takes the global `exclude`)."""
    before = {regions.normalize(t["name"]): t for t in old}
    for target in new:
        previous = before.get(regions.normalize(target["name"])) or {}
        if "encryption" in previous and "encryption" not in target:
            target["encryption"] = previous["encryption"]
        if "excludeFromLatest" not in target:
            target["excludeFromLatest"] = previous.get("excludeFromLatest", exclude)


def _update_regions(store: Store, record: dict[str, Any], targets: list[dict[str, Any]]) -> bool:
    location = record["location"]
    old = {regions.normalize(t["name"]): t for t in record["publishing"]["targetRegions"]}
    new = {regions.normalize(t["name"]): t for t in targets}
    if location not in new:
        raise InvalidParameter(
            f"The source region '{regions.REGIONS[location].display}' cannot be removed from "
            "targetRegions.",
            target=f"{PP}.targetRegions",
        )
    removed = sorted(old.keys() - new.keys())
    if removed and not record["safety"]["allowDeletionOfReplicatedLocations"]:
        # docs/azure-facts.md#q3: the flag blocks removing any region, whatever its state
        names = ", ".join(f"'{regions.REGIONS[r].display}'" for r in removed)
        raise OperationNotAllowed(
            f"Removing region(s) {names} from image version '{record['name']}' is not allowed: "
            "safetyProfile.allowDeletionOfReplicatedLocations is false. Set it to true (in this "
            "request or before) to remove replicated regions."
        )
    for region, target in new.items():
        if region in old and target["storageAccountType"] != old[region]["storageAccountType"]:
            raise PropertyChangeNotAllowed(
                f"Changing the storageAccountType of existing region '{target['name']}' is not "
                "allowed. Remove the region and add it again, or keep its storage type.",
                target=f"{PP}.targetRegions",
            )
        if region in old and target.get("encryption") != old[region].get("encryption"):
            raise PropertyChangeNotAllowed(
                f"Changing the encryption of existing region '{target['name']}' is not allowed. "
                "Remove the region and add it again, or send its current encryption.",
                target=f"{PP}.targetRegions",
            )
    restarted = False
    for region in old.keys() - new.keys():
        del record["replication"][region]
    for region in new:
        entry = record["replication"].get(region)
        if entry is None or replication.region_status(store, entry)[0] == "Failed":
            replication.start(store, record, region)
            restarted = True
    return restarted


def delete_version(store: Store, sub: str, rg: str, gallery: str, image: str, name: str) -> bool:
    key = ids.key(ids.version_id(sub, rg, gallery, image, name))
    record = store.collection("versions").get(key)
    if record is None:
        return False
    eol = record["publishing"].get("endOfLifeDate")
    if (
        record["safety"].get("blockDeletionBeforeEndOfLife")
        and eol
        and store.now() < parse_iso(eol).timestamp()
    ):
        # docs/azure-facts.md#q3 (related): the code and text the troubleshooting doc lists
        raise OperationNotAllowed(
            "Deletion of Gallery image version is not allowed because the image is enabled for "
            f"blockDeletionBeforeEndOfLife and its endOfLifeDate has not reached yet ({eol}). "
            "Wait until then, or set blockDeletionBeforeEndOfLife to false.",
            code="DeleteGalleryImageVersionBlockedBeforeEndOfLife",
        )
    del store.collection("versions")[key]
    return True


# -- views --------------------------------------------------------------------------------------
provisioning_state = replication.provisioning_state


def _safety_view(record: dict[str, Any]) -> dict[str, Any]:
    violations = record.get("violations") or []
    view = {**record["safety"], "reportedForPolicyViolation": bool(violations)}
    if violations:
        view["policyViolations"] = violations
    return view


def render(store: Store, record: dict[str, Any], *, expand: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        "publishingProfile": record["publishing"],
        "storageProfile": record["storage"],
        "safetyProfile": _safety_view(record),
        "provisioningState": provisioning_state(store, record),
    }
    if expand:
        props["replicationStatus"] = replication.summary(store, record)
    return {
        "id": record["id"],
        "name": record["name"],
        "type": "Microsoft.Compute/galleries/images/versions",
        "location": record["location"],
        "tags": record["tags"],
        "properties": props,
    }


def list_versions(store: Store, image_key: str) -> list[dict[str, Any]]:
    prefix = image_key + "/versions/"
    return [r for k, r in sorted(store.collection("versions").items()) if k.startswith(prefix)]


def version_operation_status(store: Store, op: dict[str, Any]) -> None:
    """Settle a create/update operation of a version on a status poll."""
    if op["final"] is not None:
        return
    record = store.collection("versions").get(op["target"])
    if record is None:
        operations.finish(
            store,
            op,
            "Canceled",
            {"code": "OperationCanceled", "message": "The image version was deleted."},
        )
        return
    op["polls"] += 1
    if op.get("outcome"):
        record["override"] = op["outcome"]["status"]
        operations.finish(
            store,
            op,
            op["outcome"]["status"],
            {"code": op["outcome"]["code"], "message": op["outcome"]["message"]},
        )
        return
    aggregated = replication.summary(store, record)["aggregatedState"]
    if aggregated == "Completed":
        operations.finish(store, op, "Succeeded")
    elif aggregated == "Failed":
        failures = "; ".join(
            f"{regions.REGIONS[r].display}: {details}"
            for r, details in replication.failed_regions(store, record)
        )
        operations.finish(
            store,
            op,
            "Failed",
            {
                "code": "ReplicationFailed",
                "message": f"Replication of image version '{record['name']}' failed in {failures}. "
                "Retry a region by removing it from targetRegions and adding it again.",
            },
        )


def log_write(log: dict[str, Any], body: Any) -> None:
    """Add what a version write left behind to its request-log entry (tests read it): the
    safety profile and the target regions after the request was applied."""
    props = (body or {}).get("properties") or {}
    safety = props.get("safetyProfile") or {}
    log["safety_profile"] = {
        k: safety[k]
        for k in ("allowDeletionOfReplicatedLocations", "blockDeletionBeforeEndOfLife")
        if k in safety
    }
    targets = (props.get("publishingProfile") or {}).get("targetRegions") or []
    log["target_regions"] = [regions.normalize(str(t.get("name", ""))) for t in targets]
