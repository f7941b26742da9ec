"""`cancel` under rule 1 (docs/pipeline.md "The failure rule") on the real stack: after a
wave is live, cancel stops further waves and keeps the live ones (the run ends
`partially_succeeded`); the emulator's final state proves it."""

from __future__ import annotations

from typing import Any

from sandbox.stack import DemoIds, Stack, prune_old
from tests.orchestration.test_rollout import _awaiting_approval, _flags, _seed, _waves_request

CAROL = {"id": "oid-carol", "name": "carol", "provider": "aad"}


def _wave_one_live(status: dict[str, Any]) -> bool:
    custom = status.get("customStatus") or {}
    return (custom.get("waves") or {}).get("current") == 1 and custom.get("step") == "replicate"


def _assert_kept_live(stack: Stack, ids: DemoIds, run: str, status: dict[str, Any]) -> None:
    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded", result
    warning = next(w for w in result["warnings"] if w.startswith("cancelled by carol"))
    assert "after the version went live in westus3 (kept live)" in warning, warning
    # wave 1 still live; wave 2 never promoted; the version stays excluded globally
    assert _flags(stack, ids) == (True, {"westus3": False, "eastus": True, "westeurope": True})
    assert result["latest"]["westus3"] == "1.0.0"
    assert stack.vm_power_state(ids.vm_id) == "running"
    kinds = [e["type"] for e in stack.events(run)]
    assert "galleryflow.cancelled.v1" in kinds and "galleryflow.failed.v1" not in kinds
    assert kinds.count("galleryflow.promoted.v1") == 1
    assert [a["action"] for a in status["customStatus"]["audit"]] == ["started", "cancelled"]


def test_cancel_at_the_second_waves_approval_keeps_the_first_wave_live(
    sandbox_stack: Stack,
) -> None:
    ids = _seed(sandbox_stack, "cancelgate")
    run = sandbox_stack.start_orchestration("publish_image", _waves_request(ids, approval=True))
    sandbox_stack.wait_for_run(run, until=_awaiting_approval)
    sandbox_stack.raise_event(run, "cancel", {"by": "change freeze", "principal": CAROL})
    status = sandbox_stack.wait_for_run(run)

    _assert_kept_live(sandbox_stack, ids, run, status)


