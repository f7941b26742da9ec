"""`python -m sandbox ops ...` in-process (typer's CliRunner) against the real sandbox stack.

One stack for the module; each test works on its own image definition so runs do not see
each other. Runs end because the host's simulated time jumps ahead; the CLI only polls.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from galleryflow.api.changes import CHANGE_ROUTES
from galleryflow.cli.change_commands import ROUTES
from sandbox.cli import app
from sandbox.stack import DemoIds, Stack
from tests.orchestration.test_mirrors import _failing_mirror

pytestmark = pytest.mark.slow

DAY = 86_400
WATCH = ["--interval", "0.05", "--timeout", "60"]


@pytest.fixture(scope="module")
def ids(sandbox_stack: Stack) -> DemoIds:
    return sandbox_stack.seed_demo()


def ops(
    stack: Stack, *args: str, key: str | None = None, stdin: str | None = None, **env: str
) -> Result:
    """Run `ops <args>` with the stack's URL and function key in the environment."""
    environ = {
        "GALLERYFLOW_URL": stack.host.url,
        "GALLERYFLOW_KEY": key if key is not None else stack.keys["functionKeys"]["default"],
        "COLUMNS": "200",
        **env,
    }
    result = CliRunner().invoke(
        app, ["ops", *args], input=stdin, env=environ, catch_exceptions=False
    )
    assert "Traceback" not in result.output
    return result


def new_definition(stack: Stack, ids: DemoIds, name: str) -> DemoIds:
    return stack.add_definition(ids, name)


def where(target: DemoIds) -> list[str]:
    return [
        "--gallery-rg",
        target.gallery["resource_group"],
        "--gallery",
        target.gallery["name"],
        "--definition",
        target.definition,
    ]


def request_file(tmp_path: Path, body: dict[str, Any]) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    return str(path)


def exclude_flags(stack: Stack, target: DemoIds, version: str) -> tuple[bool, dict[str, bool]]:
    profile = stack.versions(target)[version]["properties"]["publishingProfile"]
    return profile["excludeFromLatest"], {
        t["name"].replace(" ", "").lower(): t.get("excludeFromLatest")
        for t in profile["targetRegions"]
    }


def publish_and_wait(stack: Stack, target: DemoIds, regions: list[str]) -> str:
    run_id = str(stack.api("POST", "publish", target.request(regions)).json()["id"])
    status = stack.wait_for_run(run_id)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    return run_id


# ---- publish, runs list/show ------------------------------------------------------------


