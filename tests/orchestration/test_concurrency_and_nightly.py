"""One run per image definition, idempotency keys through the HTTP API, and the nightly
timer (fired on demand, twice on one day) on a stack configured with a pipelines file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.stack import DEMO_SUBSCRIPTION, DemoIds, Stack, start_stack

VM_NIGHTLY = (
    f"/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/rg-build"
    "/providers/Microsoft.Compute/virtualMachines/vm-nightly"
)


@pytest.fixture(scope="module")
def nightly_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("nightly")
    pipelines = state / "pipelines.json"
    request = {
        "schema_version": 1,
        "source_vm_id": VM_NIGHTLY,
        "gallery": {"resource_group": "rg-images", "name": "galDemo"},
        "image_definition": "nightly",
        "version": {"strategy": "next_patch"},
        "target_regions": [{"name": "westeurope", "replica_count": 1}],
        "production": False,
    }
    manual = {
        "name": "manual-only",
        "nightly": False,
        "request": {**request, "image_definition": "never"},
    }
    pipelines.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "pipelines": [{"name": "ubuntu-nightly", "request": request}, manual],
            }
        )
    )
    stack = start_stack(state / "stack", settings={"GALLERYFLOW_PIPELINES_FILE": str(pipelines)})
    try:
        yield stack
    finally:
        stack.stop()


def _waves(ids: DemoIds, **overrides: Any) -> dict[str, Any]:
    return ids.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
        **overrides,
    )


def test_two_publishes_for_one_definition(nightly_stack: Stack) -> None:
    stack = nightly_stack
    ids = stack.seed_demo(vm_name="vm-twice", definition="twice")
    first = stack.api("POST", "publish", _waves(ids))
    assert first.status_code == 202, first.text
    run = first.json()["id"]
    stack.wait_for_run(
        run,
        until=lambda s: bool(
            ((s.get("customStatus") or {}).get("waves") or {}).get("awaiting_approval")
        ),
    )

    second = stack.api("POST", "publish", ids.request(["westeurope"]))
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "RunInProgress"

    stack.raise_event(run, "approve", {"by": "alice"})
    assert stack.wait_for_run(run)["runtimeStatus"] == "Completed"
    third = stack.api("POST", "publish", ids.request(["westeurope"]))
    assert third.status_code == 202, third.text
    assert stack.wait_for_run(third.json()["id"])["output"]["version"] == "1.0.1"
    assert sorted(stack.versions(ids)) == ["1.0.0", "1.0.1"]


def test_resent_request_with_idempotency_key_creates_one_version(nightly_stack: Stack) -> None:
    stack = nightly_stack
    ids = stack.seed_demo(vm_name="vm-idem", definition="idem")
    request = ids.request(["westeurope"])
    first = stack.api("POST", "publish", request, headers={"Idempotency-Key": "build-7"})
    again = stack.api("POST", "publish", request, headers={"Idempotency-Key": "build-7"})
    assert first.status_code == 202 and again.status_code in (200, 202)
    assert again.json()["id"] == first.json()["id"]
    stack.wait_for_run(first.json()["id"])
    late = stack.api("POST", "publish", request, headers={"Idempotency-Key": "build-7"})
    assert late.json()["id"] == first.json()["id"]
    assert list(stack.versions(ids)) == ["1.0.0"]


def _fire_nightly(stack: Stack) -> None:
    response = stack.session.post(
        f"{stack.host.url}/admin/functions/nightly_rebuild",
        json={"input": None},
        headers={"x-functions-key": stack.keys["masterKey"]},
        timeout=30,
    )
    assert response.status_code == 202, response.text


def _publish_runs(stack: Stack, definition: str) -> list[dict[str, Any]]:
    found = []
    for run in stack.instances(showInput="true"):
        request = run.get("input")
        if isinstance(request, str):
            request = json.loads(request)
        if (
            run.get("name") == "publish_image"
            and (request or {}).get("image_definition") == definition
        ):
            found.append({**run, "input": request})
    return found


def test_nightly_timer_publishes_each_pipeline_once_per_day(nightly_stack: Stack) -> None:
    stack = nightly_stack
    ids = stack.seed_demo(vm_name="vm-nightly", definition="nightly")
    _fire_nightly(stack)
    stack.wait_until(lambda: _publish_runs(stack, "nightly"), what="the nightly run")
    (run,) = _publish_runs(stack, "nightly")
    assert run["instanceId"].startswith("pub-")
    assert run["input"]["idempotency_key"].startswith("nightly-ubuntu-nightly-")
    status = stack.wait_for_run(run["instanceId"])
    assert status["runtimeStatus"] == "Completed", status.get("output")
    version = status["output"]["version"]
    assert re.fullmatch(r"\d{4}\.\d{4}\.0", version)

    _fire_nightly(stack)  # the same day again: the same instance id, nothing new
    assert [r["instanceId"] for r in _publish_runs(stack, "nightly")] == [run["instanceId"]]
    assert list(stack.versions(ids)) == [version]
    assert _publish_runs(stack, "never") == []


def test_invalid_pipelines_file_is_reported_with_every_problem(tmp_path: Path) -> None:
    from galleryflow.pipelines import PipelinesConfigError
    from triggers.nightly import load_checked_pipelines

    path = tmp_path / "pipelines.yaml"
    path.write_text("schema_version: 1\npipelines:\n  - name: x\n    request: {}\n")
    with pytest.raises(PipelinesConfigError) as caught:
        load_checked_pipelines(str(path))
    paths = {p.path for p in caught.value.problems}
    assert "$.pipelines[0].request.source_vm_id" in paths
    assert "$.pipelines[0].request.image_definition" in paths


def test_orchestrator_refuses_a_second_live_run_started_directly(nightly_stack: Stack) -> None:
    """Runs started past the API (Durable client, timers, hooks) are guarded too: the oldest
    live run holds the definition, a younger one fails before touching anything."""
    stack = nightly_stack
    ids = stack.seed_demo(vm_name="vm-direct", definition="direct")
    first = stack.start_orchestration("publish_image", _waves(ids))
    stack.wait_for_run(
        first,
        until=lambda s: bool(
            ((s.get("customStatus") or {}).get("waves") or {}).get("awaiting_approval")
        ),
    )

    second = stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    refused = stack.wait_for_run(second)

    assert refused["runtimeStatus"] == "Failed"
    assert "preflight failed on" in refused["output"] and "RunInProgress" in refused["output"]
    assert first in refused["output"]
    stack.raise_event(first, "approve", {"by": "alice"})
    assert stack.wait_for_run(first)["runtimeStatus"] == "Completed"
    assert list(stack.versions(ids)) == ["1.0.0"]
    log = stack.arm_control("GET", "requests")["requests"]
    assert len([r for r in log if r["path"].endswith("vm-direct/deallocate")]) == 1


def test_a_bad_pipelines_file_is_logged_at_start_up_and_when_the_timer_fires(
    stack_factory: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "pipelines.json"
    bad.write_text(json.dumps({"schema_version": 1, "pipelines": [{"name": "x", "request": {}}]}))
    stack: Stack = stack_factory(settings={"GALLERYFLOW_PIPELINES_FILE": str(bad)})
    assert stack.api("GET", "health").status_code == 200  # the app still serves
    log_path = stack.host.log_path
    at_start = [
        line
        for line in log_path.read_text().splitlines()
        if "start-up: nightly rebuild and named pipelines will fail until fixed" in line
    ]
    assert len(at_start) == 1 and f"invalid pipelines file {bad}" in at_start[0], at_start
    assert "$.pipelines[0].request.source_vm_id" in log_path.read_text()

    _fire_nightly(stack)
    stack.wait_until(
        lambda: "nightly rebuild: nothing started: invalid pipelines file" in log_path.read_text(),
        what="the nightly error in the host log",
    )
    assert stack.instances() == []
