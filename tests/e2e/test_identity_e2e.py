"""Who may do what, through the HTTP API on the sandbox with the host standing in for Easy
Auth: roles per route, separation of duties on production runs, cancel ownership, and the
run's audit (summary, events, log) naming the authenticated principals."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.stack import EASY_AUTH_SETTINGS, DemoIds, Stack, as_user, start_stack

pytestmark = pytest.mark.slow

PUBLISHER = as_user("pat", "publisher")
OTHER_PUBLISHER = as_user("quinn", "publisher")
APPROVER = as_user("alice", "approver")
OPERATOR = as_user("otto", "operator")
READER = as_user("rita", "reader")
WAVES = {"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("identity"), settings=EASY_AUTH_SETTINGS)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def ids(stack: Stack) -> DemoIds:
    return stack.seed_demo()


def call(
    stack: Stack, headers: dict[str, str] | None, method: str, route: str, body: Any = None
) -> requests.Response:
    """An HTTP API call with no function key: the principal header is the credential."""
    return requests.request(
        method,
        f"{stack.host.url}/api/{route}",
        json=body,
        headers=headers or {},
        timeout=30,
    )


def error_code(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


def summary_until(stack: Stack, run_id: str, states: tuple[str, ...]) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        summary = call(stack, READER, "GET", f"runs/{run_id}").json()
        return summary if summary["state"] in states else None

    return dict(stack.wait_until(reached, timeout=180, what=f"run {run_id} in {states}"))


def test_people_must_sign_in_and_a_bad_principal_is_refused(stack: Stack) -> None:
    assert error_code(call(stack, None, "GET", "runs"), 401) == "SignInRequired"
    garbled = {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(b"[1, 2]").decode()}
    assert call(stack, garbled, "GET", "runs").status_code == 401
    assert call(stack, None, "GET", "health").status_code == 200
    assert call(stack, READER, "GET", "runs").status_code == 200
    assert call(stack, as_user("nobody"), "GET", "runs").status_code == 403


def test_a_reader_cannot_publish(stack: Stack, ids: DemoIds) -> None:
    answer = call(stack, READER, "POST", "publish", ids.request(["westeurope"]))
    assert error_code(answer, 403) == "RoleRequired"
    assert "publisher" in answer.json()["error"]["message"]
    assert "rita" in answer.json()["error"]["message"]


def test_the_publisher_cannot_approve_their_own_production_run_an_approver_can(
    stack: Stack, ids: DemoIds
) -> None:
    request = stack.add_definition(ids, "id-sod").production_request(
        ["westeurope", "eastus"], rollout=WAVES
    )
    both = as_user("pat", "publisher", "approver")  # pat holds both roles, still refused
    run_id = call(stack, both, "POST", "publish", request).json()["id"]
    summary_until(stack, run_id, ("awaiting_approval",))

    refused = call(stack, both, "POST", f"runs/{run_id}/approve", {"by": "pat"})
    assert error_code(refused, 403) == "SeparationOfDuties"
    assert "GALLERYFLOW_SEPARATION_OF_DUTIES" in refused.json()["error"]["message"]
    assert error_code(call(stack, both, "POST", f"runs/{run_id}/reject"), 403) == (
        "SeparationOfDuties"
    )
    assert error_code(call(stack, PUBLISHER, "POST", f"runs/{run_id}/approve"), 403) == (
        "RoleRequired"
    )
    approved = call(stack, APPROVER, "POST", f"runs/{run_id}/approve", {"by": "forged-name"})
    assert approved.status_code == 202, approved.text

    done = summary_until(stack, run_id, ("succeeded", "failed", "partially_succeeded"))
    assert done["state"] == "succeeded", done
    trail = [(a["action"], a["by"]["name"], a["by"]["id"]) for a in done["audit"]]
    assert trail == [("started", "pat", "sandbox-pat"), ("approved", "alice", "sandbox-alice")]
    assert any("approved by alice (note: forged-name)" in line for line in done["log"])

    events = {e["type"]: e["data"] for e in stack.events(run_id)}
    assert events["galleryflow.run-started.v1"]["started_by"]["name"] == "pat"
    assert events["galleryflow.approved.v1"]["by"]["name"] == "alice"
    assert events["galleryflow.approved.v1"]["wave"] == 2
    log = stack.host.log_path.read_text()
    assert f"publish run {run_id} started" in log and "by pat (sandbox-pat)" in log
    assert f"approve raised on run {run_id} by alice (sandbox-alice)" in log


def test_a_publisher_cancels_only_their_own_runs_an_operator_any(
    stack: Stack, ids: DemoIds
) -> None:
    target = stack.add_definition(ids, "id-cancel")
    request = target.request(["westeurope", "eastus"], rollout=WAVES)
    run_id = call(stack, PUBLISHER, "POST", "publish", request).json()["id"]
    summary_until(stack, run_id, ("awaiting_approval",))
    answer = call(stack, OTHER_PUBLISHER, "POST", f"runs/{run_id}/cancel")
    assert error_code(answer, 403) == "NotYourRun"
    assert "started by pat" in answer.json()["error"]["message"]
    assert call(stack, OPERATOR, "POST", f"runs/{run_id}/cancel").status_code == 202
    done = summary_until(stack, run_id, ("canceled", "failed", "succeeded", "partially_succeeded"))
    # rule 1: the first wave is live, so the cancel stops the second and keeps the first
    assert done["state"] == "partially_succeeded", done
    assert [(a["action"], a["by"]["name"]) for a in done["audit"]] == [
        ("started", "pat"),
        ("cancelled", "otto"),
    ]


def test_rollback_needs_an_operator_and_records_who(stack: Stack, ids: DemoIds) -> None:
    target = stack.add_definition(ids, "id-rollback")
    first = call(stack, PUBLISHER, "POST", "publish", target.request(["westeurope"]))
    summary_until(stack, first.json()["id"], ("succeeded",))
    second = call(stack, PUBLISHER, "POST", "publish", target.request(["westeurope"]))
    version = summary_until(stack, second.json()["id"], ("succeeded",))["version"]
    body = {"gallery": target.gallery, "image_definition": target.definition, "version": version}
    assert error_code(call(stack, PUBLISHER, "POST", "rollback", body), 403) == "RoleRequired"
    answer = call(stack, OPERATOR, "POST", "rollback", body)
    assert answer.status_code == 200, answer.text
    trail = [(a["action"], a["by"]["name"]) for a in answer.json()["audit"]]
    assert trail == [("started", "otto"), ("rolled_back", "otto")]
    rolled = [e for e in stack.events() if e["type"] == "galleryflow.rolled-back.v1"]
    assert rolled and rolled[-1]["data"]["by"]["name"] == "otto"


def test_devops_routes_stay_on_function_keys(stack: Stack) -> None:
    # Machine routes keep the Functions host's key check even with Easy Auth on.
    answer = call(stack, as_user("pat", "publisher"), "POST", "devops/task", {})
    assert answer.status_code == 401


def ops(stack: Stack, *args: str) -> Any:
    """The operator CLI against this stack, no function key: identity from `--as`."""
    from typer.testing import CliRunner

    from sandbox.cli import app

    env = {"GALLERYFLOW_URL": stack.host.url, "GALLERYFLOW_KEY": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["ops", *args], env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_the_operator_cli_calls_as_a_sandbox_identity(
    stack: Stack, ids: DemoIds, tmp_path: Any
) -> None:
    target = stack.add_definition(ids, "id-cli")
    request = tmp_path / "request.json"
    request.write_text(json.dumps(target.request(["westeurope", "eastus"], rollout=WAVES)))
    refused = ops(stack, "--as", "rita:reader", "publish", str(request))
    assert refused.exit_code == 1 and "RoleRequired" in refused.output, refused.output
    started = ops(stack, "--as", "pat:publisher", "publish", str(request), "--json")
    assert started.exit_code == 0, started.output
    run_id = json.loads(started.output)["id"]
    summary_until(stack, run_id, ("awaiting_approval",))
    approved = ops(stack, "--as", "alice:approver", "runs", "approve", run_id, "--by", "cli")
    assert approved.exit_code == 0, approved.output
    done = summary_until(stack, run_id, ("succeeded", "failed"))
    assert [(a["action"], a["by"]["name"]) for a in done["audit"]] == [
        ("started", "pat"),
        ("approved", "alice"),
    ]
    bad = ops(stack, "--as", "alice:admin", "runs", "list")
    assert bad.exit_code == 1 and "NAME:ROLE" in bad.output, bad.output
    unsigned = ops(stack, "runs", "list")
    assert unsigned.exit_code == 1 and "SignInRequired" in unsigned.output, unsigned.output
