"""The custom roles are exactly what a real run needs: galleryflow runs a full publish
(running, stopped and generalized sources), rollback and prune on the sandbox stack as an
emulator principal that holds ONLY the roles' actions (infra/role-actions.json), each at the
scope main.bicep assigns it (publisher role: gallery and source-VM resource groups; subscription
role: the subscription).

- none missing: every run succeeds (a missing action would be AuthorizationFailed, 403),
  long-running-operation status polls included (the emulator authorizes them as
  Microsoft.Compute/locations/operations/read, like Azure);
- none extra: the actions the emulator logged inside resource groups are exactly the
  publisher role's, and those outside any resource group exactly the subscription role's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.resource_graph import count_image_references_graph
from sandbox.stack import DemoIds, Stack, start_stack

ROLE = json.loads((Path(__file__).resolve().parents[2] / "infra/role-actions.json").read_text())
ROLE_TOKEN = "galleryflow-custom-role-token"
ROLE_PRINCIPAL = "galleryflow-custom-role"
MIRROR_SUB = "33333333-0000-4000-8000-0000000000d1"
# Where azure-core polls long-running operations (Azure-AsyncOperation / Location headers).
LRO_POLL = re.compile(
    r"^/subscriptions/[^/]+/providers/Microsoft\.Compute/locations/[^/]+/"
    r"(operations|operationResults)/[^/]+$",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def role_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose galleryflow authenticates as a principal limited to the role."""
    stack = start_stack(
        tmp_path_factory.mktemp("role-stack"),
        settings={"GALLERYFLOW_ARM_STATIC_TOKEN": ROLE_TOKEN},
    )
    try:
        yield stack
    finally:
        stack.stop()


def hold_exactly_the_bicep_assignments(stack: Stack, ids: DemoIds, mirror: DemoIds) -> None:
    """Register the principal galleryflow runs as with what infra/main.bicep assigns: the
    publisher role on the gallery's, the source VMs' and the mirror gallery's resource groups
    (`mirrorGalleryScopes`), the subscription role on both subscriptions. A call that needs a
    role at another scope is then a 403."""
    sub = ids.subscription_id
    groups = {ids.gallery["resource_group"], ids.vm_id.split("/")[4]}
    assert len(groups) == 2, "the demo keeps VMs and the gallery in separate groups"
    grants = [
        {"scope": f"/subscriptions/{sub}/resourceGroups/{rg}", "actions": ROLE["actions"]}
        for rg in sorted(groups)
    ]
    grants.append({"scope": f"/subscriptions/{sub}", "actions": ROLE["subscriptionScopeActions"]})
    other = mirror.subscription_id
    grants.append(
        {
            "scope": f"/subscriptions/{other}/resourceGroups/{mirror.gallery['resource_group']}",
            "actions": ROLE["actions"],
        }
    )
    grants.append({"scope": f"/subscriptions/{other}", "actions": ROLE["subscriptionScopeActions"]})
    stack.arm_control(
        "POST", "principals", {"token": ROLE_TOKEN, "name": ROLE_PRINCIPAL, "grants": grants}
    )


def run_ok(stack: Stack, route: str, body: dict[str, Any]) -> dict[str, Any]:
    started = stack.api("POST", route, body)
    # 202: still running; 200: a rollback/prune that finished within the request (the API
    # may wait briefly). Either way the run's full status is read below.
    assert started.status_code in (200, 202), started.text
    status = stack.wait_for_run(started.json()["id"], timeout=120)
    assert status["runtimeStatus"] == "Completed", json.dumps(status.get("output"))[:2000]
    output: dict[str, Any] = status["output"]
    return output


def publish(stack: Stack, ids: DemoIds, **overrides: Any) -> str:
    """Publish the seeded VM to its own region; returns the new version."""
    output = run_ok(stack, "publish", ids.request([ids.location], **overrides))
    assert output["status"] == "succeeded", output
    return str(output["version"])


def role_requests(stack: Stack) -> list[dict[str, Any]]:
    logged = stack.arm_control("GET", "requests")["requests"]
    return [r for r in logged if r.get("principal") == ROLE_PRINCIPAL]


