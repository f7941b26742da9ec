"""Gallery quota check for one more image version (the usages API of the version's region).

An image version is an ARM resource in its definition's region, so that region's
"GalleryImageVersion" usage is what a capture consumes.
"""

from __future__ import annotations

from typing import Any

from galleryflow.azure import compute


def quota_check(subscription_id: str, location: str) -> dict[str, Any]:
    """{"fits", "must_free", "region", "message"} for adding one version."""
    usage = compute.get_usages(subscription_id, location).get("image_versions")
    if usage is None:
        return {"fits": True, "must_free": 0, "region": location, "message": "no quota reported"}
    used, limit = int(usage[0]), int(usage[1])
    must_free = max(0, used + 1 - limit)
    message = f"image versions in {location}: {used} of {limit} used; " + (
        "one more fits" if not must_free else f"{must_free} must be deleted first"
    )
    return {"fits": must_free == 0, "must_free": must_free, "region": location, "message": message}
