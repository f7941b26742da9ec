"""`replication_mode`: Full (the default) or Shallow, and what Shallow is refused for.

Shallow replication (ARM `publishingProfile.replicationMode`, not updatable after create)
makes a version usable sooner by referencing its source instead of copying it fully; Azure
positions it for development and test images (docs/azure-facts.md#q6). A Shallow version
lives only in its own (the source's) region with one replica, and its regions and replica
count cannot be changed later (Microsoft's Packer plugin refuses anything else:
hashicorp/packer-plugin-azure `use_shallow_replication`). galleryflow refuses at the API:
Shallow with `production: true`, more than one target region, a replica count other than 1,
demand inputs or per-region encryption.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from galleryflow.domain.fields import is_valid
from galleryflow.domain.problems import Problem


class ReplicationMode(StrEnum):
    FULL = "Full"
    SHALLOW = "Shallow"


def replication_mode_problems(clean: Any) -> list[Problem]:
    """Cross-field rules of `replication_mode` in a (possibly partial) cleaned request."""
    mode, production = clean["replication_mode"], clean["production"]
    if not is_valid(mode) or mode != ReplicationMode.SHALLOW:
        return []
    problems: list[Problem] = []
    if production is True:
        problems.append(
            Problem(
                "$.replication_mode",
                "Shallow replication is for development and test images, not production",
                "use replication_mode Full, or set production to false",
            )
        )
    targets = clean["target_regions"]
    if isinstance(targets, list) and len(targets) > 1:
        problems.append(
            Problem(
                "$.target_regions",
                f"a Shallow version lives in its source region only; {len(targets)} regions given",
                "list only the source VM's region, or use replication_mode Full",
            )
        )
    for index, target in enumerate(targets if isinstance(targets, list) else []):
        if not isinstance(target, dict):
            continue
        count = target.get("replica_count")
        demand = any(
            isinstance(target.get(k), int)
            for k in ("expected_concurrent_deployments", "concurrent_scale_sets")
        )
        if isinstance(target.get("encryption"), dict):
            problems.append(
                Problem(
                    f"$.target_regions[{index}].encryption",
                    "a Shallow version cannot carry per-region encryption (docs/azure-facts.md#q6)",
                    "remove encryption, or use replication_mode Full",
                )
            )
        if (isinstance(count, int) and count != 1) or demand:
            problems.append(
                Problem(
                    f"$.target_regions[{index}]",
                    "a Shallow version has exactly one replica",
                    "leave replica_count out (or 1) and drop the demand inputs",
                )
            )
    return problems
