"""The API additions the dashboard reads, on the sandbox stack: per-region timestamps and
waves in the run summary, `in_use_count` per version, and `POST /api/rollback/preview`
(a dry run that changes nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from sandbox.stack import DemoIds, Stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ids(sandbox_stack: Stack) -> DemoIds:
    return sandbox_stack.seed_demo()


def when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def publish(stack: Stack, target: DemoIds, regions: list[str], **extra: Any) -> str:
    run_id = str(stack.api("POST", "publish", target.request(regions, **extra)).json()["id"])
    assert stack.wait_for_run(run_id)["runtimeStatus"] == "Completed"
    return run_id


def flags(stack: Stack, target: DemoIds) -> dict[str, Any]:
    return {
        name: v["properties"]["publishingProfile"] for name, v in stack.versions(target).items()
    }


def test_run_summary_has_waves_and_per_region_timestamps(
    sandbox_stack: Stack, ids: DemoIds
) -> None:
    target = sandbox_stack.add_definition(ids, "api-timeline")
    run_id = publish(
        sandbox_stack,
        target,
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "soak_minutes": 30},
    )
    regions = sandbox_stack.api("GET", f"runs/{run_id}").json()["regions"]
    assert {name: r["wave"] for name, r in regions.items()} == {"westeurope": 1, "eastus": 2}
    for name, region in regions.items():
        started, completed, live = (
            when(region[k]) for k in ("replication_started", "replication_completed", "went_live")
        )
        assert started < completed <= live, (name, region)
    # The second wave went live after the first wave plus the 30-minute soak.
    first, second = when(regions["westeurope"]["went_live"]), when(regions["eastus"]["went_live"])
    assert second - first >= timedelta(minutes=30)


def test_versions_count_the_vms_and_scale_sets_using_each_version(
    sandbox_stack: Stack, ids: DemoIds
) -> None:
    target = sandbox_stack.add_definition(ids, "api-in-use")
    publish(sandbox_stack, target, ["westeurope"])
    publish(sandbox_stack, target, ["westeurope"])
    version_id = f"{sandbox_stack.definition_id(target)}/versions/1.0.0"
    for name in ("vm-app-1", "vm-app-2"):
        sandbox_stack.arm_control(
            "POST",
            "vms",
            {
                "subscription_id": target.subscription_id,
                "resource_group": "rg-apps",
                "name": name,
                "location": "westeurope",
                # ARM compares ids case-insensitively; so does the count
                "image_reference_id": version_id.upper() if name.endswith("2") else version_id,
            },
        )
    route = f"galleries/galDemo/images/{target.definition}/versions?resource_group=rg-images"
    versions = sandbox_stack.api("GET", route).json()["versions"]
    assert [(v["name"], v["in_use"], v["in_use_count"]) for v in versions] == [
        ("1.0.0", True, 2),
        ("1.0.1", False, 0),
    ]


def test_rollback_preview_plans_without_changing_anything(
    sandbox_stack: Stack, ids: DemoIds
) -> None:
    target = sandbox_stack.add_definition(ids, "api-preview")
    body = {"gallery": dict(target.gallery), "image_definition": target.definition}
    publish(sandbox_stack, target, ["westeurope", "eastus"])

    only = sandbox_stack.api("POST", "rollback/preview", {**body, "version": "1.0.0"})
    assert only.status_code == 200, only.text
    refused = only.json()
    assert refused["refused"] is True and refused["busy_run"] is None
    assert refused["before"] == {"westeurope": "1.0.0", "eastus": "1.0.0"}
    assert refused["after"] == {"westeurope": None, "eastus": None}
    assert any("no latest version left" in reason for reason in refused["reasons"])

    publish(sandbox_stack, target, ["westeurope", "eastus"])
    before = flags(sandbox_stack, target)
    scoped = sandbox_stack.api(
        "POST", "rollback/preview", {**body, "version": "1.0.1", "regions": ["eastus"]}
    ).json()
    assert scoped["refused"] is False and scoped["affected"] == ["eastus"]
    assert (scoped["before"], scoped["after"]) == ({"eastus": "1.0.1"}, {"eastus": "1.0.0"})
    assert scoped["changes"] == {"global": None, "regions": {"eastus": True}}
    assert flags(sandbox_stack, target) == before  # a preview changes nothing

    sandbox_stack.hold_clock(True)
    try:
        live = str(
            sandbox_stack.api("POST", "publish", target.request(["westeurope"])).json()["id"]
        )
        busy = sandbox_stack.api("POST", "rollback/preview", {**body, "version": "1.0.1"})
        assert busy.json()["busy_run"] == live
    finally:
        sandbox_stack.hold_clock(False)
    sandbox_stack.wait_for_run(live)

    invalid = sandbox_stack.api("POST", "rollback/preview", {**body, "version": "x"})
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "ValidationFailed"
    unknown = sandbox_stack.api(
        "POST", "rollback/preview", {**body, "image_definition": "nope", "version": "1.0.0"}
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NotFound"
