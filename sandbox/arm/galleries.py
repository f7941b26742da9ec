"""Resource groups, galleries and image definitions: validation, nesting rules, ARM views."""

from __future__ import annotations

import re
from typing import Any

from sandbox.arm import ids, operations, quotas, regions
from sandbox.arm.errors import (
    ArmError,
    CannotDeleteResource,
    InvalidParameter,
    InvalidResourceName,
    ParentResourceNotFound,
    PropertyChangeNotAllowed,
    ResourceGroupNotFound,
    ResourceNotFound,
)
from sandbox.arm.store import Store
from sandbox.arm.validation import enum, field, timestamp

# Matched with fullmatch (`$` alone also matches before a final "\n"). The separator is
# required between runs: an optional one made the pattern backtrack exponentially.
GALLERY_NAME = re.compile(r"[A-Za-z0-9]+([._][A-Za-z0-9]+)*")
IMAGE_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9])?")
IMMUTABLE_IMAGE_PROPERTIES = ("osType", "osState", "hyperVGeneration", "identifier", "architecture")


def location_of(body: dict[str, Any], path: str = "location") -> str:
    """The canonical region of a request's `location` (400 when missing or unknown)."""
    value = field(body, "location", str, "", required=True)
    region = regions.lookup(value)
    if region is None:
        raise ArmError(
            f"The provided location '{value}' is not available for resource type "
            f"'Microsoft.Compute/galleries'. Use a region name such as 'westeurope' or 'East US'.",
            code="LocationNotAvailableForResourceType",
            target=path,
        )
    return region.name


def _tags(body: dict[str, Any]) -> dict[str, str]:
    tags = field(body, "tags", dict, "") or {}
    for name, value in tags.items():
        if not isinstance(value, str):
            raise InvalidParameter(f"Tag '{name}' must have a string value.", target=f"tags.{name}")
    return tags


def _check_location_unchanged(existing: dict[str, Any] | None, location: str, name: str) -> None:
    if existing is not None and existing["location"] != location:
        raise ArmError(
            f"The resource '{name}' already exists in location '{existing['location']}'. A "
            f"resource with the same name cannot be created in location '{location}'. Use the "
            "existing location.",
            code="InvalidResourceLocation",
        )


# -- provisioning state -------------------------------------------------------------------------
def begin_operation(record: dict[str, Any], op: dict[str, Any], state: str) -> None:
    """An ARM create/update of a gallery or definition: `state` ("Creating"/"Updating") is
    shown until its operation ends, as Azure does (seen in recorded traffic)."""
    record["body"]["properties"]["provisioningState"] = state
    record["op"] = op["id"]


def settle(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """Show the end state of a finished create/update operation; returns the record."""
    op_id = record.get("op")
    if op_id is None:
        return record
    op = store.collection("operations").get(op_id)
    if op is not None:
        operations.settle_by_time(store, op)
    if op is None or op["final"] is not None:
        state = op["final"]["status"] if op is not None else "Succeeded"
        record["body"]["properties"]["provisioningState"] = state
        del record["op"]
    return record


# -- resource groups ----------------------------------------------------------------------------
def ensure_resource_group(store: Store, sub: str, rg: str, location: str) -> dict[str, Any]:
    groups = store.collection("resource_groups")
    rid = ids.rg_id(sub, rg)
    record = groups.get(ids.key(rid))
    if record is None:
        record = {
            "location": location,
            "body": {
                "id": rid,
                "name": rg,
                "type": "Microsoft.Resources/resourceGroups",
                "location": location,
                "properties": {"provisioningState": "Succeeded"},
            },
        }
        groups[ids.key(rid)] = record
    return record


def require_resource_group(store: Store, sub: str, rg: str) -> None:
    if ids.key(ids.rg_id(sub, rg)) not in store.collection("resource_groups"):
        raise ResourceGroupNotFound(
            f"Resource group '{rg}' could not be found. Create it first (PUT "
            f"/subscriptions/{sub}/resourcegroups/{rg} or POST /_sandbox/resource-groups)."
        )


# -- galleries ----------------------------------------------------------------------------------
def get_gallery(store: Store, sub: str, rg: str, name: str) -> dict[str, Any]:
    record = store.collection("galleries").get(ids.key(ids.gallery_id(sub, rg, name)))
    if record is None:
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/galleries/{name}' under resource group '{rg}' "
            "was not found."
        )
    return settle(store, record)


