"""The error tree crosses the Durable boundary as a dict and keeps its meaning."""

from __future__ import annotations

import json
import pickle

import pytest

from galleryflow.azure import errors as e

SCOPE = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"


@pytest.mark.parametrize(
    "error",
    [
        e.NotFound("ResourceNotFound", "gone", resource=SCOPE, status=404),
        e.Conflict("OperationNotAllowed", "busy", resource=SCOPE, status=409),
        e.Throttled("TooManyRequests", "slow down", status=429, retry_after_seconds=17),
        e.Forbidden(
            "AuthorizationFailed",
            "no",
            action="Microsoft.Compute/galleries/read",
            scope=SCOPE,
            status=403,
        ),
        e.QuotaExceeded("QuotaExceeded", "full", status=409),
        e.Transient("ServiceUnavailable", "later", status=503),
        e.InvalidRequest("InvalidParameter", "bad", status=400),
        e.GatewayError("OperationCanceled", "canceled", status=200),
    ],
)
def test_round_trip_through_json_and_pickle_keeps_kind_and_fields(error):
    data = json.loads(json.dumps(error.to_dict()))
    rebuilt = e.GatewayError.from_dict(data)
    assert type(rebuilt) is type(error)
    assert rebuilt.to_dict() == error.to_dict()
    assert type(pickle.loads(pickle.dumps(error))) is type(error)


def test_forbidden_dict_names_action_and_scope():
    data = e.Forbidden("AuthorizationFailed", "m", action="A/b/read", scope=SCOPE).to_dict()
    assert data["kind"] == "forbidden"
    assert (data["action"], data["scope"]) == ("A/b/read", SCOPE)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (e.Throttled("TooManyRequests", "m"), True),
        (e.Transient("InternalServerError", "m"), True),
        (e.Conflict("OperationNotAllowed", "another operation is in progress"), True),
        (e.Conflict("CannotDeleteResource", "blocked before end of life"), False),
        (e.Conflict("OperationNotAllowed", "blocked until its end of life date"), False),
        (e.Conflict("VersionAlreadyExists", "exists"), False),
        (e.Conflict("OperationNotAllowed", "Injected fault: HTTP 409."), True),
        (e.Conflict("OperationNotAllowed", "VM 'vm1' is running. Deallocate it first."), False),
        (
            e.Conflict(
                "OperationNotAllowed",
                "Operation 'start' is not allowed while another operation (deallocate) is in "
                "progress. Wait for it to finish and retry.",
            ),
            True,
        ),
        (e.NotFound("ResourceNotFound", "m"), False),
        (e.Forbidden("AuthorizationFailed", "m"), False),
        (e.QuotaExceeded("QuotaExceeded", "m"), False),
        (e.InvalidRequest("InvalidParameter", "m"), False),
    ],
)
def test_retryable(error, retryable):
    assert error.retryable is retryable
    assert error.to_dict()["retryable"] is retryable


def test_unknown_kind_rebuilds_as_base_error():
    rebuilt = e.GatewayError.from_dict({"kind": "martian", "code": "X", "message": "m"})
    assert type(rebuilt) is e.GatewayError
    assert str(rebuilt) == "X: m"
