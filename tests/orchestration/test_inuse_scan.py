"""The in-use scan (README "In use") on the real stack: a prune run, which knows no source
VM of its own, still scans the subscription its versions were captured from (the build VM
lives in another subscription than the gallery), and finds a VM whose OS disk was made
from a version although its model names another image (`creationData.
galleryImageReference.id`, from the subscription's disk list)."""

from __future__ import annotations

from sandbox.stack import Stack

DAY = 86_400
BUILD_SUB = "00000000-0000-0000-0000-0000000000b1"


def test_a_vm_using_a_version_only_through_its_os_disk_in_the_build_subscription(
    sandbox_stack: Stack,
) -> None:
    stack = sandbox_stack
    ids = stack.seed_demo(vm_name="vm-scan-x", definition="scan", power_state="deallocated")

    def vm(name: str, **extra: object) -> str:
        return stack.add_vm(BUILD_SUB, name, ids.location, **extra)

    builder = vm("vm-scan-builder", power_state="deallocated")
    for name in ("1.0.0", "1.0.1", "1.0.2"):
        stack.put_version(ids, name, ["westeurope"], source_vm_id=builder)
    # its model names a marketplace image; its OS disk was made from 1.0.0
    definition = stack.definition_id(ids)
    vm("vm-scan-app", os_disk_gallery_image_id=f"{definition}/versions/1.0.0")
    stack.advance_clock(60 * DAY)
    retention = {"keep_last": 1, "keep_newer_than_days": 0, "min_good_versions": 1}
    body = {"gallery": ids.gallery, "image_definition": "scan", "retention": retention}
    run = stack.start_orchestration("prune_image", {**body, "apply": True})
    status = stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["deleted"] == ["1.0.1"]
    assert sorted(stack.versions(ids)) == ["1.0.0", "1.0.2"]
    reasons = {d["name"]: d["reason"] for d in status["output"]["plan"]["decisions"]}
    assert "in use" in reasons["1.0.0"], reasons
    disks = [
        r["path"]
        for r in stack.arm_control("GET", "requests")["requests"]
        if r["method"] == "GET" and r["path"].lower().endswith("/providers/microsoft.compute/disks")
    ]
    assert any(BUILD_SUB in p for p in disks), disks  # the build VM's subscription's disks
