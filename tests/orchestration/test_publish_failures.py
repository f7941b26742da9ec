"""publish_image when things break: capture failures, failing regions under both policies,
cleanup on failure, preflight refusals. Final emulator state is asserted every time."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from orchestrators.failures import RETRY_AFTER_CALLS, RETRY_AFTER_CAP_SECONDS
from sandbox.stack import DemoIds, Stack


def _seed(stack: Stack, name: str, **options: Any) -> DemoIds:
    return stack.seed_demo(vm_name=f"vm-{name}", definition=name, **options)


def _flags(version: dict[str, Any]) -> tuple[bool, dict[str, bool]]:
    profile = version["properties"]["publishingProfile"]
    regional = {
        t["name"].replace(" ", "").lower(): t.get("excludeFromLatest")
        for t in profile["targetRegions"]
    }
    return profile["excludeFromLatest"], regional


def _requests(stack: Stack, fragment: str) -> list[str]:
    log = stack.arm_control("GET", "requests")["requests"]
    return [f"{r['method']} {r['path']}" for r in log if fragment in r["path"]]


def test_capture_failure_restores_the_running_vm(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "capfail")
    sandbox_stack.add_fault(
        kind="http",
        method="PUT",
        path="/images/capfail/versions/",
        status=400,
        code="InvalidParameter",
        message="disk is busy",
        times=1,
    )
    run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "capture failed on" in status["output"]
    assert "InvalidParameter: disk is busy" in status["output"]
    assert status["customStatus"]["step"] == "failed"
    assert sandbox_stack.versions(ids) == {}
    # deallocated for the capture, started again afterwards
    calls = _requests(sandbox_stack, "vm-capfail/")
    assert any(c.endswith("/deallocate") for c in calls)
    assert any(c.endswith("/start") for c in calls)
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"
    assert [e["type"] for e in sandbox_stack.events(run)][-1] == "galleryflow.failed.v1"


def test_region_failing_once_is_retried(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "once")
    sandbox_stack.add_fault(kind="replication_failure", region="eastus", version="once", times=1)
    run = sandbox_stack.start_orchestration(
        "publish_image", ids.request(["westeurope", "eastus", "westus3"])
    )
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "succeeded"
    assert result["regions"]["eastus"]["attempt"] == 2
    assert result["regions"]["westeurope"]["attempt"] == 1
    version = sandbox_stack.versions(ids)["1.0.0"]
    summary = {
        s["region"].replace(" ", "").lower(): s["state"]
        for s in version["properties"]["replicationStatus"]["summary"]
    }
    assert summary == {"westeurope": "Completed", "eastus": "Completed", "westus3": "Completed"}
    assert _flags(version) == (False, {"westeurope": False, "eastus": False, "westus3": False})


def test_region_failing_for_good_fails_the_run(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "dead")
    sandbox_stack.add_fault(
        kind="replication_failure",
        region="eastus",
        version="dead",
        details="storage account unavailable",
    )
    request = ids.request(
        ["westeurope", "eastus"],
        replication={"max_region_retries": 1, "on_region_failure": "fail"},
        rollout={"mode": "all_at_once"},  # nothing live before the failure
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "replicate failed on" in status["output"] and "in eastus" in status["output"]
    assert "ReplicationFailed" in status["output"]
    assert status["customStatus"]["regions"]["eastus"]["attempt"] == 2
    # the version stays, excluded from latest globally and in every region
    version = sandbox_stack.versions(ids)["1.0.0"]
    assert _flags(version) == (True, {"westeurope": True, "eastus": True})
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_a_later_wave_failing_leaves_earlier_waves_live(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "later")
    sandbox_stack.add_fault(kind="replication_failure", region="eastus", version="later")
    request = ids.request(  # default rollout: canary westeurope (home), then the others
        ["westeurope", "eastus", "westus3"], replication={"max_region_retries": 1}
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert result["regions"]["eastus"] == {**result["regions"]["eastus"], "state": "Failed"}
    assert result["latest"]["westeurope"] == "1.0.0" and result["latest"]["eastus"] is None
    assert any("eastus" in w and "replication failed" in w for w in result["warnings"])
    version = sandbox_stack.versions(ids)["1.0.0"]
    # the canary stays live; wave 2 (which failed) is not promoted, not even westus3
    assert _flags(version) == (True, {"westeurope": False, "eastus": True, "westus3": True})


def test_region_failing_for_good_with_promote_completed(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "partial")
    sandbox_stack.add_fault(kind="replication_failure", region="eastus", version="partial")
    request = ids.request(
        ["westeurope", "eastus", "westus3"],
        replication={"max_region_retries": 2, "on_region_failure": "promote_completed"},
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert result["regions"]["eastus"]["state"] == "Failed"
    assert result["regions"]["eastus"]["attempt"] == 3
    assert result["latest"] == {"westeurope": "1.0.0", "westus3": "1.0.0", "eastus": None}
    assert any("eastus" in w for w in result["warnings"])
    version = sandbox_stack.versions(ids)["1.0.0"]
    # promoted where replicated; the failed region and the global flag stay excluded
    assert _flags(version) == (True, {"westeurope": False, "eastus": True, "westus3": False})


def test_cleanup_on_failure_deletes_the_unpromoted_version(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cleanup")
    sandbox_stack.add_fault(kind="replication_failure", region="westus3", version="cleanup")
    request = ids.request(
        ["westeurope", "westus3"],
        cleanup_on_failure=True,
        replication={"max_region_retries": 0, "on_region_failure": "fail"},
        rollout={"mode": "all_at_once"},  # nothing live before the failure
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert sandbox_stack.versions(ids) == {}
    assert any("version deleted" in line for line in status["customStatus"]["log"])


def test_preflight_refuses_a_mismatched_source_before_touching_the_vm(
    sandbox_stack: Stack,
) -> None:
    # a Generalized definition, a specialized VM, and no `generalize: true`
    ids = _seed(sandbox_stack, "mismatch", os_state="Generalized")
    sandbox_stack.add_vm(
        ids.subscription_id,
        "vm-mismatch",
        "westeurope",
        hyper_v_generation="V2",
        power_state="running",
        generalized=False,
    )
    run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "preflight failed on" in status["output"] and "OsStateMismatch" in status["output"]
    assert not any(c.startswith("POST") for c in _requests(sandbox_stack, "vm-mismatch/"))
    assert sandbox_stack.versions(ids) == {}


def test_generalize_only_when_asked_and_the_vm_stays_deallocated(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "golden", os_state="Generalized")
    sandbox_stack.add_vm(
        ids.subscription_id,
        "vm-golden",
        "westeurope",
        hyper_v_generation="V2",
        power_state="running",
        generalized=False,
    )
    run = sandbox_stack.start_orchestration(
        "publish_image", ids.request(["westeurope"], generalize=True)
    )
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert "source VM was generalized and stays deallocated" in status["output"]["warnings"]
    assert any(c.endswith("/generalize") for c in _requests(sandbox_stack, "vm-golden/"))
    assert sandbox_stack.vm_power_state(ids.vm_id) == "deallocated"
    assert list(sandbox_stack.versions(ids)) == ["1.0.0"]


def test_cancel_during_replication(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cancelrep")
    sandbox_stack.hold_clock(True)  # replication cannot finish while the clock is held
    try:
        run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
        replicating = sandbox_stack.wait_for_run(
            run, until=lambda s: (s.get("customStatus") or {}).get("step") == "replicate"
        )
        region = replicating["customStatus"]["regions"]["westeurope"]
        assert region["state"] == "Replicating" and region["attempt"] == 1
        sandbox_stack.raise_event(run, "cancel", {"by": "dave"})
        status = sandbox_stack.wait_for_run(run)
    finally:
        sandbox_stack.hold_clock(False)

    assert status["runtimeStatus"] == "Failed"
    assert "replicate failed on" in status["output"] and "Cancelled" in status["output"]
    assert _flags(sandbox_stack.versions(ids)["1.0.0"]) == (True, {"westeurope": True})
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_slow_region_that_times_out_is_waited_for_while_the_version_is_busy(
    sandbox_stack: Stack,
) -> None:
    # ARM takes no update while a region still replicates (docs/azure-facts.md#q1): a region
    # past its timeout cannot be removed and re-added then, so the run waits for it.
    ids = _seed(sandbox_stack, "slow")
    sandbox_stack.add_fault(kind="slow_region", region="eastus", factor=20)
    request = ids.request(
        ["westeurope", "eastus"],
        replication={
            "max_region_retries": 1,
            "on_region_failure": "promote_completed",
            "region_timeout_minutes": 180,
        },
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)
    sandbox_stack.arm_control("DELETE", "faults")

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "succeeded"
    assert result["regions"]["eastus"]["state"] == "Completed"
    assert result["regions"]["eastus"]["attempt"] == 1  # never removed and re-added
    assert result["latest"] == {"westeurope": "1.0.0", "eastus": "1.0.0"}
    patches = [
        r
        for r in sandbox_stack.arm_control("GET", "requests")["requests"]
        if r["method"] == "PATCH" and "/images/slow/versions/1.0.0" in r["path"]
    ]
    assert all(r["status"] == 200 for r in patches), patches  # no update sent while busy


def test_a_retry_after_longer_than_azure_core_waits_is_waited_out_on_a_durable_timer(
    stack_factory: Any,
) -> None:
    # azure-core gives up at once (no retries), so the 429 reaches the orchestrator.
    stack: Stack = stack_factory(settings={"GALLERYFLOW_ARM_RETRY_TOTAL": "0"})
    ids = _seed(stack, "later")
    stack.add_fault(
        kind="http",
        method="PUT",
        path="/images/later/versions/",
        status=429,
        code="TooManyRequests",
        retry_after=120,
        times=1,
    )
    run = stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    status = stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    puts = [
        r
        for r in stack.arm_control("GET", "requests")["requests"]
        if r["method"] == "PUT" and "/images/later/versions/" in r["path"]
    ]
    assert [p["status"] for p in puts[:2]] == [429, 201], puts
    throttled, next_try = (
        datetime.fromisoformat(p["time"].replace("Z", "+00:00")) for p in puts[:2]
    )
    assert (next_try - throttled).total_seconds() >= 120, puts
    assert list(stack.versions(ids)) == ["1.0.0"]

    # Throttled for good: a bounded number of calls, each wait capped at 10 minutes.
    stuck = _seed(stack, "never")
    stack.add_fault(
        kind="http", method="PUT", path="/images/never/versions/", status=429, retry_after=7200
    )
    failed = stack.wait_for_run(
        stack.start_orchestration("publish_image", stuck.request(["westeurope"]))
    )
    assert failed["runtimeStatus"] == "Failed"
    assert "TooManyRequests" in failed["output"], failed["output"]
    tries = [
        datetime.fromisoformat(r["time"].replace("Z", "+00:00"))
        for r in stack.arm_control("GET", "requests")["requests"]
        if r["method"] == "PUT" and "/images/never/versions/" in r["path"]
    ]
    assert len(tries) == RETRY_AFTER_CALLS, tries
    gaps = [(b - a).total_seconds() for a, b in pairwise(tries)]
    assert all(RETRY_AFTER_CAP_SECONDS <= gap < 7200 for gap in gaps), gaps
    assert stack.versions(stuck) == {}


def test_an_input_that_is_no_publish_request_fails_at_once(sandbox_stack: Stack) -> None:
    # Triggers only start validated requests; the Durable API can start anything.
    run = sandbox_stack.start_orchestration("publish_image", {"image_definition": 7})
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "preflight failed on $: InvalidRequest: " in status["output"]
    assert "$.source_vm_id: is required" in status["output"]
    assert status["customStatus"]["step"] == "failed"