def test_cancel_while_a_later_wave_replicates_keeps_the_live_wave(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cancelwave")
    # wave 2 (eastus; westeurope is the home region, in wave 1's stage) replicates for
    # about a week of simulated time: the run sits in it until cancelled
    slow = {"eastus": 0.05}
    sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": slow})
    try:
        run = sandbox_stack.start_orchestration("publish_image", _waves_request(ids))
        sandbox_stack.wait_for_run(run, until=_wave_one_live)
        sandbox_stack.raise_event(run, "cancel", {"principal": CAROL})
        status = sandbox_stack.wait_for_run(run)
    finally:
        sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": {}})

    _assert_kept_live(sandbox_stack, ids, run, status)
    # the replication monitor child was stopped with the run, not left polling
    children = [i for i in sandbox_stack.instances() if i["instanceId"].startswith(f"{run}-rep-")]
    assert children and all(i["runtimeStatus"] != "Running" for i in children), children


# ---- cancel at every step of every run kind (real HTTP cancel, emulator state) ----------

DAY = 86_400
RETAIN = prune_old(0)


def _step(name: str) -> Any:
    return lambda s: (s.get("customStatus") or {}).get("step") == name


def _wait_request(stack: Stack, method: str, fragment: str) -> None:
    """Until the emulator logged the request (a `delay` fault logs it, then answers late:
    the run is inside that activity)."""
    stack.wait_until(
        lambda: any(
            r["method"] == method and fragment in r["path"]
            for r in stack.arm_control("GET", "requests")["requests"]
        ),
        what=f"{method} {fragment}",
    )


def _cancel(stack: Stack, run: str) -> None:
    answer = stack.api("POST", f"runs/{run}/cancel", {"by": "table"})
    assert answer.status_code == 202, answer.text


def _cancel_in(
    stack: Stack, ids: DemoIds, method: str, fault: str, logged: str, **overrides: Any
) -> dict[str, Any]:
    """Publish to westeurope while ARM answers `method` on `fault` (a path regex) 3 s late;
    cancel once the emulator logged that request (`logged`: a path fragment), i.e. while the
    run is inside that activity; the run's final status."""
    stack.add_fault(kind="delay", method=method, path=fault, seconds=3, times=1)
    run = stack.start_orchestration("publish_image", ids.request(["westeurope"], **overrides))
    _wait_request(stack, method, logged)
    _cancel(stack, run)
    return stack.wait_for_run(run)


def _failed_cancelled(status: dict[str, Any], step: str) -> None:
    assert status["runtimeStatus"] == "Failed", status.get("output")
    assert f"{step} failed on" in status["output"] and ": Cancelled: " in status["output"]


def _old_versions(stack: Stack, ids: DemoIds) -> None:
    for name in ("0.8.0", "0.9.0"):
        stack.put_version(ids, name, ["westeurope"])
    stack.advance_clock(60 * DAY)


def test_cancel_during_preflight(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cxpre")
    # the preflight's read of the VM answers late: the run is inside that activity
    status = _cancel_in(
        sandbox_stack, ids, "GET", "virtualMachines/vm-cxpre$", "virtualMachines/vm-cxpre"
    )

    _failed_cancelled(status, "preflight")
    assert sandbox_stack.versions(ids) == {}
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_cancel_during_patching_puts_the_vm_back(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(
        vm_name="vm-cxpatch", definition="cxpatch", power_state="deallocated"
    )
    sandbox_stack.hold_clock(True)  # the patch step waits on a durable timer between looks
    try:
        run = sandbox_stack.start_orchestration(
            "publish_image", ids.request(["westeurope"], patch={})
        )
        sandbox_stack.wait_for_run(run, until=_step("patch"))
        sandbox_stack.wait_until(
            lambda: sandbox_stack.vm_power_state(ids.vm_id) == "running", what="VM started"
        )
        _cancel(sandbox_stack, run)
        status = sandbox_stack.wait_for_run(run)
    finally:
        sandbox_stack.hold_clock(False)

    _failed_cancelled(status, "patch")
    assert sandbox_stack.versions(ids) == {}
    assert sandbox_stack.vm_power_state(ids.vm_id) == "deallocated"  # as it was found


def test_cancel_during_capture_restores_the_vm(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cxcap")
    path = "images/cxcap/versions/"
    status = _cancel_in(sandbox_stack, ids, "PUT", path, path)

    _failed_cancelled(status, "capture")
    # the capture in flight finished; the version stays excluded (no cleanup_on_failure)
    profile = sandbox_stack.versions(ids)["1.0.0"]["properties"]["publishingProfile"]
    assert profile["excludeFromLatest"] is True
    assert all(t["excludeFromLatest"] for t in profile["targetRegions"])
    assert sandbox_stack.vm_power_state(ids.vm_id) == "running"


def test_cancel_during_prune_keeps_the_publish_and_stops_pruning(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(
        vm_name="vm-cxprune", definition="cxprune", power_state="deallocated"
    )
    _old_versions(sandbox_stack, ids)
    status = _cancel_in(
        sandbox_stack,
        ids,
        "DELETE",
        "versions/0.8.0",
        "images/cxprune/versions/0.8.0",
        retention=RETAIN,
    )

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert any(
        w.startswith("cancelled by function key") and " at prune " in w for w in result["warnings"]
    )
    assert result["pruned"] == ["0.8.0"]  # the delete in flight finished; 0.9.0 was not started
    versions = sandbox_stack.versions(ids)
    assert sorted(versions) == ["0.9.0", result["version"]]
    new = versions[result["version"]]["properties"]["publishingProfile"]
    assert new["excludeFromLatest"] is False  # live, never un-promoted


def test_cancel_a_prune_run_stops_before_the_next_version(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(
        vm_name="vm-cxprunerun", definition="cxprunerun", power_state="deallocated"
    )
    _old_versions(sandbox_stack, ids)
    sandbox_stack.put_version(ids, "1.0.0", ["westeurope"])
    sandbox_stack.add_fault(
        kind="delay", method="DELETE", path="versions/0.8.0", seconds=3, times=1
    )
    body = {
        "gallery": ids.gallery,
        "image_definition": ids.definition,
        "retention": RETAIN,
        "apply": True,
    }
    run = sandbox_stack.start_orchestration("prune_image", body)
    _wait_request(sandbox_stack, "DELETE", "images/cxprunerun/versions/0.8.0")
    _cancel(sandbox_stack, run)
    status = sandbox_stack.wait_for_run(run)

    _failed_cancelled(status, "prune")
    assert "deleted ['0.8.0']" in status["output"] and "not done: ['0.9.0']" in status["output"]
    assert sorted(sandbox_stack.versions(ids)) == ["0.9.0", "1.0.0"]


def test_cancel_a_version_change_while_added_regions_replicate(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(
        vm_name="vm-cxchange", definition="cxchange", power_state="deallocated"
    )
    sandbox_stack.put_version(ids, "1.0.0", ["westeurope"])
    slow = {"eastus": 0.05}  # about a week of simulated time
    sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": slow})
    try:
        body = {
            "gallery": ids.gallery,
            "image_definition": ids.definition,
            "version": "1.0.0",
            "target_regions": [{"name": "eastus"}],
            "production": False,
        }
        started = sandbox_stack.api("POST", "versions/add-regions", body)
        assert started.status_code == 202, started.text
        run = started.json()["id"]
        sandbox_stack.wait_for_run(run, until=_step("replicate"))
        _cancel(sandbox_stack, run)
        status = sandbox_stack.wait_for_run(run)
    finally:
        sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": {}})

    _failed_cancelled(status, "replicate")
    assert "eastus stay in the version, excluded from latest" in status["output"]
    profile = sandbox_stack.versions(ids)["1.0.0"]["properties"]["publishingProfile"]
    regional = {t["name"].replace(" ", "").lower(): t for t in profile["targetRegions"]}
    assert regional["eastus"]["excludeFromLatest"] is True  # never promoted
    assert not regional["westeurope"].get("excludeFromLatest")  # the live region untouched
    monitors = [i for i in sandbox_stack.instances() if i["instanceId"].startswith(f"{run}-rep-")]
    assert monitors and all(i["runtimeStatus"] != "Running" for i in monitors), monitors


def test_a_rollback_is_not_cancellable_and_says_so(sandbox_stack: Stack) -> None:
    ids = sandbox_stack.seed_demo(
        vm_name="vm-cxroll", definition="cxroll", power_state="deallocated"
    )
    for name in ("1.0.0", "1.0.1"):
        sandbox_stack.put_version(ids, name, ["westeurope"])
    sandbox_stack.add_fault(
        kind="delay", method="PATCH", path="images/cxroll/versions/1.0.1", seconds=3, times=1
    )
    body = {"gallery": ids.gallery, "image_definition": ids.definition, "version": "1.0.1"}
    run = sandbox_stack.start_orchestration("rollback_image", {**body, "regions": None})
    _wait_request(sandbox_stack, "PATCH", "images/cxroll/versions/1.0.1")
    answer = sandbox_stack.api("POST", f"runs/{run}/cancel")
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert (
        error["code"] == "NotCancellable" and "(rollback) is at step rollback" in error["message"]
    )
    status = sandbox_stack.wait_for_run(run)
    assert status["runtimeStatus"] == "Completed", status.get("output")


def test_cancel_during_notify_keeps_the_publish(sandbox_stack: Stack) -> None:
    ids = _seed(sandbox_stack, "cxnotify")
    sandbox_stack.hold_clock(True)  # the run waits in replication while the fault is set
    try:
        run = sandbox_stack.start_orchestration("publish_image", ids.request(["westeurope"]))
        sandbox_stack.wait_for_run(run, until=_step("replicate"))
        # resolve_latest's list of the versions answers 3 s late (preflight's list is past)
        sandbox_stack.add_fault(
            kind="delay", method="GET", path="images/cxnotify/versions$", seconds=3, times=1
        )
    finally:
        sandbox_stack.hold_clock(False)
    before = len(sandbox_stack.arm_control("GET", "requests")["requests"])
    sandbox_stack.wait_until(
        lambda: any(
            r["method"] == "GET" and r["path"].endswith("images/cxnotify/versions")
            for r in sandbox_stack.arm_control("GET", "requests")["requests"][before:]
        ),
        what="resolve_latest's list",
    )
    _cancel(sandbox_stack, run)
    status = sandbox_stack.wait_for_run(run)

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert any(
        " at notify after the version went live in westeurope" in w for w in result["warnings"]
    )
    assert result["latest"] == {"westeurope": "1.0.0"}  # the read in flight finished
    flags = sandbox_stack.versions(ids)["1.0.0"]["properties"]["publishingProfile"]
    assert flags["excludeFromLatest"] is False  # nothing undone


def test_cancel_while_a_mirror_rolls_out_keeps_the_primary_live(sandbox_stack: Stack) -> None:
    from tests.orchestration.test_mirrors import _mirror
    from tests.orchestration.test_mirrors import _seed as _seed_mirror

    primary, mirror = _seed_mirror(sandbox_stack, "cxmirror")
    slow = {"eastus": 0.05}  # the mirror's second region replicates for days
    sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": slow})
    try:
        request = primary.request(
            ["westeurope", "northeurope"], mirrors=[_mirror(mirror, ["northeurope", "eastus"])]
        )
        run = sandbox_stack.start_orchestration("publish_image", request)
        sandbox_stack.wait_for_run(run, until=_step("mirror"))
        _cancel(sandbox_stack, run)
        status = sandbox_stack.wait_for_run(run)
    finally:
        sandbox_stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": {}})

    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded", result
    assert any("Cancelled" in w and "mirror 1" in w for w in result["warnings"]), result
    # the primary stays live
    assert result["latest"] == dict.fromkeys(["westeurope", "northeurope"], result["version"])
    copy = sandbox_stack.versions(mirror)[result["version"]]["properties"]["publishingProfile"]
    assert copy["excludeFromLatest"] is True  # the mirror's copy is not live anywhere
    assert all(t.get("excludeFromLatest", True) for t in copy["targetRegions"])
    actions = [a["action"] for a in status["customStatus"]["audit"]]
    assert actions == ["started", "cancelled"], actions
