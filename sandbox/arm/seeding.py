"""Helpers that seed a typical capture scenario through the control API (tests, demos)."""

from __future__ import annotations

from typing import Any, Protocol


class _Controllable(Protocol):
    def control(self, method: str, path: str, json: Any = None) -> Any: ...


def seed_capture_scenario(
    emulator: _Controllable,
    subscription_id: str,
    *,
    location: str = "westeurope",
    os_disk_size_gb: int = 30,
    data_disks: list[dict[str, int]] | None = None,
    os_state: str = "Generalized",
    power_state: str = "running",
    generalized: bool = False,
) -> dict[str, str]:
    """A source VM in rg-src, gallery galProd in rg-images with definition ubuntu-golden."""
    vm = emulator.control(
        "POST",
        "vms",
        {
            "subscription_id": subscription_id,
            "resource_group": "rg-src",
            "name": "vm-build",
            "location": location,
            "os_disk_size_gb": os_disk_size_gb,
            "data_disks": data_disks or [],
            "power_state": power_state,
            "generalized": generalized,
        },
    )
    emulator.control(
        "POST",
        "galleries",
        {
            "subscription_id": subscription_id,
            "resource_group": "rg-images",
            "name": "galProd",
            "location": location,
        },
    )
    image = emulator.control(
        "POST",
        "images",
        {
            "subscription_id": subscription_id,
            "resource_group": "rg-images",
            "gallery": "galProd",
            "name": "ubuntu-golden",
            "os_state": os_state,
        },
    )
    return {"vm_id": vm["id"], "image_id": image["id"]}
