"""Which version `latest` resolves to in each region.

Per region: the highest version number among the versions that target the region, have
replication Completed there, and are not excluded from latest there (the regional
excludeFromLatest, when set, beats the global one).
"""

from __future__ import annotations

from collections.abc import Iterable

from galleryflow.domain.inventory import VersionRecord, all_regions, newest_first
from galleryflow.domain.regions import normalise_region


def latest_in(versions: Iterable[VersionRecord], region: str) -> VersionRecord | None:
    region = normalise_region(region)
    for version in newest_first(list(versions)):
        if version.serves_latest_in(region):
            return version
    return None


def latest_by_region(
    versions: Iterable[VersionRecord], regions: Iterable[str] | None = None
) -> dict[str, str | None]:
    """`{region: version name or None}` for the given regions (default: every targeted one).

    One pass over the versions, newest first: O(versions x regions) at worst.
    """
    ordered = newest_first(list(versions))
    wanted = [normalise_region(r) for r in regions] if regions is not None else all_regions(ordered)
    result: dict[str, str | None] = dict.fromkeys(wanted)
    open_regions = set(wanted)
    for version in ordered:
        if not open_regions:
            break
        for replica in version.regions:
            if replica.name in open_regions and version.serves_latest_in(replica.name):
                result[replica.name] = version.name
                open_regions.discard(replica.name)
    return result


def latest_names(versions: Iterable[VersionRecord]) -> dict[str, list[str]]:
    """`{version name: [regions where it is latest]}` for the versions that are latest."""
    holders: dict[str, list[str]] = {}
    for region, name in latest_by_region(versions).items():
        if name is not None:
            holders.setdefault(name, []).append(region)
    return holders
