"""HTTP in -> sandbox host (galleryflow) -> ARM emulator + Azurite -> state out.

One stack and one DevOps fake for the module; each test works on its own image definition
so runs do not see each other. Simulated time: a publish takes well under a minute.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from galleryflow.api.ids import devops_watch_instance_id
from sandbox.devops.testing import DevOpsFake
from sandbox.stack import DemoIds, Stack, as_user, start_stack

pytestmark = pytest.mark.slow

HOOK_SECRET = "hook-secret-for-tests"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "devops-payloads"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevOpsFake]:
    devops = DevOpsFake(tmp_path_factory.mktemp("devops"))
    try:
        yield devops
    finally:
        devops.stop()


@pytest.fixture(scope="module")
def pipelines_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pipelines") / "pipelines.json"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake: DevOpsFake, pipelines_file: Path
) -> Iterator[Stack]:
    settings = {
        "GALLERYFLOW_DEVOPS_ALLOWED_HOSTS": "127.0.0.1",
        "GALLERYFLOW_DEVOPS_CA_BUNDLE": fake.ca_file,
        "GALLERYFLOW_DEVOPS_POLL_SECONDS": "15",
        "GALLERYFLOW_DEVOPS_RETRY_SECONDS": "0.05",
        "GALLERYFLOW_DEVOPS_HOOK_SECRET": HOOK_SECRET,
        "GALLERYFLOW_PIPELINES_FILE": str(pipelines_file),
    }
    running = start_stack(tmp_path_factory.mktemp("stack"), settings=settings)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def ids(stack: Stack, pipelines_file: Path) -> DemoIds:
    seeded = stack.seed_demo()
    hooked = DemoIds(seeded.subscription_id, seeded.vm_id, seeded.gallery, "e2e-hook", "")
    by_name = DemoIds(seeded.subscription_id, seeded.vm_id, seeded.gallery, "e2e-byname", "")
    config = {
        "schema_version": 1,
        "pipelines": [
            {
                "name": "hooked",
                "nightly": False,
                "devops": {
                    "events": ["ms.vss-pipelines.run-state-changed-event"],
                    "source": "TEST-CI",
                },
                "request": hooked.request(["westeurope"]),
            },
            {"name": "by-name", "nightly": False, "request": by_name.request(["westeurope"])},
        ],
    }
    pipelines_file.write_text(json.dumps(config))
    return seeded


def definition(stack: Stack, ids: DemoIds, name: str) -> DemoIds:
    """A fresh image definition in the seeded gallery (so tests do not share runs)."""
    return stack.add_definition(ids, name)


def raw(
    stack: Stack, method: str, route: str, data: bytes | None = None, **headers: str
) -> requests.Response:
    key = stack.keys["functionKeys"]["default"]
    return requests.request(
        method,
        f"{stack.host.url}/api/{route}",
        data=data,
        headers={"x-functions-key": key, **headers},
        timeout=30,
    )


def summary_until(
    stack: Stack, run_id: str, states: tuple[str, ...], timeout: float = 180
) -> dict[str, Any]:
    stack.wait_for_run(
        run_id,
        timeout=timeout,
        until=lambda _s: stack.api("GET", f"runs/{run_id}").json()["state"] in states,
    )
    return dict(stack.api("GET", f"runs/{run_id}").json())


def assert_error(
    response: requests.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    if code:
        assert error["code"] == code
    return dict(error)


# ---- meta routes and bad input -------------------------------------------------------------


def test_health_is_anonymous_and_says_nothing_else(stack: Stack) -> None:
    response = requests.get(f"{stack.host.url}/api/health", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_openapi_needs_the_function_key_and_lists_the_routes(stack: Stack) -> None:
    assert requests.get(f"{stack.host.url}/api/openapi.json", timeout=10).status_code == 401
    doc = stack.api("GET", "openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/devops/task" in doc["paths"]
    assert doc["components"]["schemas"]["PublishRequest"]["additionalProperties"] is False


def test_publish_rejects_bad_bodies_with_clear_errors(stack: Stack, ids: DemoIds) -> None:
    body = json.dumps(ids.request(["westeurope"])).encode()
    assert_error(raw(stack, "POST", "publish", body, **{"Content-Type": "text/plain"}), 415)
    big = json.dumps({**ids.request(["westeurope"]), "tags": {"x": "y" * 70_000}}).encode()
    assert_error(raw(stack, "POST", "publish", big, **{"Content-Type": "application/json"}), 413)
    assert_error(
        raw(stack, "POST", "publish", b"{oops", **{"Content-Type": "application/json"}), 400
    )
    bad = {**ids.request(["westeurope", "westeurope", "mars-north"]), "colour": "blue"}
    bad["version"] = {"strategy": "explicit"}
    error = assert_error(stack.api("POST", "publish", bad), 400, "ValidationFailed")
    paths = {d["path"] for d in error["details"]}
    expected = {
        "$.colour",
        "$.target_regions[1].name",
        "$.target_regions[2].name",
        "$.version.value",
    }
    assert expected <= paths, paths
    colour = next(d for d in error["details"] if d["path"] == "$.colour")
    assert "remove it" in colour["hint"]
    header = stack.api(
        "POST", "publish", ids.request(["westeurope"]), {"Idempotency-Key": "bad key!"}
    )
    assert_error(header, 400, "ValidationFailed")


def test_unknown_runs_are_404(stack: Stack) -> None:
    assert_error(stack.api("GET", "runs/no-such-run"), 404, "NotFound")
    assert_error(stack.api("POST", "runs/no-such-run/approve"), 404, "NotFound")
    assert_error(stack.api("GET", "runs?status=bogus"), 400, "ValidationFailed")


# ---- publish, idempotency, conflicts, approvals --------------------------------------------


def test_publish_runs_to_success_and_the_summary_is_readable(stack: Stack, ids: DemoIds) -> None:
    target = definition(stack, ids, "e2e-happy")
    request = target.request(["westeurope", "eastus"])
    # Four clients send the same request with the same key at once: one run for all.
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: stack.api("POST", "publish", request, {"Idempotency-Key": "happy-1"}),
                range(4),
            )
        )
    assert {a.status_code for a in answers} <= {200, 202}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    started = next(a for a in answers if a.status_code == 202)
    run_id = started.json()["id"]
    assert started.json()["links"]["self"] == f"/api/runs/{run_id}"
    again = stack.api("POST", "publish", request, {"Idempotency-Key": "happy-1"})
    assert again.status_code == 200 and again.json()["id"] == run_id and again.json()["existing"]
    in_body = stack.api("POST", "publish", {**request, "idempotency_key": "happy-1"})
    assert in_body.status_code == 200 and in_body.json()["id"] == run_id  # the same body
    # The same key with another body is not the same publish: 409 naming the run.
    other = stack.api(
        "POST", "publish", target.request(["westeurope"]), {"Idempotency-Key": "happy-1"}
    )
    reused = assert_error(other, 409, "IdempotencyKeyReused")
    assert run_id in reused["message"] and reused["details"][0]["hint"] == f"GET /api/runs/{run_id}"

    summary = summary_until(stack, run_id, ("succeeded", "failed", "partially_succeeded"))
    assert summary["state"] == "succeeded", summary
    assert summary["version"] == "1.0.0" and summary["step"] == "done"
    assert set(summary["regions"]) == {"westeurope", "eastus"}
    assert summary["result"]["latest"] == {"westeurope": "1.0.0", "eastus": "1.0.0"}
    text = json.dumps(summary)
    for secret in (
        stack.keys["masterKey"],
        stack.keys["functionKeys"]["default"],
        "webhooks",
        "code=",
    ):
        assert secret not in text

    listed = stack.api("GET", "runs?definition=e2e-happy&status=succeeded").json()["runs"]
    assert [r["id"] for r in listed] == [run_id]
    assert_error(stack.api("POST", f"runs/{run_id}/cancel"), 409, "RunFinished")


def test_second_publish_for_a_busy_definition_is_409_and_approval_finishes_it(
    stack: Stack, ids: DemoIds
) -> None:
    target = definition(stack, ids, "e2e-waves")
    request = target.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    waiting = summary_until(stack, run_id, ("awaiting_approval", "failed"))
    assert waiting["state"] == "awaiting_approval", waiting

    conflict = assert_error(stack.api("POST", "publish", request), 409, "RunInProgress")
    assert run_id in conflict["message"]
    assert_error(stack.api("POST", f"runs/{run_id}/approve", {"by": "ann", "extra": 1}), 400)

    assert stack.api("POST", f"runs/{run_id}/approve", {"by": "ann"}).status_code == 202
    done = summary_until(stack, run_id, ("succeeded", "failed", "partially_succeeded"))
    assert done["state"] == "succeeded", done
    # The identity is the caller (here the function key); the body's `by` is only a note.
    assert any("approved by function key (note: ann)" in line for line in done["log"]), done
    approved = [a for a in done["audit"] if a["action"] == "approved"]
    assert approved == [
        {
            "action": "approved",
            "by": {"id": "function-key", "name": "function key", "provider": "functionkey"},
            "at": approved[0]["at"],
            "wave": 2,
            "note": "ann",
        }
    ], done["audit"]


def test_approve_before_the_gate_is_409_and_the_run_still_waits_for_a_real_approval(
    stack: Stack, ids: DemoIds
) -> None:
    target = definition(stack, ids, "e2e-early")
    request = target.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    stack.hold_clock(True)  # replication cannot finish while the clock is held
    try:
        run_id = stack.api("POST", "publish", request).json()["id"]
        replicating = summary_until(stack, run_id, ("running",))
        stack.wait_for_run(
            run_id, until=lambda s: (s.get("customStatus") or {}).get("step") == "replicate"
        )
        # Sent while the first wave replicates: refused, not buffered for the later gate.
        for event in ("approve", "reject"):
            early = assert_error(
                stack.api("POST", f"runs/{run_id}/{event}", {"by": "mallory"}),
                409,
                "NotAwaitingApproval",
            )
            assert "is running (step replicate)" in early["message"], early
            assert "awaiting_approval" in early["message"] and run_id in early["message"]
    finally:
        stack.hold_clock(False)
    assert replicating["state"] == "running"
    waiting = summary_until(stack, run_id, ("awaiting_approval", "succeeded", "failed"))
    assert waiting["state"] == "awaiting_approval", waiting
    assert waiting["waves"]["current"] == 1, waiting
    assert stack.api("POST", f"runs/{run_id}/approve", {"by": "dave"}).status_code == 202
    done = summary_until(stack, run_id, ("succeeded", "failed", "partially_succeeded"))
    assert done["state"] == "succeeded", done
    approvals = [line for line in done["log"] if "approved by" in line]
    assert approvals and all("note: dave" in line for line in approvals), done["log"]


def test_a_forged_principal_header_is_ignored_while_easy_auth_is_off(
    stack: Stack, ids: DemoIds
) -> None:
    # Easy Auth is off in this stack: nothing vouches for X-MS-CLIENT-PRINCIPAL, so the
    # caller is the function-key holder whatever the header claims.
    target = definition(stack, ids, "e2e-forged")
    request = target.production_request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    forged_publisher = as_user("mallory", "publisher")
    run_id = stack.api("POST", "publish", request, headers=forged_publisher).json()["id"]
    waiting = summary_until(stack, run_id, ("awaiting_approval", "failed"))
    assert waiting["audit"][0]["by"]["name"] == "function key", waiting["audit"]
    # A forged approver is still the key that started this production run.
    forged_approver = as_user("zed-forger", "approver")
    refused = stack.api("POST", f"runs/{run_id}/approve", headers=forged_approver)
    error = assert_error(refused, 403, "SeparationOfDuties")
    assert "function key" in error["message"] and "zed-forger" not in error["message"]
    assert "ignored x-ms-client-principal on /api/publish" in stack.host.log_path.read_text()
    assert stack.api("POST", f"runs/{run_id}/cancel").status_code == 202
    # wave 1 is live: cancel keeps it and stops wave 2 (rule 1)
    summary_until(stack, run_id, ("partially_succeeded", "canceled", "failed"))


def test_cancel_ends_a_waiting_run(stack: Stack, ids: DemoIds) -> None:
    target = definition(stack, ids, "e2e-cancel")
    # approval before the only wave: nothing is live yet, so the run ends canceled
    request = target.request(
        ["westeurope", "eastus"], rollout={"mode": "all_at_once", "approval": True}
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    summary_until(stack, run_id, ("awaiting_approval",))
    assert stack.api("POST", f"runs/{run_id}/cancel", {"by": "bob"}).status_code == 202
    done = summary_until(stack, run_id, ("canceled", "failed", "succeeded"))
    assert done["state"] == "canceled", done
    assert "cancelled by function key (note: bob)" in done["error"]["message"], done
    assert [a["action"] for a in done["audit"]] == ["started", "cancelled"], done["audit"]


def test_reject_fails_the_run_and_leaves_the_version_out_of_latest(
    stack: Stack, ids: DemoIds
) -> None:
    target = definition(stack, ids, "e2e-reject")
    request = target.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    summary_until(stack, run_id, ("awaiting_approval",))
    answer = stack.api("POST", f"runs/{run_id}/reject", {"by": "carol", "comment": "smoke failed"})
    assert answer.status_code == 202 and answer.json() == {"id": run_id, "event": "reject"}
    done = summary_until(stack, run_id, ("failed", "succeeded", "canceled"))
    assert done["state"] == "failed" and "Rejected" in done["error"]["message"], done
    profile = stack.versions(target)[done["version"]]["properties"]["publishingProfile"]
    assert profile["excludeFromLatest"] is True
    assert_error(stack.api("POST", f"runs/{run_id}/approve"), 409, "RunFinished")


# ---- rollback and prune ---------------------------------------------------------------------


def test_rollback_and_prune_routes(stack: Stack, ids: DemoIds) -> None:
    target = definition(stack, ids, "e2e-maint")
    for key in ("m1", "m2"):
        run_id = stack.api(
            "POST", "publish", target.request(["westeurope"]), {"Idempotency-Key": key}
        ).json()["id"]
        assert summary_until(stack, run_id, ("succeeded", "failed"))["state"] == "succeeded"
    gallery = {k: v for k, v in target.gallery.items() if k != "subscription_id"}

    assert_error(
        stack.api("POST", "rollback", {"gallery": gallery, "image_definition": "e2e-maint"}), 400
    )
    rollback = stack.api(
        "POST",
        "rollback",
        {"gallery": gallery, "image_definition": "e2e-maint", "version": "1.0.1"},
    )
    # A rollback finishes within the request's short wait: 200 with the run summary.
    assert rollback.status_code == 200, rollback.text
    answered = rollback.json()
    assert answered["state"] == "succeeded" and answered["finished"] is True, answered
    assert answered["result"]["before"] == {"westeurope": "1.0.1"}
    assert answered["result"]["after"] == {"westeurope": "1.0.0"}
    assert answered["links"]["self"] == f"/api/runs/{answered['id']}"
    rolled = summary_until(stack, answered["id"], ("succeeded", "failed"))
    assert rolled["kind"] == "rollback" and rolled["state"] == "succeeded", rolled
    assert rolled["definition"].endswith("/images/e2e-maint")
    # Taking 1.0.0 out too would leave westeurope without a latest: a clear 409, no change.
    refused = assert_error(
        stack.api(
            "POST",
            "rollback",
            {"gallery": gallery, "image_definition": "e2e-maint", "version": "1.0.0"},
        ),
        409,
        "RollbackRefused",
    )
    assert "nothing was changed" in refused["message"]
    assert "westeurope would have no latest version left" in refused["message"]
    regions = {d["path"]: d["message"] for d in refused["details"]}
    assert regions["latest.westeurope"] == "latest before 1.0.0, after none", refused
    listed_runs = stack.api("GET", "runs?definition=e2e-maint").json()["runs"]
    assert [r["kind"] for r in listed_runs].count("rollback") == 2
    assert [r["kind"] for r in listed_runs].count("publish") == 2
    profile = stack.versions(target)["1.0.1"]["properties"]["publishingProfile"]
    assert profile["excludeFromLatest"] is True

    route = f"galleries/{gallery['name']}/images/e2e-maint/versions?resource_group=rg-images"
    listed = stack.api("GET", route).json()
    assert [v["name"] for v in listed["versions"]] == ["1.0.0", "1.0.1"]
    assert listed["latest"] == {"westeurope": "1.0.0"}
    assert listed["versions"][1]["exclude_from_latest"] is True
    # A VM built from 1.0.0 makes it in use (read through the VMs' imageReference).
    stack.arm_control(
        "POST",
        "vms",
        {
            "subscription_id": target.gallery["subscription_id"],
            "resource_group": "rg-apps",
            "name": "vm-from-maint",
            "location": "westeurope",
            "image_reference_id": (
                f"/subscriptions/{target.gallery['subscription_id']}/resourceGroups/rg-images"
                f"/providers/Microsoft.Compute/galleries/{gallery['name']}"
                "/images/e2e-maint/versions/1.0.0"
            ),
        },
    )
    in_use = stack.api("GET", route).json()["versions"]
    assert [(v["name"], v["in_use"]) for v in in_use] == [("1.0.0", True), ("1.0.1", False)]
    assert_error(stack.api("GET", route.replace("e2e-maint", "no-such-def")), 404, "NotFound")
    assert_error(stack.api("GET", route.split("?")[0]), 400, "ValidationFailed")


def test_versions_route_is_503_with_retry_after_while_azure_throttles(
    stack: Stack, ids: DemoIds
) -> None:
    # Outlasts azure-core's retries in the stack (one retry, after Retry-After).
    stack.arm_control(
        "POST",
        "faults",
        {
            "kind": "http",
            "status": 429,
            "method": "GET",
            "path": "/images/e2e-throttled/versions",
            "retry_after": 1,
            "times": 2,
        },
    )
    route = (
        f"galleries/{ids.gallery['name']}/images/e2e-throttled/versions?resource_group=rg-images"
    )
    answer = stack.api("GET", route)
    throttled = assert_error(answer, 503, "AzureUnavailable")
    assert answer.headers["Retry-After"] == "1"
    assert "TooManyRequests" in throttled["message"] or "429" in throttled["message"], throttled
    assert stack.api("GET", route).status_code == 404  # the fault is spent: a real answer


def test_prune_route_plans_a_dry_run(stack: Stack, ids: DemoIds) -> None:
    target = definition(stack, ids, "e2e-prune")
    run_id = stack.api("POST", "publish", target.request(["westeurope"])).json()["id"]
    assert summary_until(stack, run_id, ("succeeded", "failed"))["state"] == "succeeded"
    gallery = {k: v for k, v in target.gallery.items() if k != "subscription_id"}
    bad = {"gallery": gallery, "image_definition": "e2e-prune", "apply": "yes"}
    assert_error(stack.api("POST", "prune", bad), 400)
    prune = stack.api("POST", "prune", {"gallery": gallery, "image_definition": "e2e-prune"})
    assert prune.status_code == 200, prune.text
    assert prune.json()["state"] == "succeeded" and prune.json()["result"]["applied"] is False
    planned = summary_until(stack, prune.json()["id"], ("succeeded", "failed"))
    assert planned["kind"] == "prune" and planned["state"] == "succeeded", planned["error"]
    assert planned["result"]["applied"] is False


def test_rollback_and_prune_are_409_while_a_prune_holds_the_definition(
    stack: Stack, ids: DemoIds
) -> None:
    target = definition(stack, ids, "e2e-busy")
    gallery = {k: v for k, v in target.gallery.items() if k != "subscription_id"}
    # Throttle the prune's version listing (azure-core waits out each Retry-After) so the
    # first prune run stays live for a few wall seconds.
    stack.arm_control(
        "POST",
        "faults",
        {
            "kind": "http",
            "status": 429,
            "method": "GET",
            "path": "/images/e2e-busy/versions",
            "retry_after": 3,
            "times": 3,
        },
    )
    first = stack.api("POST", "prune", {"gallery": gallery, "image_definition": "e2e-busy"})
    assert first.status_code == 202, first.text
    first_id = first.json()["id"]
    for body in (
        {"gallery": gallery, "image_definition": "e2e-busy"},
        {"gallery": gallery, "image_definition": "e2e-busy", "apply": True},
    ):
        busy = assert_error(stack.api("POST", "prune", body), 409, "RunInProgress")
        assert first_id in busy["message"]
    rollback = {"gallery": gallery, "image_definition": "e2e-busy", "version": "1.0.0"}
    busy = assert_error(stack.api("POST", "rollback", rollback), 409, "RunInProgress")
    assert busy["details"][0]["hint"] == f"GET /api/runs/{first_id}"
    # A publish is refused too while the prune holds the definition (issue #15 item 3).
    publish = assert_error(
        stack.api("POST", "publish", target.request(["westeurope"])), 409, "RunInProgress"
    )
    assert first_id in publish["message"]
    # A prune run takes cancel while it prunes (passed on to its prune_apply child, which
    # stops before its next version): it ends canceled, naming what it did.
    assert stack.api("POST", f"runs/{first_id}/cancel").status_code == 202
    done = summary_until(stack, first_id, ("succeeded", "failed", "canceled"))
    assert done["state"] == "canceled", done
    assert "Cancelled: cancelled by function key" in done["error"]["message"], done
    runs = stack.api("GET", "runs?definition=e2e-busy").json()["runs"]
    assert [r["id"] for r in runs] == [first_id]


# ---- Azure DevOps: agentless task in callback mode ------------------------------------------


def task_headers(fake: DevOpsFake, job: str, plan_url: str | None = None) -> dict[str, str]:
    return {
        "PlanUrl": plan_url or fake.plan_url,
        "ProjectId": "proj-1",
        "HubName": "release",
        "PlanId": f"plan-{job}",
        "JobId": f"job-{job}",
        "TimelineId": f"timeline-{job}",
        "TaskInstanceId": f"task-{job}",
        "AuthToken": fake.token,
    }


def of_plan(requests_seen: list[dict[str, Any]], job: str) -> list[dict[str, Any]]:
    return [r for r in requests_seen if r.get("plan") == f"plan-{job}"]


def completed(job: str):
    return lambda seen: any(r["kind"] == "event" and r["status"] == 200 for r in of_plan(seen, job))


def test_devops_task_runs_a_publish_and_reports_success_with_log_lines(
    stack: Stack, ids: DemoIds, fake: DevOpsFake
) -> None:
    target = definition(stack, ids, "e2e-devops-ok")
    headers = task_headers(fake, "ok")
    answer = stack.api("POST", "devops/task", target.request(["westeurope"]), headers)
    assert answer.status_code == 200, answer.text
    assert fake.token not in answer.text
    run_id = answer.json()["run_id"]
    rejoined = stack.api("POST", "devops/task", target.request(["westeurope"]), headers)
    assert rejoined.json() == {**answer.json(), "joined": True}

    seen = of_plan(fake.wait_for(completed("ok"), timeout=120), "ok")
    events = [r for r in seen if r["kind"] == "event"]
    assert len(events) == 1 and events[0]["authorized"]  # the early re-send did not double it
    assert events[0]["body"] == {
        "name": "TaskCompleted",
        "taskId": "task-ok",
        "jobId": "job-ok",
        "result": "succeeded",
    }
    lines = [line for r in seen if r["kind"] == "feed" for line in r["body"]["value"]]
    assert lines and lines[-1].startswith(f"galleryflow run {run_id} succeeded")
    assert lines[0] == f"galleryflow run {run_id}: GET /api/runs/{run_id}"
    watcher_id = devops_watch_instance_id("plan-ok", "job-ok")
    assert_error(stack.api("GET", f"runs/{watcher_id}"), 404)  # internal, not a run
    # The job is retried after the run ended: it joins the run and is told again.
    again = stack.api("POST", "devops/task", target.request(["westeurope"]), headers)
    assert again.json()["run_id"] == run_id and again.json()["joined"]
    twice = lambda seen: len([r for r in of_plan(seen, "ok") if r["kind"] == "event"]) == 2  # noqa: E731
    fake.wait_for(twice, timeout=60)
    assert all(
        r["record"] == "job-ok" and r["timeline"] == "timeline-ok"
        for r in seen
        if r["kind"] == "feed"
    )
    assert stack.api("GET", f"runs/{run_id}").json()["state"] == "succeeded"


def test_devops_task_can_name_a_configured_pipeline(
    stack: Stack, ids: DemoIds, fake: DevOpsFake
) -> None:
    definition(stack, ids, "e2e-byname")
    headers = task_headers(fake, "byname")
    unknown = stack.api("POST", "devops/task", {"pipeline": "nope"}, headers)
    assert "by-name" in assert_error(unknown, 400)["details"][0]["hint"]
    answer = stack.api("POST", "devops/task", {"pipeline": "by-name"}, headers)
    assert answer.status_code == 200, answer.text
    seen = of_plan(fake.wait_for(completed("byname"), timeout=120), "byname")
    (event,) = [r for r in seen if r["kind"] == "event"]
    assert event["body"]["result"] == "succeeded"
    summary = stack.api("GET", f"runs/{answer.json()['run_id']}").json()
    assert summary["definition"].endswith("/images/e2e-byname")


def test_devops_task_reports_a_failed_publish(stack: Stack, ids: DemoIds, fake: DevOpsFake) -> None:
    target = definition(stack, ids, "e2e-devops-fail")
    missing_vm = ids.vm_id.rsplit("/", 1)[0] + "/no-such-vm"
    answer = stack.api(
        "POST",
        "devops/task",
        target.request(["westeurope"], source_vm_id=missing_vm),
        task_headers(fake, "fail"),
    )
    assert answer.status_code == 200, answer.text
    seen = of_plan(fake.wait_for(completed("fail"), timeout=120), "fail")
    (event,) = [r for r in seen if r["kind"] == "event"]
    assert event["body"]["result"] == "failed"
    lines = [line for r in seen if r["kind"] == "feed" for line in r["body"]["value"]]
    assert any("failed" in line for line in lines)


def test_devops_task_refuses_plan_urls_outside_the_allow_list(
    stack: Stack, ids: DemoIds, fake: DevOpsFake
) -> None:
    before = len(fake.requests())
    target = definition(stack, ids, "e2e-devops-ssrf")
    port = fake.url.rsplit(":", 1)[1]
    for plan_url in (
        f"https://localhost:{port}/org/",
        "http://127.0.0.1/org/",
        "https://169.254.169.254/",
    ):
        answer = stack.api(
            "POST",
            "devops/task",
            target.request(["westeurope"]),
            task_headers(fake, "ssrf", plan_url),
        )
        assert_error(answer, 400, "PlanUrlNotAllowed")
    missing = {k: v for k, v in task_headers(fake, "ssrf").items() if k != "AuthToken"}
    assert_error(stack.api("POST", "devops/task", target.request(["westeurope"]), missing), 400)
    assert stack.api("GET", "runs?definition=e2e-devops-ssrf").json()["runs"] == []
    assert len(fake.requests()) == before


def test_a_lost_callback_is_logged_loudly_without_the_token(
    stack: Stack, ids: DemoIds, fake: DevOpsFake
) -> None:
    target = definition(stack, ids, "e2e-devops-lost")
    fake.fail_next(500, count=4, kind="event")  # every attempt of the client fails
    answer = stack.api(
        "POST", "devops/task", target.request(["westeurope"]), task_headers(fake, "lost")
    )
    assert answer.status_code == 200, answer.text
    attempts = lambda seen: len([r for r in of_plan(seen, "lost") if r["kind"] == "event"]) == 4  # noqa: E731
    seen = of_plan(fake.wait_for(attempts, timeout=120), "lost")
    assert [r["status"] for r in seen if r["kind"] == "event"] == [500] * 4
    watcher = stack.wait_for_run(devops_watch_instance_id("plan-lost", "job-lost"), timeout=60)
    assert watcher["output"]["delivered"] is False
    log = (stack.state_dir / "host.log").read_text(errors="replace")
    assert "LOST DevOps callback: TaskCompleted" in log and "plan-lost" in log
    assert fake.token not in log and HOOK_SECRET not in log


def test_a_watched_run_that_vanished_releases_the_job_as_failed(
    stack: Stack, fake: DevOpsFake
) -> None:
    task = {
        "plan_url": fake.plan_url,
        "project_id": "proj-1",
        "hub_name": "release",
        "plan_id": "plan-gone",
        "job_id": "job-gone",
        "timeline_id": "timeline-gone",
        "task_instance_id": "task-gone",
        "auth_token": fake.token,
    }
    stack.start_orchestration("devops_callback", {"run_id": "pub-gone", "task": task, "seen": []})
    seen = of_plan(fake.wait_for(completed("gone"), timeout=60), "gone")
    (event,) = [r for r in seen if r["kind"] == "event"]
    assert event["body"]["result"] == "failed"
    lines = [line for r in seen if r["kind"] == "feed" for line in r["body"]["value"]]
    assert lines[-1] == "galleryflow run pub-gone no longer exists"


# ---- Azure DevOps: service hooks ------------------------------------------------------------


def post_hook(stack: Stack, event: dict[str, Any], **headers: str) -> requests.Response:
    return raw(
        stack,
        "POST",
        "devops/hook",
        json.dumps(event).encode(),
        **{"Content-Type": "application/json", **headers},
    )


def test_service_hook_needs_the_secret(stack: Stack) -> None:
    event = json.loads((PAYLOADS / "git.push.json").read_text())
    assert_error(post_hook(stack, event), 401, "Unauthorized")
    assert_error(post_hook(stack, event, **{"X-Galleryflow-Hook-Secret": "wrong"}), 401)
    ignored = post_hook(stack, event, **{"X-Galleryflow-Hook-Secret": HOOK_SECRET})
    assert ignored.status_code == 202 and ignored.json()["handled"] is False


def test_a_hook_delivered_three_times_starts_one_run(stack: Stack, ids: DemoIds) -> None:
    definition(stack, ids, "e2e-hook")
    event = json.loads((PAYLOADS / "ms.vss-pipelines.run-state-changed-event.json").read_text())

    basic = "Basic " + base64.b64encode(f"devops:{HOOK_SECRET}".encode()).decode()
    answers = [post_hook(stack, event, Authorization=basic) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    run_ids = {a.json()["runs"][0]["run_id"] for a in answers}
    assert len(run_ids) == 1
    assert [a.json()["runs"][0]["existing"] for a in answers] == [False, True, True]
    (run_id,) = run_ids
    assert summary_until(stack, run_id, ("succeeded", "failed"))["state"] == "succeeded"
    assert [r["id"] for r in stack.api("GET", "runs?definition=e2e-hook").json()["runs"]] == [
        run_id
    ]


def test_no_secret_reached_the_host_log(stack: Stack, fake: DevOpsFake) -> None:
    log = (stack.state_dir / "host.log").read_text(errors="replace")
    for secret in (fake.token, HOOK_SECRET, stack.keys["masterKey"]):
        assert secret not in log
