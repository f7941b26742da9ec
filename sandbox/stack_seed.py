"""Seeding the stack's emulator: a source VM, a gallery and image definitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sandbox.stack_arm import ArmSide

DEMO_SUBSCRIPTION = "00000000-0000-0000-0000-0000000000d0"


def prune_old(keep_newer_than_days: int) -> dict[str, Any]:
    """A publish's retention that auto-prunes every version but the newest good one, once
    older than `keep_newer_than_days` (tests, the fault matrix and the soak)."""
    return {
        "keep_last": 1,
        "keep_newer_than_days": keep_newer_than_days,
        "min_good_versions": 1,
        "auto_prune": True,
        "dry_run": False,
    }


@dataclass
class DemoIds:
    subscription_id: str
    vm_id: str
    gallery: dict[str, str]
    definition: str
    location: str

    def request(self, regions: list[str], **overrides: Any) -> dict[str, Any]:
        """A publish request for the seeded VM and definition (explicit fields win)."""
        body: dict[str, Any] = {
            "schema_version": 1,
            "source_vm_id": self.vm_id,
            "gallery": dict(self.gallery),
            "image_definition": self.definition,
            "version": {"strategy": "next_patch"},
            "target_regions": [{"name": r, "replica_count": 1} for r in regions],
            "production": False,
            "retention": {"auto_prune": False, "dry_run": True},
        }
        body.update(overrides)
        return body

    def production_request(self, regions: list[str], **overrides: Any) -> dict[str, Any]:
        """`request(...)` for a production image (`production: true`, 3 replicas per region,
        the minimum a production image takes)."""
        body = self.request(regions, production=True, **overrides)
        for region in body["target_regions"]:
            region["replica_count"] = max(3, region["replica_count"])
        return body


class SeedSide(ArmSide):
    """Mixed into `Stack`: seeding through the emulator's control API."""

    advance_clock: Callable[[float], dict[str, Any]]  # DurableSide's, in Stack

    def seed_demo(
        self,
        *,
        subscription_id: str = DEMO_SUBSCRIPTION,
        location: str = "westeurope",
        vm_name: str = "vm-build",
        definition: str = "ubuntu-golden",
        os_state: str = "Specialized",
        power_state: str = "running",
        gallery: str = "galDemo",
        **vm_extra: Any,
    ) -> DemoIds:
        """Resource groups, a Linux Gen2 source VM, a gallery and one image definition."""
        self.arm_control(
            "POST",
            "resource-groups",
            {"subscription_id": subscription_id, "name": "rg-build", "location": location},
        )
        self.arm_control(
            "POST",
            "resource-groups",
            {"subscription_id": subscription_id, "name": "rg-images", "location": location},
        )
        vm = {
            "hyper_v_generation": "V2",
            "power_state": power_state,
            "generalized": os_state == "Generalized",
            **vm_extra,  # wins, e.g. a generalized VM for a Specialized definition
        }
        vm_id = self.add_vm(subscription_id, vm_name, location, **vm)
        self.arm_control(
            "POST",
            "galleries",
            {
                "subscription_id": subscription_id,
                "resource_group": "rg-images",
                "name": gallery,
                "location": location,
            },
        )
        seeded = DemoIds(
            subscription_id=subscription_id,
            vm_id=vm_id,
            gallery={
                "subscription_id": subscription_id,
                "resource_group": "rg-images",
                "name": gallery,
            },
            definition=definition,
            location=location,
        )
        return self.add_definition(seeded, definition, os_state=os_state)

    def add_vm(self, subscription_id: str, name: str, location: str, **extra: Any) -> str:
        """A Linux VM in the subscription's rg-build (`extra`: the emulator's VM fields,
        e.g. power_state, image_reference_id); its resource id."""
        body = {
            "subscription_id": subscription_id,
            "resource_group": "rg-build",
            "name": name,
            "location": location,
            "os_type": "Linux",
            **extra,
        }
        return str(self.arm_control("POST", "vms", body)["id"])

    def seed_gallery(
        self,
        *,
        subscription_id: str,
        location: str,
        gallery: str,
        definition: str,
        resource_group: str = "rg-images",
        **image_extra: Any,
    ) -> DemoIds:
        """A resource group, a gallery and a Linux Gen2 definition (e.g. a mirror gallery in
        another subscription and region); the ids have no VM (`vm_id` empty)."""
        self.arm_control(
            "POST",
            "resource-groups",
            {"subscription_id": subscription_id, "name": resource_group, "location": location},
        )
        self.arm_control(
            "POST",
            "galleries",
            {
                "subscription_id": subscription_id,
                "resource_group": resource_group,
                "name": gallery,
                "location": location,
            },
        )
        ids = DemoIds(
            subscription_id=subscription_id,
            vm_id="",
            gallery={
                "subscription_id": subscription_id,
                "resource_group": resource_group,
                "name": gallery,
            },
            definition=definition,
            location=location,
        )
        return self.add_definition(ids, definition, **image_extra)

    def put_version(
        self,
        ids: DemoIds,
        name: str,
        regions: list[str],
        *,
        source_vm_id: str | None = None,
        **properties: Any,
    ) -> None:
        """An image version made directly on the emulator (as an older run would have left
        it). `profile` entries go into its publishingProfile, other keys into properties;
        the source VM (default: the seeded one) must be deallocated."""
        profile = {
            "targetRegions": [{"name": r, "regionalReplicaCount": 1} for r in regions],
            **properties.pop("profile", {}),
        }
        self.arm_put(
            f"{self.definition_id(ids)}/versions/{name}",
            {
                "location": ids.location,
                "properties": {
                    "publishingProfile": profile,
                    "storageProfile": {"source": {"virtualMachineId": source_vm_id or ids.vm_id}},
                    **properties,
                },
            },
        )
        # one source feeds one replication at a time (docs/azure-facts.md#q2): let it finish
        self.advance_clock(86_400)

    def add_definition(
        self, ids: DemoIds, name: str, *, os_state: str = "Specialized", **image_extra: Any
    ) -> DemoIds:
        """A Linux Gen2 image definition `name` in the seeded gallery; ids that point at it
        (tests use one per test so their runs never share a definition). `image_extra`:
        more seeding fields, e.g. `features={"SecurityType": ...}`, `architecture`."""
        gallery = ids.gallery
        self.arm_control(
            "POST",
            "images",
            {
                "subscription_id": gallery["subscription_id"],
                "resource_group": gallery["resource_group"],
                "gallery": gallery["name"],
                "name": name,
                "os_type": "Linux",
                "os_state": os_state,
                "hyper_v_generation": "V2",
                **image_extra,
            },
        )
        return replace(ids, gallery=dict(gallery), definition=name)
