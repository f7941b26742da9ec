"""The JSON Schemas come from the same field tables as the validators and agree with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from galleryflow.domain.problems import RequestValidationError
from galleryflow.domain.request import (
    parse_prune_request,
    parse_publish_request,
    parse_rollback_request,
    prune_request_json_schema,
    publish_request_json_schema,
    rollback_request_json_schema,
)

SUB = "00000000-0000-0000-0000-000000000001"
VM_ID = f"/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.compute/virtualMachines/vm-1"
GALLERY = {"resource_group": "rg-images", "name": "galProd"}
SCHEMAS = [publish_request_json_schema, rollback_request_json_schema, prune_request_json_schema]


def objects(schema: Any) -> Iterator[dict[str, Any]]:
    """Every object schema with declared properties, at any depth."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            yield schema
        for value in schema.values():
            yield from objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from objects(value)


@pytest.mark.parametrize("make", SCHEMAS)
def test_schema_is_valid_draft_2020_12_and_closed(make: Any) -> None:
    schema = make()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    found = list(objects(schema))
    assert found
    for obj in found:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) <= set(obj["properties"])


def test_publish_schema_lists_the_contract_fields() -> None:
    schema = publish_request_json_schema()
    assert schema["required"] == [
        "source_vm_id",
        "gallery",
        "image_definition",
        "target_regions",
    ]
    assert schema["properties"]["retention"]["properties"]["keep_last"]["default"] == 5
    region = schema["properties"]["target_regions"]["items"]
    assert "expected_concurrent_deployments" in region["properties"]


def validator(make: Any) -> Draft202012Validator:
    return Draft202012Validator(make(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_canonical_dicts_satisfy_the_schemas() -> None:
    publish = parse_publish_request(
        {
            "source_vm_id": VM_ID,
            "gallery": GALLERY,
            "image_definition": "def",
            "version": {"strategy": "explicit", "value": "2026.0105.0"},
            "target_regions": [
                {"name": "West Europe", "expected_concurrent_deployments": 100},
                {"name": "westus"},
            ],
            "rollout": {"mode": "waves", "waves": [["westus"], ["westeurope"]]},
            "end_of_life": "2030-01-01T00:00:00Z",
            "tags": {"team": "platform"},
        }
    )
    validator(publish_request_json_schema).validate(publish.to_dict())
    rollback = parse_rollback_request(
        {"gallery": GALLERY, "image_definition": "def", "version": "1.2.3", "regions": ["West US"]}
    )
    assert rollback.regions == ("westus",)
    validator(rollback_request_json_schema).validate(rollback.to_dict())
    prune = parse_prune_request({"gallery": GALLERY, "image_definition": "def"})
    assert prune.apply is False and prune.retention.dry_run is True
    validator(prune_request_json_schema).validate(prune.to_dict())


def test_rollback_and_prune_report_every_problem() -> None:
    with pytest.raises(RequestValidationError) as caught:
        parse_rollback_request(
            {"gallery": {}, "version": "x", "regions": ["westus", "West US"], "apply": True}
        )
    assert {p.path for p in caught.value.problems} == {
        "$.gallery.resource_group",
        "$.gallery.name",
        "$.image_definition",
        "$.version",
        "$.regions[1]",
        "$.apply",
    }
    with pytest.raises(RequestValidationError) as caught:
        parse_prune_request({"gallery": GALLERY, "image_definition": "d", "apply": "yes"})
    assert [p.path for p in caught.value.problems] == ["$.apply"]


# Whatever the validator accepts, the schema accepts: the schema is a sound (if looser)
# description for API clients. Random JSON mostly fails both; when it passes the
# validator it must pass the schema too.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.sampled_from(["", "x", "1.2.3"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated_rollbacks(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "gallery": dict(GALLERY),
        "image_definition": "def",
        "version": "1.2.3",
        "regions": None,
    }
    for key in draw(st.lists(st.sampled_from([*data, "other"]), max_size=2, unique=True)):
        data[key] = draw(json_values | st.just(["westus"]) | st.just(["northeurope", "nowhere"]))
    return data


@settings(max_examples=200, deadline=None)
@given(mutated_rollbacks())
def test_validator_and_schema_agree_on_rollbacks(data: dict[str, Any]) -> None:
    schema_ok = validator(rollback_request_json_schema).is_valid(data)
    try:
        parse_rollback_request(data)
    except RequestValidationError:
        return  # the validator may be stricter (known regions, duplicates, int32 versions)
    assert schema_ok


@settings(max_examples=150, deadline=None)
@given(json_values, st.sampled_from([parse_rollback_request, parse_prune_request]))
def test_arbitrary_json_gives_problems_never_a_crash(value: Any, parse: Any) -> None:
    data = {"gallery": GALLERY, "image_definition": "d", "version": "1.0.0", "x": value}
    for candidate in (value, data, {**data, "gallery": value}, {**data, "regions": value}):
        with pytest.raises(RequestValidationError):
            parse(candidate)
