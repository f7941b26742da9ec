"""Gallery quota for image versions: the gateway's usage in, the domain's verdict out.

An image version is an ARM resource in its definition's region, so that region's
"GalleryImageVersion" usage is what a capture consumes. The math lives in
galleryflow.domain.quotas; this module only reads the usage and shapes the answer.
"""

from __future__ import annotations

from typing import Any

from galleryflow.azure import compute
from galleryflow.domain.quotas import QuotaUsage, check_quota


def image_version_usage(subscription_id: str, location: str) -> QuotaUsage | None:
    """The region's image version usage, or None where ARM reports no such quota."""
    usage = compute.get_usages(subscription_id, location).get("image_versions")
    return QuotaUsage(int(usage[0]), int(usage[1])) if usage else None


def quota_check(subscription_id: str, location: str) -> dict[str, Any]:
    """{"fits", "must_free", "region", "message"} for adding one version in `location`."""
    usage = image_version_usage(subscription_id, location)
    verdict = check_quota({location: usage} if usage else {}, {location: 1})
    return {
        "fits": verdict.fits,
        "must_free": verdict.must_free,
        "region": location,
        "message": verdict.message,
    }
