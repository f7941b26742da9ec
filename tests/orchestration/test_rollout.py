"""Staged rollout on the real stack: waves, approval, rejection, soak, cancel, and the host
killed mid-run and resumed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sandbox.stack import DemoIds, Stack

WAVES = [["westus3"], ["eastus", "westeurope"]]


def _seed(stack: Stack, name: str, **options: Any) -> DemoIds:
    return stack.seed_demo(vm_name=f"vm-{name}", definition=name, **options)


def _waves_request(ids: DemoIds, **rollout: Any) -> dict[str, Any]:
    return ids.request(
        ["westeurope", "eastus", "westus3"],
        rollout={"mode": "waves", "waves": WAVES, **rollout},
    )


def _flags(stack: Stack, ids: DemoIds) -> tuple[bool, dict[str, bool]]:
    profile = stack.versions(ids)["1.0.0"]["properties"]["publishingProfile"]
    regional = {
        t["name"].replace(" ", "").lower(): t.get("excludeFromLatest")
        for t in profile["targetRegions"]
    }
    return profile["excludeFromLatest"], regional


def _awaiting_approval(status: dict[str, Any]) -> bool:
    custom = status.get("customStatus") or {}
    return bool((custom.get("waves") or {}).get("awaiting_approval"))


def test_staged_rollout_with_approval(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "waves")
    run = sandbox_stack.start_orchestration("publish_image", _waves_request(ids, approval=True))
    waiting = sandbox_stack.wait_for_run(run, until=_awaiting_approval)

    assert waiting["customStatus"]["waves"] == {"current": 1, "total": 2, "awaiting_approval": True}
    # wave 1 is live, wave 2 still excluded, the version is excluded globally
    assert _flags(sandbox_stack, ids) == (
        True,
        {"westus3": False, "eastus": True, "westeurope": True},
    )
    # As the HTTP layer raises it: the authenticated principal plus the body's note.
    alice = {"id": "oid-alice", "name": "alice", "provider": "aad"}
    payload = {"by": "release 42", "comment": "canary ok", "principal": alice}
    sandbox_stack.raise_event(run, "approve", payload)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["latest"] == dict.fromkeys(["westeurope", "eastus", "westus3"], "1.0.0")
    log = status["customStatus"]["log"]
    assert any("approved by alice (note: release 42; canary ok)" in line for line in log), log
    approved = status["customStatus"]["audit"][-1]
    assert approved["action"] == "approved" and approved["by"] == alice and approved["wave"] == 2
    assert _flags(sandbox_stack, ids) == (
        False,
        {"westus3": False, "eastus": False, "westeurope": False},
    )
    promoted = [
        e["data"]["regions"]
        for e in sandbox_stack.events(run)
        if e["type"] == "galleryflow.promoted.v1"
    ]
    assert promoted == WAVES


def test_rejected_wave_reverts_the_rollout(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "reject")
    run = sandbox_stack.start_orchestration("publish_image", _waves_request(ids, approval=True))
    sandbox_stack.wait_for_run(run, until=_awaiting_approval)
    sandbox_stack.raise_event(run, "reject", {"by": "bob", "comment": "errors in canary"})
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "promote failed on" in status["output"] and "Rejected" in status["output"]
    assert "bob" in status["output"]
    # wave 1 was un-promoted: nothing serves latest from this version
    assert _flags(sandbox_stack, ids) == (
        True,
        {"westus3": True, "eastus": True, "westeurope": True},
    )
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_soak_between_waves_runs_in_simulated_time(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "soak")
    run = sandbox_stack.start_orchestration("publish_image", _waves_request(ids, soak_minutes=240))
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert any("soaking 240 min" in line for line in status["customStatus"]["log"])
    assert _flags(sandbox_stack, ids)[0] is False


def test_cancel_while_awaiting_approval_before_anything_is_live(sandbox_stack: Stack) -> None:
    # one wave, approved before it goes live: nothing is live, so cancel fails the run
    # (rule 1); after a live wave it keeps that wave (tests/orchestration/test_cancel.py)
    ids = _seed(sandbox_stack, "cancel")
    request = ids.request(
        ["westeurope", "eastus", "westus3"], rollout={"mode": "all_at_once", "approval": True}
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    sandbox_stack.wait_for_run(run, until=_awaiting_approval)
    sandbox_stack.raise_event(run, "cancel", {"by": "carol"})
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Failed"
    assert "Cancelled" in status["output"] and "carol" in status["output"]
    assert _flags(sandbox_stack, ids)[1] == {"westus3": True, "eastus": True, "westeurope": True}


def test_host_killed_mid_run_resumes(stack_factory: Callable[..., Stack]) -> None:
    stack = stack_factory()
    ids = _seed(stack, "crash")
    run = stack.start_orchestration("publish_image", _waves_request(ids, approval=True))
    stack.wait_for_run(run, until=_awaiting_approval)

    stack.restart_host(kill=True)  # SIGKILL, then a new host on the same state
    stack.raise_event(run, "approve", {"by": "alice"})
    status = stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert list(stack.versions(ids)) == ["1.0.0"]
    assert _flags(stack, ids) == (False, {"westus3": False, "eastus": False, "westeurope": False})
    assert stack.vm_power_state(ids.vm_id) == "running"
    captured = [e for e in stack.events(run) if e["type"] == "galleryflow.captured.v1"]
    assert len({e["id"] for e in captured}) == 1


@pytest.mark.long
def test_host_killed_mid_replication_resumes(stack_factory: Callable[..., Stack]) -> None:
    stack = stack_factory()
    ids = _seed(stack, "crashrep")
    stack.hold_clock(True)  # keep replication in flight until the host is killed
    run = stack.start_orchestration("publish_image", ids.request(["westeurope", "eastus"]))
    stack.wait_for_run(
        run, until=lambda s: (s.get("customStatus") or {}).get("step") == "replicate"
    )

    stack.restart_host(kill=True)
    stack.hold_clock(False)
    status = stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert list(stack.versions(ids)) == ["1.0.0"]
    assert _flags(stack, ids) == (False, {"eastus": False, "westeurope": False})
    assert stack.vm_power_state(ids.vm_id) == "running"


def test_all_at_once_with_approval_waits_before_promoting(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "oneshot")
    request = ids.request(
        ["westeurope", "eastus"], rollout={"mode": "all_at_once", "approval": True}
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    waiting = sandbox_stack.wait_for_run(run, until=_awaiting_approval)

    assert waiting["customStatus"]["waves"] == {"current": 0, "total": 1, "awaiting_approval": True}
    profile = sandbox_stack.versions(ids)["1.0.0"]["properties"]["publishingProfile"]
    assert profile["excludeFromLatest"] is True
    assert all(t["excludeFromLatest"] for t in profile["targetRegions"])
    sandbox_stack.raise_event(run, "approve", {"by": "erin"})
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["latest"] == {"westeurope": "1.0.0", "eastus": "1.0.0"}


def _version_path(ids: DemoIds) -> str:
    return f"/images/{ids.definition}/versions/1.0.0"


def test_the_canary_is_live_while_the_other_regions_replicate(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "pipelined")
    seq0 = len(sandbox_stack.arm_control("GET", "requests")["requests"])
    # the canary copies fast, the others slowly (30 GB at 0.5 MB/s: about 17 h)
    rates = {"westeurope": 80, "eastus": 0.5, "westus3": 0.5}
    sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": rates})
    try:
        run = sandbox_stack.start_orchestration(  # no rollout: canary westeurope, then the rest
            "publish_image", ids.request(["westeurope", "eastus", "westus3"])
        )

        def canary_live(status: dict[str, Any]) -> bool:
            return ((status.get("customStatus") or {}).get("waves") or {}).get("current") == 1

        sandbox_stack.wait_for_run(run, until=canary_live)
        sandbox_stack.hold_clock(True)  # look at the emulator while wave 2 replicates
        # this test's own reads of the version (below) are no polls of the run's
        looked = len(sandbox_stack.arm_control("GET", "requests")["requests"])
        version = sandbox_stack.versions(ids)["1.0.0"]
        replication = {
            s["region"].replace(" ", "").lower(): s["state"]
            for s in version["properties"]["replicationStatus"]["summary"]
        }
        assert replication == {
            "westeurope": "Completed", "eastus": "Replicating", "westus3": "Replicating"
        }  # fmt: skip
        assert _flags(sandbox_stack, ids) == (
            True,
            {"westeurope": False, "eastus": True, "westus3": True},
        )
        looked_until = len(sandbox_stack.arm_control("GET", "requests")["requests"])
    finally:
        sandbox_stack.hold_clock(False)
        sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": {}})
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert _flags(sandbox_stack, ids) == (
        False,
        {"westeurope": False, "eastus": False, "westus3": False},
    )
    # request log: PUT (canary only) ... one PATCH makes it live and adds the others ...
    # the last PATCH makes them live; every other call on the version is a single GET
    requests = sandbox_stack.arm_control("GET", "requests")["requests"]
    log = [
        r
        for r in requests[seq0:looked] + requests[looked_until:]
        if _version_path(ids) in r["path"] and "/subscriptions/" in r["path"]
    ]
    writes = [r["method"] for r in log if r["method"] != "GET"]
    assert writes == ["PUT", "PATCH", "PATCH"], writes
    # one GET per poll: apart from the reads that go with a write (adoption check before the
    # PUT, read-backs around a PATCH), no two reads of the version at the same moment
    write_times = {r["time"] for r in log if r["method"] != "GET"}
    reads = [r["time"] for r in log if r["method"] == "GET" and r["time"] not in write_times]
    assert len(reads) == len(set(reads)) >= 3, reads


THREE_WAVES = [["westeurope"], ["eastus"], ["westus3"]]


def test_later_waves_replicate_together_and_go_live_in_order(sandbox_stack: Stack) -> None:
    """Three waves: the first wave's update adds both later waves at once (they replicate in
    parallel), then wave 2 and wave 3 go live one after the other (docs/pipeline.md)."""
    ids = _seed(sandbox_stack, "together")
    seq0 = len(sandbox_stack.arm_control("GET", "requests")["requests"])
    request = ids.request(
        ["westeurope", "eastus", "westus3"], rollout={"mode": "waves", "waves": THREE_WAVES}
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["status"] == "succeeded"
    assert _flags(sandbox_stack, ids) == (
        False,
        {"westeurope": False, "eastus": False, "westus3": False},
    )
    state = sandbox_stack.arm_control("GET", "state")
    (record,) = [v for v in state["versions"].values() if f"/images/{ids.definition}/" in v["id"]]
    starts = {region: entry["start"] for region, entry in record["replication"].items()}
    assert starts["eastus"] == starts["westus3"] > starts["westeurope"]
    # PUT (wave 1) ... PATCH (wave 1 live, waves 2 and 3 added) ... PATCH (wave 2 live) ...
    # PATCH (wave 3 live, the global flag cleared)
    log = sandbox_stack.arm_control("GET", "requests")["requests"][seq0:]
    version = f"/images/{ids.definition}/versions/1.0.0"
    writes = [r["method"] for r in log if r["path"].endswith(version) and r["method"] != "GET"]
    assert writes == ["PUT", "PATCH", "PATCH", "PATCH"], writes
    promoted = [e for e in sandbox_stack.events(run) if e["type"] == "galleryflow.promoted.v1"]
    assert [(e["data"]["wave"], e["data"]["regions"]) for e in promoted] == [
        (1, ["westeurope"]),
        (2, ["eastus"]),
        (3, ["westus3"]),
    ]


def test_a_third_wave_failing_leaves_the_first_two_live(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "third")
    sandbox_stack.add_fault(kind="replication_failure", region="westus3", version="third")
    request = ids.request(
        ["westeurope", "eastus", "westus3"],
        rollout={"mode": "waves", "waves": THREE_WAVES},
        replication={"max_region_retries": 0},
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert result["regions"]["westus3"]["state"] == "Failed"
    assert result["latest"] == {"westeurope": "1.0.0", "eastus": "1.0.0", "westus3": None}
    assert _flags(sandbox_stack, ids) == (
        True,
        {"westeurope": False, "eastus": False, "westus3": True},
    )
