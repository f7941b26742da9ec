"""Azure resource ids of galleries, image definitions and versions (pure): the one place
that spells them. Callers check the parts (the gateway refuses missing ones); these only
put them together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def gallery_id(subscription_id: object, resource_group: object, name: object) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.Compute/galleries/{name}"
    )


def definition_id(gallery: Mapping[str, Any], definition: object) -> str:
    """`gallery` is `{"subscription_id", "resource_group", "name"}` (a missing part shows
    as empty)."""
    parts = (gallery.get(k, "") for k in ("subscription_id", "resource_group", "name"))
    return f"{gallery_id(*parts)}/images/{definition}"


def version_id(gallery: Mapping[str, Any], definition: object, version: object) -> str:
    return f"{definition_id(gallery, definition)}/versions/{version}"


def subscription_of(resource_id: str) -> str:
    """The subscription GUID of an ARM resource id ("" when it names none)."""
    parts = resource_id.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == "subscriptions":
            return parts[index + 1]
    return ""
