"""ARM resource ids: build canonical ids and the lower-case keys the store uses."""

from __future__ import annotations

import re

PROVIDER = "providers/Microsoft.Compute"

_VM_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.Compute/virtualMachines/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


def rg_id(sub: str, rg: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def vm_id(sub: str, rg: str, name: str) -> str:
    return f"{rg_id(sub, rg)}/{PROVIDER}/virtualMachines/{name}"


def scale_set_id(sub: str, rg: str, name: str) -> str:
    return f"{rg_id(sub, rg)}/{PROVIDER}/virtualMachineScaleSets/{name}"


def gallery_id(sub: str, rg: str, gallery: str) -> str:
    return f"{rg_id(sub, rg)}/{PROVIDER}/galleries/{gallery}"


def image_id(sub: str, rg: str, gallery: str, image: str) -> str:
    return f"{gallery_id(sub, rg, gallery)}/images/{image}"


def version_id(sub: str, rg: str, gallery: str, image: str, version: str) -> str:
    return f"{image_id(sub, rg, gallery, image)}/versions/{version}"


def key(resource_id: str) -> str:
    """Store key: ARM ids are case-insensitive."""
    return resource_id.rstrip("/").lower()


def parse_vm_id(value: str) -> tuple[str, str, str] | None:
    match = _VM_ID.match(value.rstrip("/"))
    return (match["sub"], match["rg"], match["name"]) if match else None


def parent(resource_id: str, levels: int = 2) -> str:
    return "/".join(resource_id.split("/")[:-levels])