def test_publish_rollback_prune_need_exactly_the_role_actions(role_stack: Stack) -> None:
    stack = role_stack
    # A running source (deallocate, start), a stopped one (start + powerOff to restore it)
    # and a generalized capture (generalize): every VM power path galleryflow has.
    running = stack.seed_demo(vm_name="vm-role-running", definition="role-running")
    stopped = stack.seed_demo(
        vm_name="vm-role-stopped", definition="role-stopped", power_state="stopped"
    )
    generalized = stack.seed_demo(
        vm_name="vm-role-gen",
        definition="role-gen",
        os_state="Generalized",
        power_state="deallocated",
        generalized=False,  # galleryflow generalizes it (`generalize: true`)
    )
    # A patched and customized capture (assessPatches, installPatches, runCommands).
    patched = stack.seed_demo(vm_name="vm-role-patched", definition="role-patched")
    stack.arm_control(
        "POST", "vm-patches", {"vm_id": patched.vm_id, "patches": [{"name": "openssl"}]}
    )
    # A mirror gallery in another subscription (#14): the copy, its rollout and prune.
    mirrored = stack.add_definition(running, "role-mirrored")
    mirror = stack.seed_gallery(
        subscription_id=MIRROR_SUB, location="northeurope", gallery="galRoleDr", definition="dr"
    )
    hold_exactly_the_bicep_assignments(stack, running, mirror)

    assert [publish(stack, running) for _ in range(3)] == ["1.0.0", "1.0.1", "1.0.2"]
    assert publish(stack, stopped) == "1.0.0"
    assert stack.vm_power_state(stopped.vm_id) == "stopped"
    assert publish(stack, generalized, generalize=True) == "1.0.0"
    assert publish(stack, patched, patch={}, customize={"script": "echo hi"}) == "1.0.0"
    dr = {
        "gallery": mirror.gallery,
        "target_regions": [{"name": "northeurope", "replica_count": 1}],
    }
    dr["image_definition"] = "dr"
    output = run_ok(stack, "publish", mirrored.request(["westeurope", "northeurope"], mirrors=[dr]))
    assert output["status"] == "succeeded", output
    assert list(stack.versions(mirror)) == ["1.0.0"]

    rolled = run_ok(
        stack,
        "rollback",
        {"gallery": running.gallery, "image_definition": running.definition, "version": "1.0.2"},
    )
    assert rolled["after"] == {running.location: "1.0.1"}, rolled
    pruned = run_ok(
        stack,
        "prune",
        {
            "gallery": running.gallery,
            "image_definition": running.definition,
            "retention": {"keep_last": 1, "keep_newer_than_days": 0, "min_good_versions": 1},
            "apply": True,
        },
    )
    assert "1.0.0" in pruned["deleted"], pruned
    assert "1.0.1" not in pruned["deleted"], "the version that is latest must survive"
    # The in-use scan through Azure Resource Graph (GALLERYFLOW_INUSE_RESOURCE_GRAPH): the
    # gateway's one query, as the role's principal, over the subscription the role holds.
    graph_scan_as_the_role(stack, running)

    requests = role_requests(stack)
    denied = [f"{r['method']} {r['path']}" for r in requests if r.get("status") == 403]
    assert not denied, f"the role lacks actions for: {denied}"
    polls = [r for r in requests if _is_poll(r)]
    assert polls, "expected long-running operations to be polled"
    assert {r["action"] for r in polls} == {"Microsoft.Compute/locations/operations/read"}
    unnamed = [f"{r['method']} {r['path']}" for r in requests if not r.get("action")]
    assert not unnamed, f"calls the emulator names no action for: {unnamed[:5]}"

    in_groups = {r["action"] for r in requests if "/resourcegroups/" in r["path"].lower()}
    assert in_groups == set(ROLE["actions"]), (
        f"publisher role actions never used: {sorted(set(ROLE['actions']) - in_groups)}; "
        f"used but not in the role: {sorted(in_groups - set(ROLE['actions']))}"
    )
    outside_groups = {r["action"] for r in requests if "/resourcegroups/" not in r["path"].lower()}
    assert outside_groups == set(ROLE["subscriptionScopeActions"]), (
        "subscription-scope calls differ from the subscription reader role: "
        f"{sorted(outside_groups)}"
    )


def graph_scan_as_the_role(stack: Stack, ids: DemoIds) -> None:
    settings = {
        "GALLERYFLOW_ARM_ENDPOINT": stack.arm.url,
        "GALLERYFLOW_ARM_CA_BUNDLE": str(stack.ca_file),
        "GALLERYFLOW_ARM_STATIC_TOKEN": ROLE_TOKEN,
        "GALLERYFLOW_ARM_RETRY_TOTAL": "0",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        clear_client_caches()
        try:
            found = count_image_references_graph([ids.subscription_id])
        finally:
            clear_client_caches()
    assert isinstance(found, dict)


def _is_poll(request: dict[str, Any]) -> bool:
    return request["method"] == "GET" and bool(LRO_POLL.match(request["path"]))
