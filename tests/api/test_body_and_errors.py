"""Body parsing and the one error shape: JSON only, bounded, every problem listed."""

import json

import pytest

from galleryflow.api.body import MAX_BODY_BYTES, parse_json_object
from galleryflow.api.errors import ApiError, error_body, validation_failed
from galleryflow.api.schemas import parse_event_payload


def test_error_body_shape():
    body = error_body("NotFound", "no run", [{"path": "$", "message": "m", "hint": "h"}])
    assert body == {
        "error": {
            "code": "NotFound",
            "message": "no run",
            "details": [{"path": "$", "message": "m", "hint": "h"}],
        }
    }


def test_json_object_is_parsed():
    assert parse_json_object(b'{"a": 1}', "application/json; charset=utf-8") == {"a": 1}


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"x" * (MAX_BODY_BYTES + 1), "application/json", 413, "PayloadTooLarge"),
        (b'{"a": 1}', "text/plain", 415, "UnsupportedMediaType"),
        (b'{"a": 1}', None, 415, "UnsupportedMediaType"),
        (b"{not json", "application/json", 400, "MalformedJson"),
        (b"\xff\xfe", "application/json", 400, "MalformedJson"),
        (b"[1, 2]", "application/json", 400, "ValidationFailed"),
        (b"", "application/json", 400, "EmptyBody"),
    ],
)
def test_bad_bodies_are_clear_4xx(raw, content_type, status, code):
    with pytest.raises(ApiError) as caught:
        parse_json_object(raw, content_type)
    assert (caught.value.status, caught.value.code) == (status, code)
    json.dumps(caught.value.body())  # always serialisable


def test_optional_empty_body_is_none():
    assert parse_json_object(b"  ", None, required=False) is None


def test_validation_failed_counts_problems():
    err = validation_failed([{"path": "$.a", "message": "m", "hint": "h"}] * 2)
    assert err.status == 400 and "2 problems" in err.message


def test_event_payload_rejects_unknown_fields_with_hint():
    with pytest.raises(ApiError) as caught:
        parse_event_payload({"by": "ann", "reason": "x"})
    (detail,) = caught.value.details
    assert detail["path"] == "$.reason"
    assert "by" in detail["hint"] and "comment" in detail["hint"]


def test_event_payload_defaults():
    assert parse_event_payload(None) == {"by": None, "comment": None}
    assert parse_event_payload({"by": "ann", "comment": "ok"}) == {"by": "ann", "comment": "ok"}
