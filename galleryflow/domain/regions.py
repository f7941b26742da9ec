"""Azure region names: normalise, deduplicate, know which exist and which have zones.

Decision — the source region rule: Azure requires the source VM's region among the
target regions. galleryflow ADDS it when the request leaves it out (with the same
defaults replica planning gives any region) and reports a warning, instead of rejecting
the request: callers such as nightly timers and DevOps pipelines often do not know
which region the build VM landed in, and the image is stored there anyway.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from galleryflow.domain.region_table import AZURE_REGIONS


def normalise_region(name: str) -> str:
    """`"West Europe"` -> `"westeurope"` (ARM compares case- and space-insensitively)."""
    return "".join(str(name).split()).lower()


@dataclass(frozen=True)
class RegionInfo:
    name: str
    display_name: str
    has_zones: bool


REGIONS: dict[str, RegionInfo] = {n: RegionInfo(n, d, z) for n, d, z in AZURE_REGIONS}


def is_known_region(name: str) -> bool:
    return normalise_region(name) in REGIONS


def has_zones(name: str) -> bool:
    """True where the region has availability zones (unknown regions: False, the safe LRS)."""
    info = REGIONS.get(normalise_region(name))
    return info.has_zones if info else False


def unknown_region_problem(name: str) -> tuple[str, str] | None:
    """(message, hint) when `name` is not a known Azure region, else None."""
    normal = normalise_region(name)
    if normal in REGIONS:
        return None
    close = difflib.get_close_matches(normal, REGIONS, n=3, cutoff=0.6)
    hint = (
        f"did you mean {' or '.join(close)}?"
        if close
        else "use an Azure region name such as westeurope (see `az account list-locations`)"
    )
    return f"{name!r} is not a known Azure region", hint


def dedupe_regions(names: Iterable[str]) -> list[str]:
    """Normalised names, first occurrence wins, order kept."""
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(normalise_region(name), None)
    return list(seen)


def duplicate_indexes(names: Iterable[str]) -> list[tuple[int, int]]:
    """(index, index of first occurrence) for every name that repeats an earlier one."""
    first: dict[str, int] = {}
    dupes: list[tuple[int, int]] = []
    for i, name in enumerate(names):
        normal = normalise_region(name)
        if normal in first:
            dupes.append((i, first[normal]))
        else:
            first[normal] = i
    return dupes


def source_region_missing(targets: Iterable[str], source_region: str) -> bool:
    """True when the source region must be added to the targets (see module docstring)."""
    return normalise_region(source_region) not in {normalise_region(t) for t in targets}
