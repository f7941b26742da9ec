"""Publish request validation, canonical form and round trip (docs/CONTRACTS.md)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galleryflow.domain.regions import REGIONS
from galleryflow.domain.request import (
    PublishRequest,
    RequestValidationError,
    parse_publish_request,
    parse_vm_id,
)

SUB = "00000000-0000-0000-0000-000000000001"
DES_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-keys/providers/Microsoft.Compute"
    "/diskEncryptionSets/des-1"
)
VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm1"
)


def minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_vm_id": VM_ID,
        "gallery": {"resource_group": "rg-images", "name": "galProd"},
        "image_definition": "ubuntu-golden",
        "target_regions": [{"name": "westeurope"}],
    }
    data.update(overrides)
    return data


def problems_of(data: Any, **kwargs: Any) -> list[dict[str, str]]:
    with pytest.raises(RequestValidationError) as caught:
        parse_publish_request(data, **kwargs)
    return caught.value.to_dicts()


def paths_of(data: Any, **kwargs: Any) -> set[str]:
    return {p["path"] for p in problems_of(data, **kwargs)}


def test_contract_example_parses_and_is_already_canonical() -> None:
    example = {
        "schema_version": 1,
        "source_vm_id": VM_ID,
        "gallery": {"subscription_id": SUB, "resource_group": "rg-images", "name": "galProd"},
        "image_definition": "ubuntu-golden",
        "version": {"strategy": "explicit", "value": "1.2.3"},
        "target_regions": [
            {
                "name": "westeurope",
                "replica_count": 3,
                "storage_account_type": "Standard_ZRS",
                "exclude_from_latest": False,
                "encryption": None,
            }
        ],
        "production": True,
        "rollout": {"mode": "all_at_once", "waves": [], "soak_minutes": 0, "approval": False},
        "end_of_life": "2027-06-01T00:00:00Z",
        "block_deletion_before_end_of_life": False,
        "allow_replicated_location_deletion": False,
        "replication_mode": "Full",
        "retention": {
            "keep_last": 5,
            "keep_newer_than_days": 30,
            "min_good_versions": 2,
            "shrink_old_to_one_region": False,
            "quota_headroom": 0,
            "auto_prune": True,
            "dry_run": False,
        },
        "replication": {
            "max_region_retries": 2,
            "on_region_failure": "fail",
            "stall_minutes": 240,
            "region_timeout_minutes": 720,
        },
        "generalize": False,
        "cleanup_on_failure": False,
        "idempotency_key": "build-42",
        "tags": {"team": "platform"},
        "patch": None,
        "customize": None,
        "skip_when_current": False,
        "mirrors": [],
    }
    request = parse_publish_request(example)
    assert request.to_dict() == example
    assert request.end_of_life == datetime(2027, 6, 1, tzinfo=UTC)


def test_minimal_request_gets_every_default_filled_in() -> None:
    canonical = parse_publish_request(minimal()).to_dict()
    assert canonical["schema_version"] == 1
    assert canonical["gallery"]["subscription_id"] == SUB  # the VM's subscription
    assert canonical["version"] == {"strategy": "next_patch", "value": None}
    assert canonical["target_regions"] == [
        {
            "name": "westeurope",
            "replica_count": 3,
            "storage_account_type": "Standard_ZRS",
            "exclude_from_latest": False,
            "encryption": None,
        }
    ]
    assert canonical["rollout"]["mode"] == "canary"  # the default without `rollout`
    assert canonical["retention"]["dry_run"] is True
    assert canonical["replication"]["on_region_failure"] == "fail"
    assert canonical["idempotency_key"] is None
    assert canonical["tags"] == {}


def test_region_names_are_normalised_and_planned() -> None:
    request = parse_publish_request(
        minimal(
            target_regions=[
                {"name": "West Europe"},
                {"name": "West US", "expected_concurrent_deployments": 201},
                {"name": "northeurope", "replica_count": 7, "storage_account_type": "Premium_LRS"},
            ]
        )
    )
    assert [
        (t.name, t.replica_count, t.storage_account_type.value) for t in request.target_regions
    ] == [
        ("westeurope", 3, "Standard_ZRS"),
        ("westus", 11, "Standard_LRS"),  # 201 / 20 rounded up; westus has no zones
        ("northeurope", 7, "Premium_LRS"),
    ]


def test_every_problem_is_reported_at_once_with_path_and_hint() -> None:
    problems = problems_of(
        {
            "source_vm_id": "vm1",
            "gallery": {"name": "gal."},
            "version": {"strategy": "explicit"},
            "target_regions": [
                {"name": "westeruope"},
                {"name": "West Europe", "replica_count": 0, "colour": "red"},
                {"name": "westeurope"},
            ],
            "rollout": {"mode": "sideways"},
            "tags": {"a/b": "x"},
            "surprise": 1,
        }
    )
    by_path = {p["path"]: p for p in problems}
    assert set(by_path) == {
        "$.source_vm_id",
        "$.gallery.resource_group",
        "$.gallery.name",
        "$.image_definition",
        "$.version.value",
        "$.target_regions[0].name",
        "$.target_regions[1].replica_count",
        "$.target_regions[1].colour",
        "$.target_regions[2].name",
        "$.rollout.mode",
        "$.tags['a/b']",
        "$.surprise",
    }
    assert "did you mean westeurope" in by_path["$.target_regions[0].name"]["hint"]
    assert "listed twice" in by_path["$.target_regions[2].name"]["message"]
    assert all(p["message"] and p["hint"] for p in problems)


def test_not_an_object_is_one_problem() -> None:
    assert problems_of([1, 2]) == [
        {"path": "$", "message": "expected an object, got array", "hint": "give an object here"}
    ]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"schema_version": 2}, "$.schema_version", "unsupported"),
        ({"version": {"strategy": "next_minor", "value": "1.0.0"}}, "$.version.value", "picks"),
        ({"version": {"strategy": "explicit", "value": "1.2"}}, "$.version.value", "format"),
        (
            {"version": {"strategy": "explicit", "value": "1.2.2147483648"}},
            "$.version.value",
            "outside",
        ),
        ({"production": "yes"}, "$.production", "expected true or false"),
        ({"target_regions": []}, "$.target_regions", "at least 1"),
        (
            {"target_regions": [{"name": "westus", "storage_account_type": "Standard_ZRS"}]},
            "$.target_regions[0].storage_account_type",
            "not available in westus",
        ),
        (
            {"target_regions": [{"name": "westus", "replica_count": 2}]},
            "$.target_regions[0].replica_count",
            "at least 3",
        ),
        (
            {
                "target_regions": [
                    {"name": "westus", "replica_count": 3, "expected_concurrent_deployments": 9}
                ]
            },
            "$.target_regions[0]",
            "both set",
        ),
        (
            {"target_regions": [{"name": "westus", "replica_count": 51}]},
            "$.target_regions[0]",
            "westus: replica_count is 51; Azure allows at most 50 replicas per region",
        ),
        (
            {"target_regions": [{"name": "westus", "concurrent_scale_sets": 60}]},
            "$.target_regions[0]",
            "westus: 0 concurrent deployments and 60 concurrent scale sets need 60 replicas",
        ),
        (
            {
                "target_regions": [
                    {"name": "westus", "replica_count": 3, "concurrent_scale_sets": 1}
                ]
            },
            "$.target_regions[0]",
            "replica_count and concurrent_scale_sets are both set",
        ),
        (
            {"target_regions": [{"name": "westus", "storage_account_type": "PremiumV2_LRS"}]},
            "$.target_regions[0].storage_account_type",
            "PremiumV2_LRS is not available in westus",
        ),
        ({"replication_mode": "Shallow"}, "$.replication_mode", "not production"),
        (
            {
                "replication_mode": "Shallow",
                "production": False,
                "target_regions": [{"name": "westeurope"}, {"name": "northeurope"}],
            },
            "$.target_regions",
            "source region only",
        ),
        (
            {
                "replication_mode": "Shallow",
                "production": False,
                "target_regions": [{"name": "westeurope", "replica_count": 2}],
            },
            "$.target_regions[0]",
            "exactly one replica",
        ),
        (
            {
                "replication_mode": "Shallow",
                "production": False,
                "target_regions": [{"name": "westeurope", "encryption": {}}],
            },
            "$.target_regions[0].encryption",
            "cannot carry per-region encryption",
        ),
        ({"replication_mode": "Deep"}, "$.replication_mode", "not allowed"),
        (
            {
                "target_regions": [
                    {
                        "name": "westeurope",
                        "encryption": {"confidential_vm_encryption_type": "EncryptedWithCmk"},
                    }
                ]
            },
            "$.target_regions[0].encryption.secure_vm_disk_encryption_set_id",
            "needs the secure VM disk encryption set",
        ),
        (
            {
                "target_regions": [
                    {"name": "westeurope", "encryption": {"os_disk_encryption_set_id": "des-1"}}
                ]
            },
            "$.target_regions[0].encryption.os_disk_encryption_set_id",
            "format",
        ),
        ({"rollout": {"waves": [["westeurope"]]}}, "$.rollout.waves", "only used with mode"),
        ({"rollout": {"mode": "waves"}}, "$.rollout.waves", "at least one wave"),
        ({"end_of_life": "2027-06-01"}, "$.end_of_life", "time zone"),
        ({"idempotency_key": "has space"}, "$.idempotency_key", "format"),
        ({"retention": {"keep_last": 0}}, "$.retention.keep_last", "out of range"),
        (
            {"replication": {"max_region_retries": True}},
            "$.replication.max_region_retries",
            "integer",
        ),
        ({"tags": {"team": 5}}, "$.tags.team", "string"),
        # `$` alone would also match before a final newline; names must match whole.
        (
            {"gallery": {"resource_group": "rg-images", "name": "galProd\n"}},
            "$.gallery.name",
            "format",
        ),
        ({"image_definition": "ubuntu-golden\n"}, "$.image_definition", "format"),
        ({"version": {"strategy": "explicit", "value": "1.2.3\n"}}, "$.version.value", "format"),
        ({"version": {"strategy": "explicit", "value": "\u0661.2.3"}}, "$.version.value", "format"),
        ({"source_vm_id": VM_ID + "\n"}, "$.source_vm_id", "format"),
        ({"idempotency_key": "run-1\n"}, "$.idempotency_key", "format"),
    ],
)
def test_single_rule_violations(change: dict[str, Any], path: str, words: str) -> None:
    problems = problems_of(minimal(**change))
    assert [p["path"] for p in problems] == [path]
    assert words in problems[0]["message"]


def test_production_false_allows_one_replica() -> None:
    request = parse_publish_request(
        minimal(production=False, target_regions=[{"name": "westus", "replica_count": 1}])
    )
    assert request.target_regions[0].replica_count == 1


def test_end_of_life_in_the_past_is_refused_only_when_now_is_given() -> None:
    data = minimal(end_of_life="2026-01-01T00:00:00+02:00")
    assert parse_publish_request(data).to_dict()["end_of_life"] == "2025-12-31T22:00:00Z"
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert paths_of(data, now=now) == {"$.end_of_life"}


def test_waves_must_cover_targets_exactly_once() -> None:
    targets = [{"name": "westeurope"}, {"name": "northeurope"}, {"name": "eastus"}]
    ok = parse_publish_request(
        minimal(
            target_regions=targets,
            rollout={"mode": "waves", "waves": [["West Europe"], ["northeurope", "eastus"]]},
        )
    )
    assert ok.rollout.waves == (("westeurope",), ("northeurope", "eastus"))
    problems = problems_of(
        minimal(
            target_regions=targets,
            rollout={"mode": "waves", "waves": [["westeurope"], ["westeurope", "uksouth"]]},
        )
    )
    assert [p["path"] for p in problems] == [
        "$.rollout.waves[1][0]",
        "$.rollout.waves[1][1]",
        "$.rollout.waves",
    ]
    assert "northeurope" in problems[2]["message"] and "eastus" in problems[2]["message"]


def test_source_region_is_added_with_a_warning_when_missing() -> None:
    request = parse_publish_request(
        minimal(
            target_regions=[{"name": "westeurope"}, {"name": "northeurope"}],
            rollout={"mode": "waves", "waves": [["westeurope"], ["northeurope"]]},
        )
    )
    same, warning = request.with_source_region("West Europe")
    assert same is request and warning is None
    added, warning = request.with_source_region("West US")
    assert warning is not None and "westus" in warning
    assert added.target_regions[-1].to_dict() == {
        "name": "westus",
        "replica_count": 3,
        "storage_account_type": "Standard_LRS",
        "exclude_from_latest": False,
        "encryption": None,
    }
    assert added.rollout.waves == (("westeurope", "westus"), ("northeurope",))
    # The result is itself a valid request.
    assert PublishRequest.from_dict(added.to_dict()) == added


def test_input_dict_is_not_modified() -> None:
    data = minimal(target_regions=[{"name": "West Europe"}])
    before = copy.deepcopy(data)
    parse_publish_request(data)
    assert data == before


# --- property tests -------------------------------------------------------------------------

names = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)


@st.composite
def valid_requests(draw: st.DrawFn) -> dict[str, Any]:
    regions = draw(st.lists(st.sampled_from(sorted(REGIONS)), min_size=1, max_size=6, unique=True))
    production = draw(st.booleans())
    floor = 3 if production else 1
    targets: list[dict[str, Any]] = []
    for region in regions:
        target: dict[str, Any] = {"name": draw(st.sampled_from([region, region.upper()]))}
        how = draw(st.sampled_from(["none", "count", "deployments", "scale_sets"]))
        if how == "count":
            target["replica_count"] = draw(st.integers(floor, 50))
        elif how == "deployments":
            target["expected_concurrent_deployments"] = draw(st.integers(1, 1000))
        elif how == "scale_sets":
            target["concurrent_scale_sets"] = draw(st.integers(1, 20))
            if draw(st.booleans()):
                target["expected_concurrent_deployments"] = draw(st.integers(1, 500))
        if draw(st.booleans()):
            target["encryption"] = {
                "os_disk_encryption_set_id": DES_ID,
                "data_disks": [{"lun": 0, "disk_encryption_set_id": DES_ID}],
            }
        if draw(st.booleans()):
            target["exclude_from_latest"] = draw(st.booleans())
        targets.append(target)
    data = minimal(target_regions=targets, production=production)
    data["image_definition"] = draw(names)
    strategy = draw(st.sampled_from(["explicit", "next_patch", "next_minor", "date"]))
    version: dict[str, Any] = {"strategy": strategy}
    if strategy == "explicit":
        parts = draw(st.lists(st.integers(0, 2**31 - 1), min_size=3, max_size=3))
        version["value"] = ".".join(map(str, parts))
    data["version"] = version
    if draw(st.booleans()):
        order = draw(st.permutations([r for r in regions]))
        cut = draw(st.integers(1, len(order)))
        waves = [list(order[:cut]), list(order[cut:])] if cut < len(order) else [list(order)]
        data["rollout"] = {
            "mode": "waves",
            "waves": waves,
            "soak_minutes": draw(st.integers(0, 60)),
        }
    if draw(st.booleans()):
        data["tags"] = draw(st.dictionaries(names, st.text(max_size=10), max_size=3))
    if draw(st.booleans()):
        data["idempotency_key"] = draw(names)
    if draw(st.booleans()):
        data["end_of_life"] = "2030-01-02T03:04:05+01:00"
    if draw(st.booleans()):
        data["allow_replicated_location_deletion"] = draw(st.booleans())
    demand = ("replica_count", "expected_concurrent_deployments", "concurrent_scale_sets")
    single = len(regions) == 1 and not any(k in targets[0] for k in demand)
    single = single and "encryption" not in targets[0]
    if not production and single and draw(st.booleans()):
        data["replication_mode"] = "Shallow"
    return data


@settings(max_examples=150, deadline=None)
@given(valid_requests())
def test_canonical_form_round_trips(data: dict[str, Any]) -> None:
    request = parse_publish_request(data)
    canonical = request.to_dict()
    again = PublishRequest.from_dict(canonical)
    assert again == request
    assert again.to_dict() == canonical
    assert all(t["name"] in REGIONS for t in canonical["target_regions"])
    assert all(t["replica_count"] <= 50 for t in canonical["target_regions"])


@settings(max_examples=100, deadline=None)
@given(valid_requests(), names)
def test_any_unknown_field_is_refused_at_its_path(data: dict[str, Any], key: str) -> None:
    key = f"x_{key}"
    data["retention"] = {key: 1}
    data["target_regions"][0][key] = 1
    assert paths_of(data) == {f"$.retention.{key}", f"$.target_regions[0].{key}"}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["westeurope", "1.2.3", "waves", "explicit", "2027-01-01T00:00:00Z"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += paths_in(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += paths_in(v, (*prefix, i))
    return found


@settings(max_examples=300, deadline=None)
@given(valid_requests(), st.data())
def test_any_mangled_request_gives_problems_never_a_crash(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    spot = draw.draw(st.sampled_from(paths_in(data)[1:]))
    parent: Any = data
    for key in spot[:-1]:
        parent = parent[key]
    parent[spot[-1]] = draw.draw(json_values)
    try:
        request = parse_publish_request(data)
    except RequestValidationError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path.startswith("$") and problem.message and problem.hint
        return
    assert PublishRequest.from_dict(request.to_dict()) == request


@given(json_values)
def test_arbitrary_json_gives_problems_never_a_crash(value: Any) -> None:
    with pytest.raises(RequestValidationError):
        parse_publish_request(value)


def test_rules_of_one_region_are_checked_even_when_another_member_is_bad() -> None:
    data = minimal(
        production="no",
        target_regions=[
            {"name": "westus", "replica_count": "3", "storage_account_type": "Standard_ZRS"},
            {"name": "West US"},
        ],
    )
    assert paths_of(data) == {
        "$.production",
        "$.target_regions[0].replica_count",
        "$.target_regions[0].storage_account_type",
        "$.target_regions[1].name",
    }


def test_a_vm_id_with_a_trailing_newline_is_not_parsed() -> None:
    with pytest.raises(ValueError, match="not a virtual machine resource id"):
        parse_vm_id(VM_ID + "\n")
