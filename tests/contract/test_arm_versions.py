"""Image version rules: capture checks, strict 400s, updatable fields, safety profile."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.arm.seeding import seed_capture_scenario

SUB = "66666666-2222-3333-4444-555555555555"
VERSIONS_PATH = (
    f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/galProd"
    "/images/ubuntu-golden/versions"
)


def _captured(emulator: Any, generalize: bool = True, **seed: Any) -> tuple[Any, str]:
    ids = seed_capture_scenario(emulator, SUB, **seed)
    client = emulator.compute_client(SUB)
    client.virtual_machines.begin_deallocate("rg-src", "vm-build").result()
    if generalize:
        client.virtual_machines.generalize("rg-src", "vm-build")
    return client, ids["vm_id"]


def _body(vm_id: str, **profile: Any) -> dict[str, Any]:
    publishing = {"targetRegions": [{"name": "westeurope"}], **profile}
    return {
        "location": "westeurope",
        "properties": {
            "publishingProfile": publishing,
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }


def _create(client: Any, name: str, body: dict[str, Any]) -> Any:
    return client.gallery_image_versions.begin_create_or_update(
        "rg-images", "galProd", "ubuntu-golden", name, body
    )


def _patch(client: Any, profile: dict[str, Any], **extra: Any) -> Any:
    body = {"properties": {"publishingProfile": profile, **extra}}
    return client.gallery_image_versions.begin_update(
        "rg-images", "galProd", "ubuntu-golden", "1.0.0", body
    ).result()


@pytest.mark.parametrize(
    ("seed", "generalize", "fragment"),
    [
        ({"os_state": "Specialized"}, True, "is Specialized but"),
        ({}, False, "Generalize the VM first"),
        ({"os_disk_size_gb": 2049}, True, "2 TB"),
        ({"data_disks": [{"lun": 3, "size_gb": 4096}]}, True, "lun 3"),
    ],
)
def test_capture_mismatches_are_refused(
    arm_emulator: Any, seed: dict[str, Any], generalize: bool, fragment: str
) -> None:
    client, vm_id = _captured(arm_emulator, generalize=generalize, **seed)
    with pytest.raises(HttpResponseError) as refused:
        _create(client, "1.0.0", _body(vm_id))
    assert refused.value.status_code == 400
    assert refused.value.error.code == "InvalidParameter"
    assert fragment in refused.value.error.message


def test_os_type_mismatch_is_refused(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    arm_emulator.control(
        "POST",
        "images",
        {"subscription_id": SUB, "resource_group": "rg-images", "gallery": "galProd",
         "name": "win", "os_type": "Windows"},
    )  # fmt: skip
    with pytest.raises(HttpResponseError) as refused:
        client.gallery_image_versions.begin_create_or_update(
            "rg-images", "galProd", "win", "1.0.0", _body(vm_id)
        )
    assert "OS type" in refused.value.error.message


def _pp(body: dict[str, Any]) -> dict[str, Any]:
    return body["properties"]["publishingProfile"]  # type: ignore[no-any-return]


def _regions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return _pp(body)["targetRegions"]  # type: ignore[no-any-return]


ZRS_WEST_US = {"name": "westus", "storageAccountType": "Standard_ZRS"}
NOT_A_VM = {"virtualMachineId": "/subscriptions/x/vm"}
BAD_SAFETY = {"safetyProfile": {"allowDeletionOfReplicatedLocations": "no"}}


@pytest.mark.parametrize(
    ("name", "mutate", "fragment"),
    [
        ("1.0", None, "Major.Minor.Patch"),
        ("1.0.0.0", None, "Major.Minor.Patch"),
        ("1.a.0", None, "Major.Minor.Patch"),
        ("1.0.4294967296", None, "32-bit"),
        ("1.0.0\n", None, "Major.Minor.Patch"),  # sent as 1.0.0%0A
        ("\u0661.0.0", None, "Major.Minor.Patch"),  # ARABIC-INDIC ONE, sent as %D9%A1.0.0
        ("1.0.00000000001", None, "Major.Minor.Patch"),
        ("1.0.0", lambda b: _regions(b).append({"name": "mars"}), "mars"),
        (
            "1.0.0",
            lambda b: _regions(b)[0].update(regionalReplicaCount="two"),
            "regionalReplicaCount",
        ),
        # too large for Azure's int32: a bad parameter, not a quota question
        (
            "1.0.0",
            lambda b: _regions(b)[0].update(regionalReplicaCount=10**30),
            "32-bit integer",
        ),
        ("1.0.0", lambda b: _pp(b).update(replicaCount=2**31), "32-bit integer"),
        ("1.0.0", lambda b: _pp(b).update(targetRegions={"name": "x"}), "must be an array"),
        ("1.0.0", lambda b: _pp(b).update(targetRegions=[{"name": "eastus"}]), "source region"),
        ("1.0.0", lambda b: _regions(b).append({"name": "West Europe"}), "more than once"),
        ("1.0.0", lambda b: _regions(b).append(ZRS_WEST_US), "Standard_ZRS"),
        ("1.0.0", lambda b: _pp(b).update(storageAccountType="Gold"), "Allowed values"),
        ("1.0.0", lambda b: _pp(b).update(endOfLifeDate="next year"), "ISO-8601"),
        ("1.0.0", lambda b: b["properties"]["storageProfile"].pop("source"), "source"),
        (
            "1.0.0",
            lambda b: b["properties"]["storageProfile"]["source"].update(NOT_A_VM),
            "not a virtual",
        ),
        ("1.0.0", lambda b: b.pop("location"), "location"),
        ("1.0.0", lambda b: b.update(location="eastus"), "gallery's location"),
        ("1.0.0", lambda b: b["properties"].update(BAD_SAFETY), "boolean"),
    ],
)
def test_bad_version_requests_are_400_with_a_fix(
    arm_emulator: Any, name: str, mutate: Any, fragment: str
) -> None:
    client, vm_id = _captured(arm_emulator)
    body = _body(vm_id)
    if mutate:
        mutate(body)
    with pytest.raises(HttpResponseError) as bad:
        _create(client, name, body)
    assert bad.value.status_code == 400, bad.value.error.message
    assert bad.value.error.code == "InvalidParameter"
    assert fragment in bad.value.error.message


def test_updatable_fields_only(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    poller = _create(client, "1.0.0", _body(vm_id, excludeFromLatest=True))
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    poller.result()
    updated = _patch(
        client,
        {
            "targetRegions": [
                {"name": "westeurope", "regionalReplicaCount": 3, "excludeFromLatest": False}
            ],
            "endOfLifeDate": "2030-01-01T00:00:00Z",
            "excludeFromLatest": True,
        },
    )
    profile = updated.properties.publishing_profile
    assert profile.exclude_from_latest is True
    assert profile.target_regions[0].exclude_from_latest is False
    assert profile.target_regions[0].regional_replica_count == 3
    assert profile.end_of_life_date.year == 2030

    with pytest.raises(ResourceExistsError) as mode:
        _patch(client, {"replicationMode": "Shallow"})
    assert mode.value.error.code == "PropertyChangeNotAllowed"
    with pytest.raises(ResourceExistsError) as storage:
        _patch(
            client, {"targetRegions": [{"name": "westeurope", "storageAccountType": "Premium_LRS"}]}
        )
    assert storage.value.error.code == "PropertyChangeNotAllowed"
    other_vm = arm_emulator.control(
        "POST",
        "vms",
        {"subscription_id": SUB, "resource_group": "rg-src", "name": "vm-other",
         "location": "westeurope", "power_state": "deallocated", "generalized": True},
    )  # fmt: skip
    with pytest.raises(ResourceExistsError) as source:
        _create(client, "1.0.0", _body(other_vm["id"]))
    assert source.value.error.code == "PropertyChangeNotAllowed"


def test_regions_cannot_be_removed_when_the_safety_profile_forbids_it(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    body = _body(vm_id)
    body["properties"]["publishingProfile"]["targetRegions"].append({"name": "northeurope"})
    body["properties"]["safetyProfile"] = {"allowDeletionOfReplicatedLocations": False}
    _create(client, "1.0.0", body)
    arm_emulator.control("POST", "clock", {"advance_seconds": 24 * 3600})
    with pytest.raises(ResourceExistsError) as refused:
        _patch(client, {"targetRegions": [{"name": "westeurope"}]})
    assert "allowDeletionOfReplicatedLocations" in refused.value.error.message
    _patch(
        client,
        {"targetRegions": [{"name": "westeurope"}]},
        safetyProfile={"allowDeletionOfReplicatedLocations": True},
    )


def test_deletion_blocked_before_end_of_life(arm_emulator: Any) -> None:
    client, vm_id = _captured(arm_emulator)
    now = arm_emulator.control("GET", "clock")["now"]
    eol = f"{int(now[:4]) + 1}{now[4:]}"
    body = _body(vm_id, endOfLifeDate=eol)
    body["properties"]["safetyProfile"] = {"blockDeletionBeforeEndOfLife": True}
    _create(client, "1.0.0", body)
    delete = client.gallery_image_versions.begin_delete
    with pytest.raises(ResourceExistsError) as blocked:
        delete("rg-images", "galProd", "ubuntu-golden", "1.0.0")
    # docs/azure-facts.md#q3 (related): the code the troubleshooting doc lists
    assert blocked.value.error.code == "DeleteGalleryImageVersionBlockedBeforeEndOfLife"
    assert "endOfLifeDate" in blocked.value.error.message
    arm_emulator.control("POST", "clock", {"now": eol})
    delete("rg-images", "galProd", "ubuntu-golden", "1.0.0").result()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["location", "properties", "publishingProfile", "targetRegions", "name", "regionalReplicaCount",
     "storageAccountType", "excludeFromLatest", "endOfLifeDate", "storageProfile", "source",
     "virtualMachineId", "safetyProfile", "replicaCount", "tags"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_request_body_produces_a_500(arm_emulator: Any, data: st.DataObject) -> None:
    # seeding is idempotent: the same capturable VM, gallery and definition every example
    ids = seed_capture_scenario(arm_emulator, SUB, power_state="deallocated", generalized=True)
    body: Any = copy.deepcopy(_body(ids["vm_id"]))
    # graft a random JSON value at a random place of a valid body
    target = body
    for _ in range(data.draw(st.integers(0, 3))):
        dicts = (
            [v for v in target.values() if isinstance(v, dict)] if isinstance(target, dict) else []
        )
        if not dicts:
            break
        target = data.draw(st.sampled_from(dicts))
    target[data.draw(field_names)] = data.draw(json_values)
    name = data.draw(st.sampled_from(["1.0.0", "2.0.0", "x", "1.2"]))
    method = data.draw(st.sampled_from(["PUT", "PATCH"]))
    response = requests.request(
        method,
        f"{arm_emulator.url}{VERSIONS_PATH}/{name}?api-version=2026-03-03",
        json=body,
        headers={"Authorization": f"Bearer {arm_emulator.token}"},
        verify=str(arm_emulator.ca_file),
        timeout=30,
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["message"]
