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


def normalise_region(name: str) -> str:
    """`"West Europe"` -> `"westeurope"` (ARM compares case- and space-insensitively)."""
    return "".join(str(name).split()).lower()


@dataclass(frozen=True)
class RegionInfo:
    name: str
    display_name: str
    has_zones: bool


# Public Azure regions (name, display name, availability zones). Zone support decides the
# default replica storage type (ZRS where zones exist). Keep in step with
# `az account list-locations`; an unknown name is reported with the closest known ones.
_REGIONS: tuple[tuple[str, str, bool], ...] = (
    ("australiacentral", "Australia Central", False),
    ("australiacentral2", "Australia Central 2", False),
    ("australiaeast", "Australia East", True),
    ("australiasoutheast", "Australia Southeast", False),
    ("austriaeast", "Austria East", True),
    ("belgiumcentral", "Belgium Central", True),
    ("brazilsouth", "Brazil South", True),
    ("brazilsoutheast", "Brazil Southeast", False),
    ("canadacentral", "Canada Central", True),
    ("canadaeast", "Canada East", False),
    ("centralindia", "Central India", True),
    ("centralus", "Central US", True),
    ("chilecentral", "Chile Central", True),
    ("eastasia", "East Asia", True),
    ("eastus", "East US", True),
    ("eastus2", "East US 2", True),
    ("francecentral", "France Central", True),
    ("francesouth", "France South", False),
    ("germanynorth", "Germany North", False),
    ("germanywestcentral", "Germany West Central", True),
    ("indonesiacentral", "Indonesia Central", True),
    ("israelcentral", "Israel Central", True),
    ("italynorth", "Italy North", True),
    ("japaneast", "Japan East", True),
    ("japanwest", "Japan West", True),
    ("jioindiacentral", "Jio India Central", False),
    ("jioindiawest", "Jio India West", False),
    ("koreacentral", "Korea Central", True),
    ("koreasouth", "Korea South", False),
    ("malaysiawest", "Malaysia West", True),
    ("mexicocentral", "Mexico Central", True),
    ("newzealandnorth", "New Zealand North", True),
    ("northcentralus", "North Central US", False),
    ("northeurope", "North Europe", True),
    ("norwayeast", "Norway East", True),
    ("norwaywest", "Norway West", False),
    ("polandcentral", "Poland Central", True),
    ("qatarcentral", "Qatar Central", True),
    ("southafricanorth", "South Africa North", True),
    ("southafricawest", "South Africa West", False),
    ("southcentralus", "South Central US", True),
    ("southeastasia", "Southeast Asia", True),
    ("southindia", "South India", False),
    ("spaincentral", "Spain Central", True),
    ("swedencentral", "Sweden Central", True),
    ("switzerlandnorth", "Switzerland North", True),
    ("switzerlandwest", "Switzerland West", False),
    ("uaecentral", "UAE Central", False),
    ("uaenorth", "UAE North", True),
    ("uksouth", "UK South", True),
    ("ukwest", "UK West", False),
    ("westcentralus", "West Central US", False),
    ("westeurope", "West Europe", True),
    ("westindia", "West India", False),
    ("westus", "West US", False),
    ("westus2", "West US 2", True),
    ("westus3", "West US 3", True),
)

REGIONS: dict[str, RegionInfo] = {n: RegionInfo(n, d, z) for n, d, z in _REGIONS}


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
