"""Quota math: does a run fit the gallery quotas, and how many versions must go if not.

Image versions count against a per-subscription, per-region limit (10,000 by default),
reported by the usages API as (used, limit). A run adds versions in some regions; the
policy's `quota_headroom` asks for that many free slots to remain afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from galleryflow.domain.regions import normalise_region


@dataclass(frozen=True)
class QuotaUsage:
    used: int
    limit: int

    @property
    def free(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class RegionVerdict:
    region: str
    used: int
    limit: int
    adding: int
    must_free: int

    @property
    def fits(self) -> bool:
        return self.must_free == 0

    @property
    def message(self) -> str:
        head = (
            f"{self.region}: {self.used} of {self.limit} image versions used, adding {self.adding}"
        )
        if self.fits:
            return f"{head}: fits"
        return f"{head}: {self.must_free} version(s) must be deleted first"


@dataclass(frozen=True)
class QuotaVerdict:
    regions: tuple[RegionVerdict, ...]

    @property
    def fits(self) -> bool:
        return all(r.fits for r in self.regions)

    @property
    def must_free(self) -> int:
        """The largest shortfall of any region (what a prune must free to let the run go)."""
        return max((r.must_free for r in self.regions), default=0)

    @property
    def message(self) -> str:
        short = [r for r in self.regions if not r.fits]
        if not short:
            return "the run fits the image version quota"
        return (
            "the run does not fit the image version quota: "
            + "; ".join(r.message for r in short)
            + ". Prune old versions (POST /api/prune) or ask for a higher quota."
        )


def versions_to_free(usage: QuotaUsage, adding: int, headroom: int = 0) -> int:
    """How many versions must be deleted so `adding` more fit with `headroom` slots left."""
    return max(0, usage.used + adding + headroom - usage.limit)


def check_quota(
    usages: Mapping[str, QuotaUsage], adding: Mapping[str, int], headroom: int = 0
) -> QuotaVerdict:
    """Verdict for every region the run adds versions in. A region without reported usage
    is assumed to fit (the usages API lists only regions where the provider has quotas)."""
    verdicts: list[RegionVerdict] = []
    normal = {normalise_region(r): u for r, u in usages.items()}
    for region, count in sorted((normalise_region(r), n) for r, n in adding.items()):
        usage = normal.get(region)
        if usage is None:
            continue
        verdicts.append(
            RegionVerdict(
                region, usage.used, usage.limit, count, versions_to_free(usage, count, headroom)
            )
        )
    return QuotaVerdict(tuple(verdicts))
