"""The Azure regions the emulator knows: canonical name, display name, availability zones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display: str
    has_zones: bool


_REGIONS = [
    Region("eastus", "East US", True),
    Region("eastus2", "East US 2", True),
    Region("westus", "West US", False),
    Region("westus2", "West US 2", True),
    Region("westus3", "West US 3", True),
    Region("centralus", "Central US", True),
    Region("northcentralus", "North Central US", False),
    Region("southcentralus", "South Central US", True),
    Region("westcentralus", "West Central US", False),
    Region("canadacentral", "Canada Central", True),
    Region("brazilsouth", "Brazil South", True),
    Region("northeurope", "North Europe", True),
    Region("westeurope", "West Europe", True),
    Region("uksouth", "UK South", True),
    Region("ukwest", "UK West", False),
    Region("francecentral", "France Central", True),
    Region("germanywestcentral", "Germany West Central", True),
    Region("swedencentral", "Sweden Central", True),
    Region("norwayeast", "Norway East", True),
    Region("switzerlandnorth", "Switzerland North", True),
    Region("polandcentral", "Poland Central", True),
    Region("italynorth", "Italy North", True),
    Region("uaenorth", "UAE North", True),
    Region("southafricanorth", "South Africa North", True),
    Region("centralindia", "Central India", True),
    Region("southeastasia", "Southeast Asia", True),
    Region("eastasia", "East Asia", True),
    Region("japaneast", "Japan East", True),
    Region("japanwest", "Japan West", False),
    Region("koreacentral", "Korea Central", True),
    Region("australiaeast", "Australia East", True),
    Region("australiasoutheast", "Australia Southeast", False),
]

REGIONS: dict[str, Region] = {region.name: region for region in _REGIONS}


def normalize(name: str) -> str:
    """'West Europe' -> 'westeurope' (ARM compares regions case- and space-insensitively)."""
    return name.replace(" ", "").lower()


def lookup(name: str) -> Region | None:
    return REGIONS.get(normalize(name))
