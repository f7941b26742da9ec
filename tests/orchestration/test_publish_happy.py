"""publish_image on the real stack: the happy path, idempotency, transient ARM errors.

Every test seeds its own VM and image definition on the module's shared stack and asserts
the emulator's final state (versions, regions, exclude flags, VM power) and the events on
the Azurite queue, not only the run status.
"""

from __future__ import annotations

from typing import Any

from sandbox.stack import DemoIds, Stack

REGIONS = ["westeurope", "eastus", "northeurope", "westus3"]


def _seed(stack: Stack, name: str, **options: Any) -> DemoIds:
    return stack.seed_demo(vm_name=f"vm-{name}", definition=name, **options)


def _profile(version: dict[str, Any]) -> dict[str, Any]:
    return dict(version["properties"]["publishingProfile"])


def _regional_exclude(version: dict[str, Any]) -> dict[str, bool]:
    return {
        t["name"].replace(" ", "").lower(): t.get("excludeFromLatest")
        for t in _profile(version)["targetRegions"]
    }


def _replication(version: dict[str, Any]) -> dict[str, str]:
    summary = version["properties"]["replicationStatus"]["summary"]
    return {s["region"].replace(" ", "").lower(): s["state"] for s in summary}


def test_happy_publish_to_four_regions(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "happy")
    run = sandbox_stack.start_orchestration("publish_image", ids.request(REGIONS))
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "succeeded"
    assert result["version"] == "1.0.0"
    assert result["latest"] == dict.fromkeys(REGIONS, "1.0.0")
    assert status["customStatus"]["step"] == "done"

    versions = sandbox_stack.versions(ids)
    assert list(versions) == ["1.0.0"]
    version = versions["1.0.0"]
    assert _profile(version)["excludeFromLatest"] is False
    assert _regional_exclude(version) == dict.fromkeys(REGIONS, False)
    assert _replication(version) == dict.fromkeys(REGIONS, "Completed")
    assert version["tags"]["galleryflow-idempotency"] == run
    # the VM was running before the capture and runs again afterwards
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"

    kinds = [e["type"] for e in sandbox_stack.events(run)]
    assert kinds[:2] == ["galleryflow.run-started.v1", "galleryflow.captured.v1"]
    assert kinds.count("galleryflow.region-replicated.v1") == 4
    assert kinds[-1] == "galleryflow.promoted.v1"


def test_next_publish_takes_the_next_version_and_becomes_latest(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "second", power_state="deallocated")
    first = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    assert sandbox_stack.wait_for_run(first)["runtimeStatus"] == "Completed"
    second = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    result = sandbox_stack.wait_for_run(second)["output"]

    assert result["version"] == "1.0.1"
    assert result["latest"] == {"westeurope": "1.0.1"}
    assert sorted(sandbox_stack.versions(ids)) == ["1.0.0", "1.0.1"]
    # a deallocated source VM stays deallocated
    assert sandbox_stack.vm_power_state(ids.vm_id) == "deallocated"


def test_same_instance_rerun_adopts_its_version(sandbox_stack: Stack) -> None:
    """A run re-executed under the same instance id (the idempotency key's run) finds the
    version it created (tagged with its id) and adopts it: exactly one version."""
    ids = _seed(sandbox_stack, "rerun")
    request = ids.request(["westeurope", "eastus"], idempotency_key="release-42")
    run = sandbox_stack.start_orchestration("publish_image", request, instance_id="pub-rerun-42")
    assert sandbox_stack.wait_for_run(run)["output"]["version"] == "1.0.0"

    again = sandbox_stack.start_orchestration("publish_image", request, instance_id="pub-rerun-42")
    status = sandbox_stack.wait_for_run(again)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["version"] == "1.0.0"
    assert list(sandbox_stack.versions(ids)) == ["1.0.0"]
    adopted = [e for e in sandbox_stack.events(run) if e["type"] == "galleryflow.captured.v1"]
    assert [e["data"]["adopted"] for e in adopted][-1] is True


def test_transient_arm_errors_are_retried_without_duplicates(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "flaky")
    # More 503s than azure-core retries inside one activity: the host retries the activity.
    put = sandbox_stack.add_fault(
        kind="http", method="PUT", path="/images/flaky/versions/", status=503, times=4
    )
    throttle = sandbox_stack.add_fault(
        kind="http", method="POST", path="vm-flaky/deallocate", status=429, retry_after=0, times=2
    )
    busy = sandbox_stack.add_fault(
        kind="http",
        method="PATCH",
        path="/images/flaky/versions/",
        status=409,
        code="OperationNotAllowed",
        message="Another operation is in progress on the resource.",
        times=3,
    )
    run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope", "eastus"]))
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert list(sandbox_stack.versions(ids)) == ["1.0.0"]
    assert _regional_exclude(sandbox_stack.versions(ids)["1.0.0"]) == {
        "westeurope": False,
        "eastus": False,
    }
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"
    hits = {f["id"]: f["hits"] for f in sandbox_stack.arm_control("GET", "faults")["faults"]}
    assert hits[put["id"]] == 4 and hits[throttle["id"]] == 2 and hits[busy["id"]] == 3