def put_gallery(
    store: Store, sub: str, rg: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    if len(name) > 80 or not GALLERY_NAME.fullmatch(name):
        raise InvalidResourceName(
            f"Gallery name '{name}' is invalid: use letters and digits, optionally separated by "
            "single periods or underscores (no hyphens), at most 80 characters."
        )
    require_resource_group(store, sub, rg)
    location = location_of(body)
    props = field(body, "properties", dict, "") or {}
    description = field(props, "description", str, "properties")
    rid = ids.gallery_id(sub, rg, name)
    galleries = store.collection("galleries")
    existing = galleries.get(ids.key(rid))
    _check_location_unchanged(existing, location, name)
    if existing is None:
        quotas.check(store, "galleries", sub, location)
    record = {
        "location": location,
        "body": {
            "id": rid,
            "name": name,
            "type": "Microsoft.Compute/galleries",
            "location": location,
            "tags": _tags(body),
            "properties": {
                "identifier": {"uniqueName": f"{sub}-{name.upper()}"},
                "provisioningState": "Succeeded",
                **({"description": description} if description is not None else {}),
            },
        },
    }
    galleries[ids.key(rid)] = record
    return record, existing is None


def patch_gallery(
    store: Store, sub: str, rg: str, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    record = get_gallery(store, sub, rg, name)
    props = field(body, "properties", dict, "") or {}
    description = field(props, "description", str, "properties")
    if "tags" in body:
        record["body"]["tags"] = _tags(body)
    if description is not None:
        record["body"]["properties"]["description"] = description
    return record


def _delete_without_children(
    store: Store, collection: str, key: str, children: str, refusal: str
) -> bool:
    """Delete the record at `key` unless a record of `children` is nested under it (ARM
    refuses that with CannotDeleteResource). False when there was nothing to delete."""
    if key not in store.collection(collection):
        return False
    if any(child.startswith(f"{key}/{children}/") for child in store.collection(children)):
        raise CannotDeleteResource(refusal)
    del store.collection(collection)[key]
    return True


def check_parent_location(kind: str, location: str, parent_location: str) -> None:
    """A definition or version lives in its gallery's region."""
    if location != parent_location:
        raise InvalidParameter(
            f"{kind} location '{location}' must match the gallery's location '{parent_location}'.",
            target="location",
        )


def delete_gallery(store: Store, sub: str, rg: str, name: str) -> bool:
    return _delete_without_children(
        store,
        "galleries",
        ids.key(ids.gallery_id(sub, rg, name)),
        "images",
        f"Can not delete gallery '{name}' before its nested resources are deleted: it still "
        "has image definitions. Delete its image versions and definitions first.",
    )


def list_galleries(store: Store, prefix: str) -> list[dict[str, Any]]:
    return [
        settle(store, r)["body"]
        for k, r in sorted(store.collection("galleries").items())
        if k.startswith(prefix)
    ]


# -- image definitions --------------------------------------------------------------------------
def get_image(store: Store, sub: str, rg: str, gallery: str, name: str) -> dict[str, Any]:
    record = store.collection("images").get(ids.key(ids.image_id(sub, rg, gallery, name)))
    if record is None:
        get_gallery_as_parent(store, sub, rg, gallery)
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/galleries/{gallery}/images/{name}' under resource "
            f"group '{rg}' was not found."
        )
    return settle(store, record)


def get_gallery_as_parent(store: Store, sub: str, rg: str, gallery: str) -> dict[str, Any]:
    try:
        return get_gallery(store, sub, rg, gallery)
    except ResourceNotFound:
        raise ParentResourceNotFound(
            f"Can not perform requested operation on nested resource. Parent resource "
            f"'{gallery}' (Microsoft.Compute/galleries) not found."
        ) from None


def _image_properties(props: dict[str, Any]) -> dict[str, Any]:
    path = "properties"
    identifier = field(props, "identifier", dict, path, required=True)
    clean: dict[str, Any] = {
        "osType": enum(props, "osType", ["Windows", "Linux"], path, required=True),
        "osState": enum(props, "osState", ["Generalized", "Specialized"], path, required=True),
        "hyperVGeneration": enum(props, "hyperVGeneration", ["V1", "V2"], path) or "V1",
        "identifier": {
            part: field(identifier, part, str, f"{path}.identifier", required=True)
            for part in ("publisher", "offer", "sku")
        },
        "architecture": enum(props, "architecture", ["x64", "Arm64"], path) or "x64",
    }
    for name in ("description", "eula", "privacyStatementUri", "releaseNoteUri"):
        value = field(props, name, str, path)
        if value is not None:
            clean[name] = value
    eol = timestamp(props, "endOfLifeDate", path)
    if eol is not None:
        clean["endOfLifeDate"] = eol
    for name, kind in (("features", list), ("recommended", dict), ("disallowed", dict)):
        value = field(props, name, kind, path)
        if value is not None:
            clean[name] = value
    return clean


def put_image(
    store: Store, sub: str, rg: str, gallery: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    if not IMAGE_NAME.fullmatch(name):
        raise InvalidResourceName(
            f"Image definition name '{name}' is invalid: 1-80 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit."
        )
    parent = get_gallery_as_parent(store, sub, rg, gallery)
    location = location_of(body)
    check_parent_location("Image definition", location, parent["location"])
    props = field(body, "properties", dict, "", required=True)
    clean = _image_properties(props)
    rid = ids.image_id(sub, rg, gallery, name)
    images = store.collection("images")
    existing = images.get(ids.key(rid))
    if existing is not None:
        _check_immutable(existing["body"]["properties"], clean)
    else:
        quotas.check(store, "image_definitions", sub, location)
    clean["provisioningState"] = "Succeeded"
    record = {
        "location": location,
        "body": {
            "id": rid,
            "name": name,
            "type": "Microsoft.Compute/galleries/images",
            "location": location,
            "tags": _tags(body),
            "properties": clean,
        },
    }
    images[ids.key(rid)] = record
    return record, existing is None


def _check_immutable(old: dict[str, Any], new: dict[str, Any]) -> None:
    for name in IMMUTABLE_IMAGE_PROPERTIES:
        if name in new and new[name] != old.get(name):
            raise PropertyChangeNotAllowed(
                f"Changing property 'galleryImage.properties.{name}' is not allowed "
                f"(current: {old.get(name)!r}, requested: {new[name]!r}). Create a new image "
                "definition instead.",
                target=f"properties.{name}",
            )


def patch_image(
    store: Store, sub: str, rg: str, gallery: str, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    record = get_image(store, sub, rg, gallery, name)
    current = record["body"]["properties"]
    patch = field(body, "properties", dict, "") or {}
    merged = {**current, **patch}
    if "identifier" in patch and isinstance(patch["identifier"], dict):
        merged["identifier"] = {**current["identifier"], **patch["identifier"]}
    clean = _image_properties(merged)
    _check_immutable(current, clean)
    clean["provisioningState"] = "Succeeded"
    record["body"]["properties"] = clean
    if "tags" in body:
        record["body"]["tags"] = _tags(body)
    return record


def delete_image(store: Store, sub: str, rg: str, gallery: str, name: str) -> bool:
    return _delete_without_children(
        store,
        "images",
        ids.key(ids.image_id(sub, rg, gallery, name)),
        "versions",
        f"Can not delete image definition '{name}' before its nested resources are deleted: "
        "it still has image versions. Delete its versions first.",
    )


def list_images(store: Store, gallery_key: str) -> list[dict[str, Any]]:
    prefix = gallery_key + "/images/"
    return [
        settle(store, r)["body"]
        for k, r in sorted(store.collection("images").items())
        if k.startswith(prefix) and "/versions/" not in k
    ]
