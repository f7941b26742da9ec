"""Version changes through the HTTP API (issue #13 item 5): add regions (replicated, then
promoted), change replica counts, set the end of life, remove regions (refused for the home
region and when a region would be left without a good latest; the safety profile lifted
and restored), and undo a rollback. Asserts the emulator's final state."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.stack import DemoIds, Stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(sandbox_stack: Stack) -> Stack:
    return sandbox_stack


@pytest.fixture(scope="module")
def ids(stack: Stack) -> DemoIds:
    """Two published versions (1.0.0, 1.0.1) in westeurope (home) and eastus."""
    seeded = stack.seed_demo(definition="changes")
    for version in ("1.0.0", "1.0.1"):
        body = seeded.request(
            ["westeurope", "eastus"], version={"strategy": "explicit", "value": version}
        )
        started = stack.api("POST", "publish", body)
        assert started.status_code == 202, started.text
        status = stack.wait_for_run(started.json()["id"])
        assert status["runtimeStatus"] == "Completed", status.get("output")
    return seeded


def change(stack: Stack, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a change; the run's final status (200: finished within the request; 202: wait)."""
    answer = stack.api("POST", route, body)
    assert answer.status_code in (200, 202), answer.text
    status = stack.wait_for_run(answer.json()["id"])
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert answer.json()["kind"] == "change"
    return dict(status["output"])


def target(ids: DemoIds, version: str, **fields: Any) -> dict[str, Any]:
    return {
        "gallery": ids.gallery,
        "image_definition": ids.definition,
        "version": version,
        **fields,
    }


def regions_of(stack: Stack, ids: DemoIds, version: str) -> dict[str, dict[str, Any]]:
    profile = stack.versions(ids)[version]["properties"]["publishingProfile"]
    return {t["name"].replace(" ", "").lower(): t for t in profile["targetRegions"]}


def latest(stack: Stack, ids: DemoIds) -> dict[str, Any]:
    view = stack.api(
        "GET",
        f"galleries/{ids.gallery['name']}/images/{ids.definition}/versions"
        f"?resource_group={ids.gallery['resource_group']}&subscription_id={ids.subscription_id}",
    )
    assert view.status_code == 200, view.text
    return dict(view.json()["latest"])


def test_add_regions_replicates_then_promotes(stack: Stack, ids: DemoIds) -> None:
    body = target(ids, "1.0.1", target_regions=[{"name": "North Europe"}], production=False)
    output = change(stack, "versions/add-regions", body)
    assert output["change"] == "add_regions"
    assert output["before"] == {"northeurope": None}
    assert output["after"] == {"northeurope": "1.0.1"}
    added = regions_of(stack, ids, "1.0.1")["northeurope"]
    assert added["excludeFromLatest"] is False and added["regionalReplicaCount"] == 1
    events = [e for e in stack.events() if e["type"] == "galleryflow.version-changed.v1"]
    assert any(e["data"]["change"] == "add_regions" for e in events)


def test_replicas_and_end_of_life(stack: Stack, ids: DemoIds) -> None:
    change(
        stack,
        "versions/replicas",
        target(ids, "1.0.1", regions=[{"name": "eastus", "replica_count": 2}], production=False),
    )
    assert regions_of(stack, ids, "1.0.1")["eastus"]["regionalReplicaCount"] == 2
    assert regions_of(stack, ids, "1.0.1")["westeurope"]["regionalReplicaCount"] == 1
    output = change(
        stack, "versions/end-of-life", target(ids, "1.0.1", end_of_life="2099-01-01T00:00:00Z")
    )
    assert output["end_of_life"].startswith("2099-01-01")
    held = stack.versions(ids)["1.0.1"]["properties"]["publishingProfile"]
    assert held["endOfLifeDate"].startswith("2099-01-01")


def test_bad_change_requests_are_400_with_the_fix(stack: Stack, ids: DemoIds) -> None:
    past = stack.api(
        "POST", "versions/end-of-life", target(ids, "1.0.1", end_of_life="2001-01-01T00:00:00Z")
    )
    assert past.status_code == 400 and "in the past" in past.text
    too_many = stack.api(
        "POST",
        "versions/replicas",
        target(ids, "1.0.1", regions=[{"name": "eastus", "replica_count": 51}]),
    )
    assert too_many.status_code == 400
    assert "eastus: replica_count is 51" in too_many.text


