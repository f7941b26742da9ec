"""Updates of an existing image version besides its regions: safety profile, end of life.

Both PATCH the version (`polling=False`, like every version update: replication is watched
separately) and return the domain's version dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from galleryflow.azure import actions as a
from galleryflow.azure.gallery import read_version_json, version_to_dict
from galleryflow.azure.version_shapes import restore_patch
from galleryflow.azure.version_writes import patch_version


@a.requires(a.VERSION_READ, a.VERSION_WRITE)
def restore_safety(gallery: Mapping[str, Any], definition: str, name: str) -> dict[str, Any]:
    """Put `allowDeletionOfReplicatedLocations=false` back on a version galleryflow lifted
    (tagged `galleryflow-safety-lifted`); only a read otherwise. Idempotent."""
    version = version_to_dict(read_version_json(gallery, definition, name))
    extra = restore_patch(version)
    if not extra:
        return version
    return patch_version(gallery, definition, name, {}, **extra)


@a.requires(a.VERSION_READ, a.VERSION_WRITE)
def set_end_of_life(
    gallery: Mapping[str, Any], definition: str, name: str, end_of_life: str
) -> dict[str, Any]:
    """Set the version's `endOfLifeDate` (ISO-8601 UTC text)."""
    return patch_version(gallery, definition, name, {"endOfLifeDate": end_of_life})
