"""The Azure regions the emulator knows: canonical name, display name, availability zones.

The table is `galleryflow/domain/region_table.py`: the emulator serves exactly the regions
the product validates against.
"""

from __future__ import annotations

from dataclasses import dataclass

from galleryflow.domain.region_table import AZURE_REGIONS


@dataclass(frozen=True)
class Region:
    name: str
    display: str
    has_zones: bool


# The same table as galleryflow's domain (one source of truth for names and zone support).
_REGIONS = [Region(name, display, zones) for name, display, zones in AZURE_REGIONS]

REGIONS: dict[str, Region] = {region.name: region for region in _REGIONS}


def normalize(name: str) -> str:
    """'West Europe' -> 'westeurope' (ARM compares regions case- and space-insensitively)."""
    return name.replace(" ", "").lower()


def lookup(name: str) -> Region | None:
    return REGIONS.get(normalize(name))
