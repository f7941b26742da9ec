"""The run lock on the real stack (docs/pipeline.md "One run per image definition and per
source VM"): a Durable entity per definition and per source VM, atomic under a race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandbox.stack import DemoIds, Stack


def _waves(ids: DemoIds) -> dict[str, Any]:
    return ids.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )


def _awaiting_approval(stack: Stack, run: str) -> None:
    stack.wait_for_run(
        run,
        until=lambda s: bool(
            ((s.get("customStatus") or {}).get("waves") or {}).get("awaiting_approval")
        ),
    )


def _requests(stack: Stack, method: str, fragment: str) -> list[str]:
    log = stack.arm_control("GET", "requests")["requests"]
    return [r["path"] for r in log if r["method"] == method and fragment in r["path"]]


def test_twenty_concurrent_publishes_capture_once(sandbox_stack: Stack) -> None:
    stack = sandbox_stack
    ids = stack.seed_demo(vm_name="vm-race", definition="race")
    request = ids.request(["westeurope"])
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: stack.api("POST", "publish", request), range(20)))

    assert {a.status_code for a in answers} <= {202, 409}, [a.text for a in answers]
    started = [a.json()["id"] for a in answers if a.status_code == 202]
    finals = {run: stack.wait_for_run(run, timeout=300) for run in started}
    winners = [r for r, s in finals.items() if s["runtimeStatus"] == "Completed"]
    assert len(winners) == 1, {r: s.get("output") for r, s in finals.items()}
    (winner,) = winners
    for run, status in finals.items():
        if run != winner:
            assert status["runtimeStatus"] == "Failed"
            assert "preflight failed on" in status["output"]
            assert f"RunInProgress: run {winner} (publish) holds this" in status["output"]
    # Each 409 names the lock's holder: the HTTP layer's look at live runs only counts
    # runs that hold their locks, and a request that raced past it answers its run's lock
    # outcome (galleryflow/api/lock_outcome.py).
    refusals = [a.json()["error"] for a in answers if a.status_code == 409]
    assert len(refusals) + len(started) == 20
    for error in refusals:
        assert error["code"] == "RunInProgress" and winner in error["message"], error
    assert len(_requests(stack, "PUT", "/images/race/versions/")) == 1  # one capture
    assert len(_requests(stack, "POST", "vm-race/deallocate")) == 1
    assert list(stack.versions(ids)) == ["1.0.0"]
    assert stack.vm_power_state(ids.vm_id) == "running"


def test_one_source_vm_shared_by_two_definitions(sandbox_stack: Stack) -> None:
    stack = sandbox_stack
    first = stack.seed_demo(vm_name="vm-shared", definition="shared-a")
    second = stack.add_definition(first, "shared-b")
    run_a = stack.start_orchestration("publish_image", _waves(first))
    _awaiting_approval(stack, run_a)

    run_b = stack.start_orchestration("publish_image", second.request(["westeurope"]))
    refused = stack.wait_for_run(run_b)
    assert refused["runtimeStatus"] == "Failed"
    assert f"RunInProgress: run {run_a} (publish) holds this source VM" in refused["output"]
    assert stack.versions(second) == {}

    stack.raise_event(run_a, "approve", {"by": "alice"})
    assert stack.wait_for_run(run_a)["runtimeStatus"] == "Completed"
    again = stack.start_orchestration("publish_image", second.request(["westeurope"]))
    done = stack.wait_for_run(again)  # released on completion: the VM is free again
    assert done["runtimeStatus"] == "Completed", done.get("output")
    assert list(stack.versions(second)) == ["1.0.0"]


def test_a_terminated_holder_is_freed(sandbox_stack: Stack) -> None:
    stack = sandbox_stack
    ids = stack.seed_demo(vm_name="vm-gone", definition="gone")
    holder = stack.start_orchestration("publish_image", _waves(ids))
    _awaiting_approval(stack, holder)
    response = stack._durable("POST", f"/instances/{holder}/terminate?reason=test")
    assert response.status_code == 202, response.text
    assert stack.wait_for_run(holder)["runtimeStatus"] == "Terminated"

    run = stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    done = stack.wait_for_run(run)
    assert done["runtimeStatus"] == "Completed", done.get("output")
    assert done["output"]["version"] == "1.0.1"
