"""The control API and the raw ARM surfaces the SDK does not cover (resource groups)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SUB = "88888888-2222-3333-4444-555555555555"


def _arm(emulator: Any, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method,
        f"{emulator.url}{path}?api-version=2022-09-01",
        json=body,
        headers={"Authorization": f"Bearer {emulator.token}"},
        verify=str(emulator.ca_file),
        timeout=10,
    )


def test_resource_group_put_and_get(arm_emulator: Any) -> None:
    path = f"/subscriptions/{SUB}/resourcegroups/rg-new"
    assert _arm(arm_emulator, "GET", path).json()["error"]["code"] == "ResourceGroupNotFound"
    created = _arm(arm_emulator, "PUT", path, {"location": "West Europe"})
    assert created.status_code == 201
    assert created.json()["location"] == "westeurope"
    assert _arm(arm_emulator, "PUT", path, {"location": "westeurope"}).status_code == 200
    assert _arm(arm_emulator, "GET", path).json()["name"] == "rg-new"
    assert _arm(arm_emulator, "PUT", path, {"location": 3}).status_code == 400


def test_clock_scale_lets_simulated_time_run(arm_emulator: Any) -> None:
    start = arm_emulator.control("POST", "clock", {"scale": 3600})["now"]
    deadline = time.monotonic() + 10
    now = start
    while now < start[:11] + "99" and time.monotonic() < deadline:
        now = arm_emulator.control("GET", "clock")["now"]
        if now > start and _seconds_between(start, now) >= 600:
            break
    assert _seconds_between(start, now) >= 600
    frozen = arm_emulator.control("POST", "clock", {"scale": 0})["now"]
    assert arm_emulator.control("GET", "clock")["now"] == frozen


def _seconds_between(a: str, b: str) -> float:
    from datetime import datetime

    def parse(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return (parse(b) - parse(a)).total_seconds()


def test_request_log_since(arm_emulator: Any) -> None:
    for _ in range(3):
        _arm(arm_emulator, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Compute/galleries")
    entries = arm_emulator.control("GET", "requests")["requests"]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert arm_emulator.control("GET", "requests?since=2")["requests"][0]["seq"] == 3
    assert entries[0]["action"] == "Microsoft.Compute/galleries/read"
    assert entries[0]["api_version"] == "2022-09-01"


def test_settings_are_validated(arm_emulator: Any) -> None:
    updated = arm_emulator.control("POST", "settings", {"power_transition_seconds": 5})
    assert updated["power_transition_seconds"] == 5
    for bad in (
        {"warp": 1},
        {"power_transition_seconds": "fast"},
        # each of these used to be stored and break a later request (overflow, division by 0)
        {"power_transition_seconds": float("inf")},
        {"retry_after_seconds": 1e308},
        {"replication_mb_per_second": 0},
        {"replication_jitter": 1.5},
        {"replication_min_seconds": float("nan")},
        {"lro_polls_to_complete": 10**30},
    ):
        response = _control(arm_emulator, "settings", bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "InvalidControlRequest"
    for name in ("power_transition_seconds", "replication_jitter", "replication_mb_per_second"):
        message = _control(arm_emulator, "settings", {name: -1}).json()["error"]["message"]
        assert name in message
        assert " in [" in message or " in (" in message  # the allowed range
    assert arm_emulator.control("GET", "settings")["power_transition_seconds"] == 5


def _control(emulator: Any, endpoint: str, body: Any) -> requests.Response:
    """POST raw JSON; json.dumps writes inf/nan as Infinity/NaN, which Python parsers accept."""
    return requests.post(
        f"{emulator.url}/_sandbox/{endpoint}",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        verify=str(emulator.ca_file),
        timeout=10,
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"advance_seconds": 1e308}, "at most 100 years"),
        ({"advance_seconds": float("inf")}, "at most 100 years"),
        ({"advance_seconds": float("nan")}, "at most 100 years"),
        ({"advance_seconds": -5}, "from 0"),
        ({"advance_seconds": 101 * 365.25 * 24 * 3600}, "at most 100 years"),
        ({"scale": float("inf")}, "'scale' must be a number from 0 to 100000"),
        ({"scale": 1e308}, "'scale' must be a number from 0 to 100000"),
        ({"now": "9999-12-31T00:00:00Z"}, "between 1970-01-01 and 2200-01-01"),
        ({"now": "2199-12-31T00:00:00Z", "advance_seconds": 3 * 86400}, "past 2200-01-01"),
        ({"now": "2030-01-01T00:00:00Z", "scale": float("inf")}, "'scale'"),
    ],
)
def test_clock_requests_out_of_range_are_400_and_change_nothing(
    arm_emulator: Any, body: dict[str, Any], words: str
) -> None:
    before = arm_emulator.control("GET", "clock")
    response = _control(arm_emulator, "clock", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "InvalidControlRequest"
    assert words in response.json()["error"]["message"]
    # the emulator keeps working and the refused request moved nothing
    assert arm_emulator.control("GET", "clock") == before
    assert arm_emulator.control("POST", "clock", {"advance_seconds": 60})["now"] > before["now"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([10**30, 1e308, 2**31])
    | st.floats()  # includes inf and nan, sent as Infinity / NaN
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
CONTROL_FIELDS = [
    "subscription_id", "resource_group", "name", "location", "os_type", "os_disk_size_gb",
    "data_disks", "power_state", "generalized", "hyper_v_generation", "zones", "gallery",
    "image_reference_id", "os_state", "limits", "region", "kind", "status", "times", "factor",
    "outcome", "path", "token", "actions", "rate_limit", "now", "scale", "advance_seconds",
    "tags", "description", "capacity", "vm_size", "probability", "retry_after", "headers",
    "not_actions", "end_of_life_date", "publisher", "method", "principal", "code", "version",
    "power_transition_seconds", "replication_mb_per_second", "replication_jitter",
    "retry_after_seconds", "page_size",
]  # fmt: skip
VALID = {
    "subscription_id": SUB, "resource_group": "rg", "name": "n1", "location": "westeurope",
    "gallery": "n1", "image_reference_id": "/x", "limits": {}, "token": "t", "actions": [],
}  # fmt: skip


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    endpoint=st.sampled_from(
        [
            "vms",
            "scale-sets",
            "galleries",
            "images",
            "resource-groups",
            "quotas",
            "faults",
            "principals",
            "clock",
            "settings",
        ]
    ),
    overrides=st.dictionaries(st.sampled_from(CONTROL_FIELDS), json_values, max_size=3),
)
def test_no_control_request_produces_a_500(
    arm_emulator: Any, endpoint: str, overrides: dict[str, Any]
) -> None:
    body = {**VALID, **overrides} if endpoint not in ("clock", "settings") else overrides
    response = _control(arm_emulator, endpoint, body)
    assert response.status_code < 500, response.text
    # an accepted control request must not leave state that breaks the next request
    assert requests.get(
        f"{arm_emulator.url}/_sandbox/clock", verify=str(arm_emulator.ca_file), timeout=10
    ).ok
