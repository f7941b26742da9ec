"""Gallery quota check for one more image version, decided by the domain's quota math.

An image version is an ARM resource in its definition's region, so that region's
"GalleryImageVersion" usage is what a capture consumes.
"""

from __future__ import annotations

from typing import Any

from galleryflow.azure import compute
from galleryflow.domain.quotas import QuotaUsage, check_quota


def quota_check(subscription_id: str, location: str) -> dict[str, Any]:
    """{"fits", "must_free", "region", "message"} for adding one version in `location`."""
    usage = compute.get_usages(subscription_id, location).get("image_versions")
    usages = {location: QuotaUsage(int(usage[0]), int(usage[1]))} if usage else {}
    verdict = check_quota(usages, {location: 1})
    return {
        "fits": verdict.fits,
        "must_free": verdict.must_free,
        "region": location,
        "message": verdict.message,
    }
