"""Small helpers shared by the gateway modules: checked resource ids, raw JSON, error
translation."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypedDict

from azure.core.exceptions import AzureError

from galleryflow.azure.errors import InvalidRequest, translate
from galleryflow.domain import resource_ids

_VM_ID_RE = re.compile(
    r"/subscriptions/(?P<sub>[^/\s]+)/resourceGroups/(?P<rg>[^/\s]+)"
    r"/providers/Microsoft\.Compute/virtualMachines/(?P<name>[^/\s]+)/?",
    re.IGNORECASE,
)


_DISK_ID_RE = re.compile(
    r"/subscriptions/(?P<sub>[^/\s]+)/resourceGroups/(?P<rg>[^/\s]+)"
    r"/providers/Microsoft\.Compute/disks/(?P<name>[^/\s]+)/?",
    re.IGNORECASE,
)


class GalleryRef(TypedDict):
    """`gallery` as in the publish request."""

    subscription_id: str
    resource_group: str
    name: str


def _parse_id(pattern: re.Pattern[str], kind: str, resource_id: str) -> tuple[str, str, str]:
    match = pattern.fullmatch(resource_id or "")
    if not match:
        raise InvalidRequest(
            "InvalidResourceId",
            "expected /subscriptions/<sub>/resourceGroups/<rg>/providers/"
            f"Microsoft.Compute/{kind}/<name>, got {resource_id!r}",
            resource=str(resource_id),
        )
    return match["sub"], match["rg"], match["name"]


def parse_vm_id(vm_id: str) -> tuple[str, str, str]:
    """(subscription, resource group, vm name) of a VM resource id."""
    return _parse_id(_VM_ID_RE, "virtualMachines", vm_id)


def parse_disk_id(disk_id: str) -> tuple[str, str, str]:
    """(subscription, resource group, disk name) of a managed disk resource id."""
    return _parse_id(_DISK_ID_RE, "disks", disk_id)


def gallery_parts(gallery: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subscription, resource group, gallery name); every part must be given."""
    missing = [k for k in ("subscription_id", "resource_group", "name") if not gallery.get(k)]
    if missing:
        raise InvalidRequest(
            "InvalidGallery",
            f"gallery is missing {', '.join(missing)}; pass "
            '{"subscription_id", "resource_group", "name"}',
        )
    return str(gallery["subscription_id"]), str(gallery["resource_group"]), str(gallery["name"])


def gallery_id(gallery: Mapping[str, Any]) -> str:
    return resource_ids.gallery_id(*gallery_parts(gallery))


def definition_id(gallery: Mapping[str, Any], definition: str) -> str:
    gallery_parts(gallery)
    return resource_ids.definition_id(gallery, definition)


def version_id(gallery: Mapping[str, Any], definition: str, name: str) -> str:
    gallery_parts(gallery)
    return resource_ids.version_id(gallery, definition, name)


def raw(model: Any) -> dict[str, Any]:
    """The REST JSON of an SDK model (camelCase keys), so no SDK types leak out."""
    if model is None:
        return {}
    as_dict = getattr(model, "as_dict", None)
    return dict(as_dict()) if callable(as_dict) else dict(model)


@contextmanager
def azure_call(resource: str) -> Iterator[None]:
    """Translate any azure-core error raised inside into the gateway error tree."""
    try:
        yield
    except AzureError as exc:
        raise translate(exc, resource) from exc
