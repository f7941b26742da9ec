"""Gallery quotas per subscription and region: the usages API and enforcement."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from sandbox.arm.seeding import seed_capture_scenario

SUB = "44444444-2222-3333-4444-555555555555"


def _usages(client: Any, region: str = "westeurope") -> dict[str, tuple[int, int]]:
    return {u.name.value: (u.current_value, u.limit) for u in client.usage.list(region)}


def _captured(emulator: Any) -> tuple[Any, str]:
    ids = seed_capture_scenario(emulator, SUB)
    client = emulator.compute_client(SUB)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    client.virtual_machines.generalize("rg-src", "vm-build")
    return client, ids["vm_id"]


def _version(vm_id: str, count: int = 1) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {
            "publishingProfile": {
                "targetRegions": [{"name": "westeurope", "regionalReplicaCount": count}]
            },
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }


def _create(client: Any, vm_id: str, name: str, count: int = 1, **options: Any) -> Any:
    """Start creating version `name` of galProd/ubuntu-golden from `vm_id` (the poller)."""
    return client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", name, _version(vm_id, count), **options
    )


def test_usages_count_per_region_and_default_limits(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    _create(client, vm_id, "1.0.0", polling=False)
    usage = _usages(client)
    assert usage == {
        "Gallery": (1, 100),
        "GalleryImage": (1, 1000),
        "GalleryImageVersion": (1, 10000),
    }
    assert _usages(client, "East US") == {
        "Gallery": (0, 100),
        "GalleryImage": (0, 1000),
        "GalleryImageVersion": (0, 10000),
    }


def test_version_quota_is_enforced_and_configurable(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST",
        "quotas",
        {"limits": {"image_versions": 1}, "subscription_id": SUB, "region": "westeurope"},
    )
    _create(client, vm_id, "1.0.0")
    assert _usages(client)["GalleryImageVersion"] == (1, 1)
    with pytest.raises(ResourceExistsError) as exceeded:
        _create(client, vm_id, "1.0.1")
    assert exceeded.value.error.code == "QuotaExceeded"
    client.gallery_image_versions.begin_delete(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0"
    ).result()
    _create(client, vm_id, "1.0.1")


def test_versions_the_emulator_does_not_hold_count_towards_the_quota(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST",
        "quotas",
        {
            "limits": {"image_versions": 10_000},
            "in_use": {"image_versions": 9_999},  # e.g. other galleries of the subscription
            "subscription_id": SUB,
            "region": "westeurope",
        },
    )
    assert _usages(client)["GalleryImageVersion"] == (9_999, 10_000)
    _create(client, vm_id, "1.0.0")
    assert _usages(client)["GalleryImageVersion"] == (10_000, 10_000)
    with pytest.raises(ResourceExistsError) as exceeded:
        _create(client, vm_id, "1.0.1")
    assert "current usage: 10000" in exceeded.value.error.message


def test_gallery_and_definition_quotas(arm_emulator: Any) -> None:
    client, _ = _captured(arm_emulator)
    arm_emulator.control("POST", "quotas", {"limits": {"galleries": 1, "image_definitions": 1}})
    with pytest.raises(ResourceExistsError) as galleries:
        client.galleries.begin_create_or_update("rg-images", "galTest", {"location": "westeurope"})
    assert galleries.value.error.code == "QuotaExceeded"
    definition = {
        "location": "westeurope",
        "properties": {
            "osType": "Linux",
            "osState": "Generalized",
            "identifier": {"publisher": "p", "offer": "o", "sku": "other"},
        },
    }
    with pytest.raises(ResourceExistsError) as definitions:
        client.gallery_images.begin_create_or_update("rg-images", "galProd", "other", definition)
    assert definitions.value.error.code == "QuotaExceeded"
    # another region has its own count
    client.galleries.begin_create_or_update("rg-images", "galUs", {"location": "eastus"}).result()


def test_replicas_per_region_limit_is_configurable(arm_emulator: Any) -> None:
    # the default limits (50 per region, 100 per version) are in test_arm_facts_limits.py
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control("POST", "quotas", {"limits": {"replicas_per_region": 3}})
    with pytest.raises(HttpResponseError) as exceeded:
        _create(client, vm_id, "1.0.0", count=4)
    assert exceeded.value.status_code == 400
    assert exceeded.value.error.code == "InvalidParameter"
    assert "between 1 and 3" in exceeded.value.error.message


def test_bad_quota_requests_are_refused(arm_emulator: Any) -> None:
    for bad in (
        {"limits": {"cores": 3}},
        {"limits": {"galleries": -1}},
        {"galleries": 1},
        {"limits": {}, "in_use": {"replicas_per_region": 1}},
        {"limits": {}, "in_use": {"image_versions": -1}},
    ):
        with pytest.raises(RuntimeError, match="400"):
            arm_emulator.control("POST", "quotas", bad)
    with pytest.raises(HttpResponseError) as unknown:
        list(arm_emulator.compute_client(SUB).usage.list("atlantis"))
    assert unknown.value.status_code == 400