def test_remove_regions_refuses_the_home_region_and_a_region_left_without_latest(
    stack: Stack, ids: DemoIds
) -> None:
    home = stack.api(
        "POST", "versions/remove-regions", target(ids, "1.0.1", regions=["westeurope"])
    )
    assert home.status_code == 409, home.text
    assert home.json()["error"]["code"] == "VersionChangeRefused"
    assert "home region" in home.json()["error"]["message"]
    # Only 1.0.1 serves northeurope: removing it there would leave no latest.
    alone = stack.api(
        "POST", "versions/remove-regions", target(ids, "1.0.1", regions=["northeurope"])
    )
    assert alone.status_code == 409, alone.text
    details = {d["path"]: d["message"] for d in alone.json()["error"]["details"]}
    assert details["latest.northeurope"] == "latest before 1.0.1, after none"
    assert "northeurope" in regions_of(stack, ids, "1.0.1")


def test_remove_a_region_that_falls_back_to_a_good_version(stack: Stack, ids: DemoIds) -> None:
    since = stack.arm_control("GET", "requests")["requests"][-1]["seq"]
    output = change(stack, "versions/remove-regions", target(ids, "1.0.1", regions=["eastus"]))
    assert output["before"] == {"eastus": "1.0.1"} and output["after"] == {"eastus": "1.0.0"}
    assert "eastus" not in regions_of(stack, ids, "1.0.1")
    safety = stack.versions(ids)["1.0.1"]["properties"]["safetyProfile"]
    assert safety["allowDeletionOfReplicatedLocations"] is False  # restored
    writes = [
        r["safety_profile"]["allowDeletionOfReplicatedLocations"]
        for r in stack.arm_control("GET", f"requests?since={since}")["requests"]
        if r["method"] == "PATCH" and r["path"].endswith("/versions/1.0.1")
    ]
    assert writes == [True, False]  # lifted for the removal only


def test_undo_rollback_re_includes_a_good_version(stack: Stack, ids: DemoIds) -> None:
    # (A global rollback is refused: only 1.0.1 serves northeurope.)
    rolled = stack.api("POST", "rollback", target(ids, "1.0.1", regions=["westeurope"]))
    assert rolled.status_code in (200, 202), rolled.text
    stack.wait_for_run(rolled.json()["id"])
    assert latest(stack, ids)["westeurope"] == "1.0.0"
    flags = regions_of(stack, ids, "1.0.1")
    preview = stack.api("POST", "rollback/undo/preview", target(ids, "1.0.1", regions=None))
    assert preview.status_code == 200, preview.text
    planned = preview.json()
    assert planned["refused"] is False and planned["busy_run"] is None
    assert planned["before"]["westeurope"] == "1.0.0"
    assert planned["after"]["westeurope"] == "1.0.1"
    assert planned["changes"]["global"] is False
    assert regions_of(stack, ids, "1.0.1") == flags  # a preview changes nothing
    output = change(stack, "rollback/undo", target(ids, "1.0.1", regions=["westeurope"]))
    assert output["change"] == "undo_rollback"
    assert output["before"] == {"westeurope": "1.0.0"}
    assert output["after"] == {"westeurope": "1.0.1"}
    assert latest(stack, ids)["westeurope"] == "1.0.1"
    assert regions_of(stack, ids, "1.0.1")["westeurope"]["excludeFromLatest"] is False


def test_undo_rollback_of_a_version_that_is_not_good_is_refused(stack: Stack, ids: DemoIds) -> None:
    missing = stack.api("POST", "rollback/undo", target(ids, "9.9.9"))
    assert missing.status_code == 409, missing.text
    assert "does not exist" in missing.json()["error"]["message"]
    previewed = stack.api("POST", "rollback/undo/preview", target(ids, "9.9.9")).json()
    assert previewed["refused"] is True and "does not exist" in previewed["reasons"][0]
    invalid = stack.api("POST", "rollback/undo/preview", target(ids, "x"))
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "ValidationFailed"
