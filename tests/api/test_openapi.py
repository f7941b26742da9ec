"""The OpenAPI document is generated from the validating schemas and is itself valid."""

from jsonschema import Draft202012Validator

from galleryflow.api.errors import error_body
from galleryflow.api.openapi import build_openapi
from galleryflow.api.runs import summarize
from galleryflow.domain.request_fields import publish_request_json_schema


def test_document_shape_and_routes():
    doc = build_openapi()
    assert doc["openapi"].startswith("3.1")
    assert {
        "/api/publish",
        "/api/runs",
        "/api/runs/{id}",
        "/api/runs/{id}/approve",
        "/api/runs/{id}/reject",
        "/api/runs/{id}/cancel",
        "/api/rollback",
        "/api/prune",
        "/api/galleries/{gallery}/images/{definition}/versions",
        "/api/openapi.json",
        "/api/health",
        "/api/devops/task",
        "/api/devops/hook",
    } <= set(doc["paths"])
    assert doc["paths"]["/api/health"]["get"]["security"] == []


def test_publish_schema_is_the_domain_schema():
    doc = build_openapi()
    expected = publish_request_json_schema()
    expected.pop("$schema")
    assert doc["components"]["schemas"]["PublishRequest"] == expected


def test_every_component_is_a_valid_2020_12_schema():
    for schema in build_openapi()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_responses_conform_to_their_schemas():
    schemas = build_openapi()["components"]["schemas"]
    summary = summarize(
        {
            "name": "publish_image",
            "instanceId": "x",
            "runtimeStatus": "Failed",
            "customStatus": {"step": "failed", "regions": {"eastus": {"state": "Failed"}}},
            "output": "capture failed",
        },
        {"self": "/api/runs/x"},
    )
    Draft202012Validator(schemas["RunSummary"]).validate(summary)
    Draft202012Validator(schemas["Error"]).validate(
        error_body("X", "y", [{"path": "$", "message": "m", "hint": ""}])
    )
