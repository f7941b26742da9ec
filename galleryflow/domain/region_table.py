"""The Azure public regions galleryflow and the ARM emulator know: ONE table for both.

Pure data (no imports): `galleryflow.domain.regions` builds its lookups from it and the
sandbox's ARM emulator (`sandbox/arm/regions.py`) serves exactly these regions, so a region
the domain accepts is one the emulator replicates to, with the same zone support.

Columns: ARM name, display name (as ARM writes `targetRegions[*].name`), availability zones
(decides the default replica storage: Standard_ZRS where zones exist, else Standard_LRS;
Standard_ZRS and PremiumV2_LRS are refused elsewhere). Keep in step with
`az account list-locations` (`metadata.regionType == Physical`, `availabilityZoneMappings`).
"""

AZURE_REGIONS: tuple[tuple[str, str, bool], ...] = (
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
