"""Small helpers for the contract tests of docs/azure-facts.md (tests/contract/test_arm_facts_*).

They drive the emulator through the real `ComputeManagementClient` only; nothing here reaches
into the emulator's state.
"""

from __future__ import annotations

from typing import Any

from sandbox.arm.seeding import seed_capture_scenario

GALLERY = ("rg-images", "galProd")
DEFINITION = "ubuntu-golden"


def captured(emulator: Any, sub: str, **seed: Any) -> tuple[Any, str]:
    """Seed the capture scenario, deallocate and generalize the VM: (client, vm id)."""
    ids = seed_capture_scenario(emulator, sub, **seed)
    client = emulator.compute_client(sub)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    client.virtual_machines.generalize("rg-src", "vm-build")
    return client, ids["vm_id"]


def extra_vm(emulator: Any, client: Any, sub: str, name: str, location: str = "westeurope") -> str:
    """Another deallocated, generalized Linux VM in rg-src."""
    vm = emulator.control(
        "POST",
        "vms",
        {"subscription_id": sub, "resource_group": "rg-src", "name": name, "location": location},
    )
    client.virtual_machines.begin_deallocate("rg-src", name).result()
    client.virtual_machines.generalize("rg-src", name)
    return str(vm["id"])


def body(
    source: dict[str, str],
    regions: list[Any],
    location: str = "westeurope",
    **props: Any,
) -> dict[str, Any]:
    """A version body; `regions` items are names or full targetRegions entries."""
    publishing = props.pop("publishingProfile", {})
    targets = [{"name": r} if isinstance(r, str) else r for r in regions]
    return {
        "location": location,
        "properties": {
            "publishingProfile": {"targetRegions": targets, **publishing},
            "storageProfile": {"source": source},
            **props,
        },
    }


def create(client: Any, name: str, payload: dict[str, Any], definition: str = DEFINITION) -> Any:
    """PUT a version and take the first answer (the LRO keeps running in the emulator)."""
    return client.gallery_image_versions.begin_create_or_update(
        *GALLERY, definition, name, payload, polling=False
    ).result()


def patch(client: Any, name: str, properties: dict[str, Any], **extra: Any) -> Any:
    """PATCH a version and take the first answer."""
    return client.gallery_image_versions.begin_update(
        *GALLERY, DEFINITION, name, {"properties": properties, **extra}, polling=False
    ).result()


def status(client: Any, name: str, definition: str = DEFINITION) -> Any:
    """The version's properties with replication status."""
    return client.gallery_image_versions.get(
        *GALLERY, definition, name, expand="ReplicationStatus"
    ).properties


def region_states(props: Any) -> dict[str, str]:
    return {s.region: s.state for s in props.replication_status.summary}


def fail_once(emulator: Any, region: str) -> None:
    """The next replication attempt to `region` fails half way."""
    emulator.control(
        "POST", "faults", {"kind": "replication_failure", "region": region, "times": 1}
    )


def advance(emulator: Any, seconds: float) -> None:
    emulator.control("POST", "clock", {"advance_seconds": seconds})