def test_publish_watch_to_success_then_list_and_show(
    sandbox_stack: Stack, ids: DemoIds, tmp_path: Path
) -> None:
    target = new_definition(sandbox_stack, ids, "cli-happy")
    path = request_file(tmp_path, target.request(["westeurope", "eastus"]))

    # FORCE_COLOR makes rich treat the runner's output as a terminal: the live view runs.
    result = ops(
        sandbox_stack,
        "publish",
        path,
        "--idempotency-key",
        "cli-1",
        "--watch",
        *WATCH,
        FORCE_COLOR="1",
    )

    assert result.exit_code == 0, result.output
    assert "started publish run" in result.output and "succeeded: 1.0.0" in result.output
    assert "\n  capturing vm-build" not in result.output  # no line-by-line log: the live view
    assert exclude_flags(sandbox_stack, target, "1.0.0") == (
        False,
        {"westeurope": False, "eastus": False},
    )

    listed = ops(sandbox_stack, "runs", "list", "--definition", "cli-happy", "--json")
    assert listed.exit_code == 0, listed.output
    runs = json.loads(listed.stdout)
    assert [(r["kind"], r["state"], r["version"]) for r in runs] == [
        ("publish", "succeeded", "1.0.0")
    ]
    run_id = runs[0]["id"]
    table = ops(sandbox_stack, "runs", "list", "--status", "succeeded")
    assert run_id in table.output and "cli-happy" in table.output

    shown = ops(sandbox_stack, "runs", "show", run_id)
    assert shown.exit_code == 0
    for text in (run_id, "succeeded", "westeurope", "Promoted", "version 1.0.0"):
        assert text in shown.output
    assert "galleries" not in shown.output  # no mirrors: no per-gallery section
    as_json = json.loads(ops(sandbox_stack, "runs", "show", run_id, "--json").stdout)
    assert as_json["result"]["latest"] == {"westeurope": "1.0.0", "eastus": "1.0.0"}

    # The same request with the same idempotency key joins the run instead of starting one.
    again = ops(sandbox_stack, "publish", path, "--idempotency-key", "cli-1", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {**json.loads(again.stdout), "id": run_id, "existing": True}
    assert (
        "joined existing publish run"
        in ops(sandbox_stack, "publish", path, "--idempotency-key", "cli-1").output
    )


def test_a_partially_succeeded_run_exits_2(
    sandbox_stack: Stack, ids: DemoIds, tmp_path: Path
) -> None:
    # Its own source VM: the promote PATCH lists the failed region again, which restarts its
    # replication (always failing here); the VM stays busy as the source of that replication
    # (docs/azure-facts.md#q2), so the next tests capture from the shared VM.
    target = sandbox_stack.seed_demo(vm_name="vm-cli-partial", definition="cli-partial")
    sandbox_stack.add_fault(kind="replication_failure", region="northeurope", version="cli-partial")
    body = target.request(
        ["westeurope", "northeurope"],
        replication={"max_region_retries": 0, "on_region_failure": "promote_completed"},
        rollout={"mode": "all_at_once"},
    )

    result = ops(sandbox_stack, "publish", request_file(tmp_path, body), "--watch", *WATCH)

    assert result.exit_code == 2, result.output
    assert "partially_succeeded" in result.output and "Failed" in result.output
    # Not a terminal: each log line is printed once as it comes, the full view at the end.
    assert result.output.count("\n  replicating to 2 region(s)\n") == 1
    assert result.output.index("  replicating to") < result.output.index("╭─ publish")
    assert exclude_flags(sandbox_stack, target, "1.0.0") == (
        True,
        {"westeurope": False, "northeurope": True},
    )


def test_a_run_with_a_failed_mirror_shows_each_gallery(
    sandbox_stack: Stack, tmp_path: Path
) -> None:
    """A mirror whose copy fails for good: the watch prints the mirror's log lines as they
    come, `runs show` has the galleries table and the mirror's regions and error; --json is
    the API's summary (its `galleries` unchanged)."""
    stack = sandbox_stack
    _, mirror, body = _failing_mirror(stack, "cli-mirrored")

    watched = ops(stack, "publish", request_file(tmp_path, body), "--watch", *WATCH)

    assert watched.exit_code == 2, watched.output  # partially_succeeded: the primary is live
    assert "\n  mirror 1: mirror version 1.0.0 created from the primary\n" in watched.output
    run_id = watched.output.split("started publish run ", 1)[1].split()[0]
    shown = ops(stack, "runs", "show", run_id)
    assert shown.exit_code == 0, shown.output
    cells = {
        row[0]: row[1:4]
        for line in shown.output.splitlines()
        if len(row := [cell.strip() for cell in line.strip("│ ").split("│")]) > 4
    }
    assert cells["primary"] == ["galDemo/cli-mirrored", "-", "2/2"]  # definition, state, live
    assert cells["mirror 1"] == ["galMirror/cli-mirrored", "failed", "0/1"]
    mirror_part = shown.output.split("mirror 1: galMirror/cli-mirrored  failed", 1)[1]
    assert mirror.subscription_id in mirror_part
    assert re.search(r"northeurope\s+│ Failed", mirror_part)  # the mirror's own regions
    assert "Injected fault: replication to this region failed" in mirror_part  # its error
    as_json = json.loads(ops(stack, "runs", "show", run_id, "--json").stdout)
    assert as_json["galleries"] == stack.api("GET", f"runs/{run_id}").json()["galleries"]
    assert as_json["galleries"]["mirrors"][0]["definition"] == stack.definition_id(mirror)


# ---- approvals and a refused maintenance run -------------------------------------------------


def test_approve_a_waved_run_and_rollback_is_refused_while_it_runs(
    sandbox_stack: Stack, ids: DemoIds, tmp_path: Path
) -> None:
    target = new_definition(sandbox_stack, ids, "cli-waves")
    body = target.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    started = ops(sandbox_stack, "publish", request_file(tmp_path, body), "--json")
    assert started.exit_code == 0, started.output
    run_id = json.loads(started.stdout)["id"]
    sandbox_stack.wait_for_run(
        run_id,
        until=lambda _s: (
            sandbox_stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval"
        ),
    )
    waiting = ops(sandbox_stack, "runs", "show", run_id)
    assert "awaiting_approval" in waiting.output and f"runs approve {run_id}" in waiting.output
    # Watching a run that waits for a person ends at the deadline with exit 3.
    gave_up = ops(sandbox_stack, "runs", "show", run_id, "--watch", "--timeout", "0")
    assert gave_up.exit_code == 3 and "still awaiting_approval" in gave_up.output

    refused = ops(sandbox_stack, "rollback", *where(target), "--version", "1.0.0")
    assert refused.exit_code == 1
    assert "HTTP 409" in refused.output and "error (RunInProgress)" in refused.stderr
    assert f"busy with run {run_id}" in refused.output

    approved = ops(sandbox_stack, "runs", "approve", run_id, "--by", "ann", "--comment", "ok")
    assert approved.exit_code == 0 and f"sent approve to run {run_id}" in approved.output
    done = ops(sandbox_stack, "runs", "show", run_id, "--watch", *WATCH)
    assert done.exit_code == 0, done.output
    assert "approved by function key (note: ann; ok)" in done.output
    assert exclude_flags(sandbox_stack, target, "1.0.0") == (
        False,
        {"westeurope": False, "eastus": False},
    )

    finished = ops(sandbox_stack, "runs", "cancel", run_id)
    assert finished.exit_code == 1
    assert "HTTP 409" in finished.output and "already ended (succeeded)" in finished.output


# ---- rollback, versions, prune ----------------------------------------------------------------


def test_rollback_shows_before_and_after_and_a_refusal(sandbox_stack: Stack, ids: DemoIds) -> None:
    target = new_definition(sandbox_stack, ids, "cli-rb")
    for _ in range(2):
        publish_and_wait(sandbox_stack, target, ["westeurope"])

    rolled = ops(sandbox_stack, "rollback", *where(target), "--version", "1.0.1", *WATCH[:2])

    assert rolled.exit_code == 0, rolled.output
    assert "rolled back 1.0.1" in rolled.output
    assert "westeurope │ 1.0.1  │ 1.0.0" in rolled.output
    assert exclude_flags(sandbox_stack, target, "1.0.1") == (True, {"westeurope": True})

    refused = ops(sandbox_stack, "rollback", *where(target), "--version", "1.0.0", *WATCH[:2])
    assert refused.exit_code == 1
    assert "rollback refused" in refused.output and "nothing was changed" in refused.output
    assert "westeurope would have no latest version left" in refused.output
    assert exclude_flags(sandbox_stack, target, "1.0.0") == (False, {"westeurope": False})

    table = ops(sandbox_stack, "versions", *where(target))
    assert table.exit_code == 0, table.output
    assert "westeurope: Completed x1 (latest)" in table.output
    assert "westeurope: Completed x1 (excluded)" in table.output
    listed = json.loads(ops(sandbox_stack, "versions", *where(target), "--json").stdout)
    assert [v["name"] for v in listed["versions"]] == ["1.0.0", "1.0.1"]
    assert listed["latest"] == {"westeurope": "1.0.0"}

    missing = ops(sandbox_stack, "versions", *where(target)[:4], "--definition", "no-such-def")
    assert missing.exit_code == 1 and "HTTP 404" in missing.output


def test_prune_dry_run_then_apply(sandbox_stack: Stack, ids: DemoIds) -> None:
    target = new_definition(sandbox_stack, ids, "cli-prune")
    old_vm = sandbox_stack.seed_demo(vm_name="vm-cli-old", power_state="deallocated").vm_id
    for name in ("0.1.0", "0.1.1", "0.1.2"):
        sandbox_stack.arm_put(
            f"{sandbox_stack.definition_id(target)}/versions/{name}",
            {
                "location": target.location,
                "properties": {
                    "publishingProfile": {
                        "targetRegions": [{"name": "westeurope", "regionalReplicaCount": 1}]
                    },
                    "storageProfile": {"source": {"virtualMachineId": old_vm}},
                },
            },
        )
        sandbox_stack.advance_clock(DAY)  # one replication per source (azure-facts.md#q2)
    sandbox_stack.advance_clock(60 * DAY)  # replicated, and old enough to go
    policy = ["--keep-last", "1", "--keep-newer-than-days", "30", "--min-good-versions", "1"]

    planned = ops(sandbox_stack, "prune", *where(target), *policy, *WATCH[:2])

    assert planned.exit_code == 0, planned.output
    assert "prune plan (dry run)" in planned.output and "add --apply" in planned.output
    rows = {
        line.split("│")[1].strip(): line for line in planned.output.splitlines() if "│ 0.1." in line
    }
    assert "delete" in rows["0.1.0"] and "delete" in rows["0.1.1"] and "keep" in rows["0.1.2"]
    assert "latest in westeurope" in rows["0.1.2"]
    assert sorted(sandbox_stack.versions(target)) == ["0.1.0", "0.1.1", "0.1.2"]

    applied = ops(sandbox_stack, "prune", *where(target), *policy, "--apply", "--json")
    assert applied.exit_code == 0, applied.output
    result = json.loads(applied.stdout)["result"]
    assert result["applied"] is True and sorted(result["deleted"]) == ["0.1.0", "0.1.1"]
    assert sorted(sandbox_stack.versions(target)) == ["0.1.2"]


# ---- errors: bad key, unreachable URL, bad input ----------------------------------------------


def test_a_bad_key_is_a_clear_error_and_no_key_is_ever_printed(sandbox_stack: Stack) -> None:
    wrong = "wrong-key-Zq81xK0"
    result = ops(sandbox_stack, "runs", "list", key=wrong)
    assert result.exit_code == 1
    assert "HTTP 401" in result.output and "--key / GALLERYFLOW_KEY" in result.output
    as_json = ops(
        sandbox_stack,
        "versions",
        "--gallery-rg",
        "rg",
        "--gallery",
        "g",
        "--definition",
        "d",
        "--json",
        key=wrong,
    )
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "Unauthorized"
    flag = ops(sandbox_stack, "runs", "show", "some-run", "--key", wrong, "--watch")
    assert flag.exit_code == 1 and "HTTP 401" in flag.output
    real = sandbox_stack.keys["functionKeys"]["default"]
    bad_body = json.dumps({"schema_version": 1, "colour": "blue", "target_regions": [{}]})
    invalid = ops(sandbox_stack, "publish", "-", stdin=bad_body)
    assert invalid.exit_code == 1
    assert "$.colour: unknown field" in invalid.output and "hint: remove it" in invalid.output
    assert "$.target_regions[0].name: is required" in invalid.output
    unknown = ops(sandbox_stack, "runs", "show", "no-such-run")
    assert unknown.exit_code == 1 and "No run with id 'no-such-run'" in unknown.output
    for output in (result.output, as_json.output, flag.output, invalid.output, unknown.output):
        assert wrong not in output and real not in output


def test_an_unreachable_url_is_a_clear_error(sandbox_stack: Stack, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    url = f"http://127.0.0.1:{port}"
    result = ops(sandbox_stack, "runs", "list", GALLERYFLOW_URL=url)
    assert result.exit_code == 1
    assert f"cannot reach galleryflow at {url}: Connection refused" in result.output
    assert "check --url / GALLERYFLOW_URL" in result.output
    as_json = ops(sandbox_stack, "runs", "show", "x", "--json", GALLERYFLOW_URL=url)
    assert json.loads(as_json.stdout)["error"]["code"] == "ConnectionFailed"
    not_http = ops(sandbox_stack, "runs", "list", GALLERYFLOW_URL="127.0.0.1:7071")
    assert not_http.exit_code == 1 and "must start with http://" in not_http.output
    missing = ops(sandbox_stack, "publish", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


# ---- version changes ------------------------------------------------------------------


def _profile(stack: Stack, ids: DemoIds, version: str) -> dict[str, Any]:
    return dict(stack.versions(ids)[version]["properties"]["publishingProfile"])


def test_the_command_calls_the_api_s_change_routes() -> None:
    assert {kind.value: route.route for kind, route in CHANGE_ROUTES.items()} == ROUTES


def test_change_commands_follow_their_runs(sandbox_stack: Stack, ids: DemoIds) -> None:
    ids = new_definition(sandbox_stack, ids, "cli-changes")
    on_version = [*where(ids), "--version", "1.0.0"]
    run = sandbox_stack.start_orchestration(
        "publish_image",
        ids.request(["westeurope"], version={"strategy": "explicit", "value": "1.0.0"}),
    )
    assert sandbox_stack.wait_for_run(run)["runtimeStatus"] == "Completed"

    added = ops(
        sandbox_stack,
        "add-regions",
        *where(ids),
        "--version",
        "1.0.0",
        "--region",
        "eastus",
        "--no-production",
        *WATCH,
    )
    assert added.exit_code == 0, added.output
    assert "add_regions 1.0.0" in added.output and "eastus" in added.output
    assert len(_profile(sandbox_stack, ids, "1.0.0")["targetRegions"]) == 2

    replicas = ops(
        sandbox_stack,
        "set-replicas",
        *where(ids),
        "--version",
        "1.0.0",
        "--replicas",
        "eastus=4",
        *WATCH,
    )
    assert replicas.exit_code == 0, replicas.output
    counts = {
        t["name"]: t["regionalReplicaCount"]
        for t in _profile(sandbox_stack, ids, "1.0.0")["targetRegions"]
    }
    assert counts["East US"] == 4

    eol = ops(
        sandbox_stack,
        "end-of-life",
        *where(ids),
        "--version",
        "1.0.0",
        "--date",
        "2099-01-01T00:00:00Z",
        *WATCH,
    )
    assert eol.exit_code == 0, eol.output
    assert _profile(sandbox_stack, ids, "1.0.0")["endOfLifeDate"].startswith("2099-01-01")

    home = ops(sandbox_stack, "remove-regions", *on_version, "--region", "westeurope")
    assert home.exit_code == 1
    assert "VersionChangeRefused" in home.output and "home region" in home.output

    bad = ops(
        sandbox_stack,
        "set-replicas",
        *where(ids),
        "--version",
        "1.0.0",
        "--replicas",
        "eastus=lots",
    )
    assert bad.exit_code != 0 and "REGION=COUNT" in bad.output

    listed = ops(sandbox_stack, "versions", *where(ids))
    assert listed.exit_code == 0, listed.output
    assert "protected" in listed.output and "Full" in listed.output
