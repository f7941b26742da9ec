"""Rule 1 (docs/pipeline.md "The failure rule") on the real stack: once the version is
live, a housekeeping failure ends the run partially_succeeded and undoes nothing."""

from __future__ import annotations

from sandbox.stack import Stack, prune_old

DAY = 86_400


def test_a_prune_failure_after_promotion_keeps_the_publish(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(vm_name="vm-keep", definition="keep", power_state="deallocated")
    sandbox_stack.put_version(ids, "0.9.0", ["westeurope"])
    sandbox_stack.advance_clock(60 * DAY)
    sandbox_stack.add_fault(
        kind="http",
        method="DELETE",
        path="/images/keep/versions/0.9.0",
        status=400,
        code="OperationNotAllowed",
        message="the version cannot be deleted now",
    )
    request = ids.request(
        ["westeurope"],
        cleanup_on_failure=True,
        retention=prune_old(0),
    )
    run = sandbox_stack.start_orchestration("publish_image", request)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded", (result["pruned"], result["warnings"])
    assert any(
        w.startswith("prune failed after the version went live in westeurope (kept live)")
        and "OperationNotAllowed" in w
        for w in result["warnings"]
    ), result["warnings"]
    versions = sandbox_stack.versions(ids)
    new = versions[result["version"]]["properties"]["publishingProfile"]
    assert new["excludeFromLatest"] is False  # never un-promoted
    assert sorted(versions) == ["0.9.0", result["version"]]  # nothing deleted either way
    assert result["latest"] == {"westeurope": result["version"]}
    assert sandbox_stack.vm_power_state(ids.vm_id) == "deallocated"
    assert "galleryflow.failed.v1" not in [e["type"] for e in sandbox_stack.events(run)]
