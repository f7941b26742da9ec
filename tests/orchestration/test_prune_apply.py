"""`prune_apply` (docs/pipeline.md, prune step): one version per activity, a write refused
because the version is busy is tried again after a durable timer."""

from __future__ import annotations

from sandbox.stack import Stack, prune_old

DAY = 86_400


def test_a_busy_delete_is_retried_on_a_durable_timer(sandbox_stack: Stack) -> None:
    stack = sandbox_stack
    ids = stack.seed_demo(vm_name="vm-busy", definition="busy", power_state="deallocated")
    for name in ("1.0.0", "1.0.1"):
        stack.put_version(ids, name, ["westeurope"])
    stack.advance_clock(60 * DAY)
    stack.add_fault(
        kind="http",
        method="DELETE",
        path="/images/busy/versions/1.0.0",
        status=409,
        code="OperationNotAllowed",
        message="Another operation is in progress on this image version; try again later.",
        times=2,
    )
    retention = {"keep_last": 1, "keep_newer_than_days": 30, "min_good_versions": 1}
    run = stack.start_orchestration(
        "prune_image",
        {"gallery": ids.gallery, "image_definition": "busy", "retention": retention, "apply": True},
    )
    status = stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["deleted"] == ["1.0.0"]
    assert sorted(stack.versions(ids)) == ["1.0.1"]
    log = stack.arm_control("GET", "requests")["requests"]
    deletes = [
        r["status"] for r in log if r["method"] == "DELETE" and "/busy/versions/" in r["path"]
    ]
    assert deletes[:2] == [409, 409] and deletes[2] in (200, 202, 204)


OTHER = "77777777-0000-0000-0000-000000000077"


def test_prune_keeps_a_version_used_in_the_source_vms_subscription(sandbox_stack: Stack) -> None:
    """The gallery lives in one subscription, the build VM (and the VMs made from its
    images) in another: the in-use scan covers both (docs/pipeline.md, prune step)."""
    stack = sandbox_stack
    ids = stack.seed_demo(vm_name="vm-unused", definition="elsewhere", power_state="deallocated")
    stack.arm_control(
        "POST",
        "resource-groups",
        {"subscription_id": OTHER, "name": "rg-build", "location": ids.location},
    )

    def vm(name: str, **extra: str) -> str:
        return stack.add_vm(OTHER, name, ids.location, hyper_v_generation="V2", **extra)

    builder = vm("vm-builder", power_state="deallocated")
    for name in ("1.0.0", "1.0.1"):
        stack.put_version(ids, name, ["westeurope"])
    vm(
        "vm-app",
        power_state="running",
        image_reference_id=f"{stack.definition_id(ids)}/versions/1.0.0",
    )
    stack.advance_clock(60 * DAY)
    retention = prune_old(30)
    request = {**ids.request(["westeurope"], retention=retention), "source_vm_id": builder}
    status = stack.wait_for_run(stack.start_orchestration("publish_image", request))

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["pruned"] == ["1.0.1"]
    assert sorted(stack.versions(ids)) == ["1.0.0", status["output"]["version"]]
