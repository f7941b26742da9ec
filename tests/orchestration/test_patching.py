"""Patching the source VM before capture (#14), on the sandbox stack: a nightly run installs
seeded security patches (assessPatches, then installPatches, before deallocate), the result
is in the run summary, the events and the version's tags; failed patches with the default
policy `fail` leave the VM running and publish nothing; a generalized source is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.demo_nightly import pipeline_request, run_night, vm_calls, write_pipelines
from sandbox.stack import DEMO_SUBSCRIPTION, Stack, prune_old, start_stack
from tests.api.test_pipeline_examples import nightly_verify_step
from tests.orchestration.test_concurrency_and_nightly import _fire_nightly, _publish_runs
from tests.orchestration.test_prune_quota_rollback import _limit_versions, _version_usage

VM_PATCHED = (
    f"/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/rg-build"
    "/providers/Microsoft.Compute/virtualMachines/vm-patched"
)
SECURITY = [
    {"name": "openssl", "classifications": ["Security"], "kb_id": ""},
    {"name": "libc6", "classifications": ["Security"], "reboot_behavior": "CanRequestReboot"},
    {"name": "curl", "classifications": ["Critical"]},
]


@pytest.fixture(scope="module")
def patch_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("patching")
    pipelines = state / "pipelines.json"
    request = {
        "schema_version": 1,
        "source_vm_id": VM_PATCHED,
        "gallery": {"resource_group": "rg-images", "name": "galDemo"},
        "image_definition": "patched",
        "target_regions": [{"name": "westeurope", "replica_count": 1}],
        "production": False,
    }  # no `patch`: a nightly entry gets `patch: {}` when the file is loaded
    pipelines.write_text(
        json.dumps({"schema_version": 1, "pipelines": [{"name": "patched", "request": request}]})
    )
    stack = start_stack(state / "stack", settings={"GALLERYFLOW_PIPELINES_FILE": str(pipelines)})
    try:
        yield stack
    finally:
        stack.stop()


def _vm_requests(stack: Stack, vm_name: str) -> list[str]:
    log = stack.arm_control("GET", "requests")["requests"]
    return [
        f"{r['method']} {r['path'].rsplit('/', 1)[-1]}"
        for r in log
        if f"/virtualMachines/{vm_name}/" in r["path"] and r["method"] == "POST"
    ]


def test_nightly_installs_pending_security_patches_before_capture(patch_stack: Stack) -> None:
    stack = patch_stack
    ids = stack.seed_demo(vm_name="vm-patched", definition="patched")
    stack.arm_control("POST", "vm-patches", {"vm_id": ids.vm_id, "patches": SECURITY})

    _fire_nightly(stack)
    stack.wait_until(lambda: _publish_runs(stack, "patched"), what="the nightly run")
    (run,) = _publish_runs(stack, "patched")
    assert run["input"]["patch"]["on_failure"] == "fail"  # filled in when the file was loaded
    status = stack.wait_for_run(run["instanceId"])
    assert status["runtimeStatus"] == "Completed", status.get("output")

    calls = _vm_requests(stack, "vm-patched")
    assert calls[:3] == ["POST assessPatches", "POST installPatches", "POST deallocate"], calls
    summary = status["output"]["patch"]
    assert (summary["installed"], summary["failed"], summary["pending"]) == (3, 0, 0)
    assert summary["reboot_status"] == "Completed"
    assert sorted(summary["installed_ids"]) == ["curl_1.0", "libc6_1.0", "openssl_1.0"]
    (version,) = stack.versions(ids).values()
    tag = version["tags"]["galleryflow.patch"]
    assert "Succeeded installed=3 failed=0 pending=0" in tag and len(tag) <= 256
    events = stack.events(run["instanceId"])
    patched = [e for e in events if e["type"] == "galleryflow.patched.v1"]
    assert patched and patched[0]["data"]["installed"] == 3
    assert status["output"]["warnings"] == []
    assert stack.vm_power_state(ids.vm_id) == "running"


def test_failed_patches_with_policy_fail_publish_nothing(patch_stack: Stack) -> None:
    stack = patch_stack
    ids = stack.seed_demo(vm_name="vm-failing", definition="failing")
    stack.arm_control(
        "POST",
        "vm-patches",
        {"vm_id": ids.vm_id, "patches": SECURITY, "fault": "failed_patches"},
    )
    started = stack.api("POST", "publish", ids.request(["westeurope"], patch={}))
    assert started.status_code == 202, started.text
    status = stack.wait_for_run(started.json()["id"])

    assert status["runtimeStatus"] == "Failed"
    assert "patch failed on" in status["output"] and "PatchFailed" in status["output"]
    assert "nothing was published" in status["output"]
    assert stack.versions(ids) == {}
    assert stack.vm_power_state(ids.vm_id) == "running"
    assert "POST deallocate" not in _vm_requests(stack, "vm-failing")


def test_generalized_source_with_patch_is_refused(patch_stack: Stack) -> None:
    stack = patch_stack
    ids = stack.seed_demo(
        vm_name="vm-generalized",
        definition="generalized",
        os_state="Generalized",
        power_state="deallocated",
    )
    started = stack.api("POST", "publish", ids.request(["westeurope"], patch={}))
    status = stack.wait_for_run(started.json()["id"])
    assert status["runtimeStatus"] == "Failed"
    assert "PatchNotPossible" in status["output"] and "generalized" in status["output"]
    assert _vm_requests(stack, "vm-generalized") == []


def test_customize_runs_after_patching_and_a_failing_script_publishes_nothing(
    patch_stack: Stack,
) -> None:
    stack = patch_stack
    ids = stack.seed_demo(vm_name="vm-custom", definition="custom", power_state="deallocated")
    stack.arm_control(
        "POST",
        "vm-patches",
        {"vm_id": ids.vm_id, "patches": [{"name": "openssl"}], "run_command": {"output": "ok"}},
    )
    request = ids.request(["westeurope"], patch={}, customize={"script": "apt-get -y install x"})
    done = stack.wait_for_run(stack.api("POST", "publish", request).json()["id"])
    assert done["runtimeStatus"] == "Completed", done.get("output")
    calls = _vm_requests(stack, "vm-custom")
    assert calls[:4] == [
        "POST start",
        "POST assessPatches",
        "POST installPatches",
        "POST deallocate",
    ]
    log = stack.arm_control("GET", "requests")["requests"]
    assert any(r["method"] == "PUT" and "/vm-custom/runCommands/" in r["path"] for r in log)
    assert stack.vm_power_state(ids.vm_id) == "deallocated"

    stack.arm_control(
        "POST",
        "vm-patches",
        {"vm_id": ids.vm_id, "patches": [], "run_command": {"exit_code": 2, "output": "E: boom"}},
    )
    failed = stack.wait_for_run(stack.api("POST", "publish", request).json()["id"])
    assert failed["runtimeStatus"] == "Failed"
    assert "CustomizeFailed" in failed["output"] and "exit code 2" in failed["output"]
    assert "E: boom" in failed["output"]
    assert list(stack.versions(ids)) == [done["output"]["version"]]
    assert stack.vm_power_state(ids.vm_id) == "deallocated"


def test_assess_first_skips_a_night_with_nothing_pending_and_no_change(patch_stack: Stack) -> None:
    """#14 done-when: night 1 installs 3 security patches and publishes (fingerprint and patch
    tags on the version); night 2, nothing pending and the entry unchanged, skips — no
    capture, no version, the VM deallocated again, reason in the log and result, a `skipped`
    event; night 3, the entry changed, publishes again although nothing is pending."""
    stack = patch_stack
    pipelines = Path(stack.settings["GALLERYFLOW_PIPELINES_FILE"])
    before = pipelines.read_text()
    ids = stack.seed_demo(vm_name="vm-steady", definition="steady", power_state="deallocated")
    stack.arm_control("POST", "vm-patches", {"vm_id": ids.vm_id, "patches": SECURITY})
    request = {**pipeline_request(ids), "image_definition": "steady"}
    write_pipelines(pipelines, request, name="steady")
    today = datetime.now(UTC).date()
    try:
        mark = len(stack.arm_control("GET", "requests")["requests"])
        first = run_night(stack, today - timedelta(days=3), pipeline="steady")
        assert first.status["runtimeStatus"] == "Completed", first.status.get("output")
        assert json.loads(first.status["input"])["skip_when_current"] is True  # set when loaded
        calls = vm_calls(stack, "vm-steady", mark)
        assert calls == ["start", "assessPatches", "installPatches", "deallocate"], calls
        version = first.status["output"]["version"]
        tags = stack.versions(ids)[version]["tags"]
        assert tags["galleryflow.fingerprint"].startswith("v1:")
        assert "installed=3 failed=0" in tags["galleryflow.patch"]
        assert tags["team"] == "platform"

        mark = len(stack.arm_control("GET", "requests")["requests"])
        second = run_night(stack, today - timedelta(days=2), pipeline="steady")
        assert second.status["runtimeStatus"] == "Completed", second.status.get("output")
        output = second.status["output"]
        assert output["status"] == "succeeded" and output["version"] is None
        reason = output["skipped"]["reason"]
        assert reason.startswith("skipped: nothing to install") and version in reason
        assert output["skipped"]["current_version"] == version
        assert output["skipped"]["assessment"]["to_install"] == 0
        assert second.summary["state"] == "succeeded" and second.summary["log"][-1] == reason
        assert vm_calls(stack, "vm-steady", mark) == ["start", "assessPatches", "deallocate"]
        assert list(stack.versions(ids)) == [version]
        assert stack.vm_power_state(ids.vm_id) == "deallocated"
        skipped = [e for e in stack.events(second.run_id) if e["type"].endswith(".skipped.v1")]
        assert skipped and skipped[0]["data"]["reason"] == reason

        write_pipelines(pipelines, {**request, "tags": {"team": "platform", "v": "2"}}, "steady")
        third = run_night(stack, today - timedelta(days=1), pipeline="steady")
        assert third.status["runtimeStatus"] == "Completed", third.status.get("output")
        assert "skipped" not in third.status["output"]
        assert len(stack.versions(ids)) == 2
        # infra/nightly-pipeline.yml's verify job, on the API's real answer
        url, code = nightly_verify_step()
        route = url.replace("galProd", "galDemo").replace("ubuntu-golden", "steady")
        route = route.split("?")[0].removeprefix("/api/") + "?resource_group=rg-images"
        answer = stack.api("GET", route)
        assert answer.status_code == 200, answer.text
        checked = subprocess.run(
            [sys.executable, "-c", code], input=answer.text, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith(third.status["output"]["version"])
    finally:
        pipelines.write_text(before)


def test_a_skipped_run_prunes_nothing_even_with_a_full_quota(patch_stack: Stack) -> None:
    """skip_when_current defers a full quota's auto-prune until the run knows it publishes:
    the skipped run deletes nothing; the next run (entry changed) prunes, then publishes."""
    stack = patch_stack
    ids = stack.seed_demo(
        vm_name="vm-roomy",
        definition="roomy",
        power_state="deallocated",
        subscription_id="00000000-0000-0000-0000-0000000000b1",
    )
    retention = prune_old(30)
    request = ids.request(["westeurope"], patch={}, skip_when_current=True, retention=retention)

    def publish(body: dict[str, Any]) -> dict[str, Any]:
        started = stack.api("POST", "publish", body)
        assert started.status_code == 202, started.text
        done = stack.wait_for_run(started.json()["id"])
        assert done["runtimeStatus"] == "Completed", done.get("output")
        return dict(done["output"])

    first = publish(request)  # nothing to compare with yet: publishes
    assert first["version"] == "1.0.0" and "skipped" not in first
    stack.put_version(ids, "0.9.0", ["westeurope"])  # an old version retention may delete
    stack.advance_clock(60 * 86_400)
    _limit_versions(stack, ids, _version_usage(stack, ids))  # the quota is full

    second = publish(request)
    assert second["skipped"]["current_version"] == first["version"], second
    assert second["pruned"] == [] and sorted(stack.versions(ids)) == ["0.9.0", first["version"]]

    third = publish({**request, "tags": {"changed": "yes"}})
    assert "skipped" not in third and third["pruned"][:1] == ["0.9.0"], third
    assert third["version"] in stack.versions(ids)
