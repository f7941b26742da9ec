"""A safe deploy (docs/deploy.md "Deploying new code while runs are in flight"): a publish
started on the current orchestration version waits for approval; the host restarts on the
next version's code that changes the order of the preflight steps (behind
`at_least(context.version, NEXT)`); the old run replays its history and finishes, and a new
run takes the new order. And the real 1.0 -> 1.1 change (mirrors started during the
rollout): a publish with a mirror started on 1.0 finishes on 1.1 code with 1.0's order."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.app_copy import copy_app
from sandbox.process import REPO_ROOT
from sandbox.stack import Stack
from tests.orchestration.test_mirrors import _mirror, _version_writes
from tests.orchestration.test_mirrors import _seed as _seed_mirror

CURRENT = json.loads((REPO_ROOT / "host.json").read_text())["extensions"]["durableTask"][
    "defaultVersion"
]
NEXT = f"{CURRENT.split('.')[0]}.{int(CURRENT.split('.')[1]) + 1}"


# The preflight as 1.0 has it: take the locks (one statement, whatever it names), then read.
OLD_ORDER = re.compile(
    r"(?P<lock>        yield from self\.locks\.acquire\(\n.*?\"preflight\",?\n        \)\n)"
    r"(?P<read>        plan = yield from self\.activity\("
    r"Activity\.PREFLIGHT, payload, \"preflight\"\)\n)",
    re.DOTALL,
)


def reorder(match: re.Match[str]) -> str:
    """From NEXT on: read first, then lock; older runs keep the order they recorded."""
    lock = textwrap.indent(textwrap.dedent(match["lock"]), " " * 12)
    read = textwrap.indent(textwrap.dedent(match["read"]), " " * 12)
    return (
        f'        if at_least(self.context.version, "{NEXT}"):  # read first, then lock\n'
        + read
        + lock
        + "        else:  # the order older runs recorded\n"
        + lock
        + read
    )


def deploy_next(target: Path) -> Path:
    """A copy of the app whose publish orchestrator reorders preflight from version NEXT on,
    with host.json's defaultVersion NEXT (what a release would ship)."""
    copy_app(target, NEXT)
    publish = target / "orchestrators" / "publish.py"
    code = publish.read_text()
    code, swapped = OLD_ORDER.subn(reorder, code)
    assert swapped == 1, "orchestrators/publish.py changed: update this test's patch"
    code = code.replace(
        "from galleryflow.domain.request import PublishRequest\n",
        "from galleryflow.domain.request import PublishRequest\n"
        "from galleryflow.durable.versioning import at_least\n",
    )
    publish.write_text(code)
    return target


def _order(stack: Stack, run: str) -> list[str]:
    history = stack.run_status(run, history=True)["historyEvents"]
    steps = [
        "lock" if e["EventType"] == "EventSent" else "preflight"
        for e in history
        if e["EventType"] == "EventSent" or e.get("FunctionName") == "preflight_publish"
    ]
    return sorted(set(steps), key=steps.index)  # which came first


@pytest.mark.long
def test_a_run_in_flight_survives_a_deploy_that_reorders_its_steps(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    stack = stack_factory()
    ids = stack.seed_demo(vm_name="vm-deploy", definition="deploy")
    request: dict[str, Any] = ids.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    old = stack.start_orchestration("publish_image", request)
    stack.wait_for_run(
        old,
        until=lambda s: bool(
            ((s.get("customStatus") or {}).get("waves") or {}).get("awaiting_approval")
        ),
    )

    stack.restart_host(kill=False, app_dir=deploy_next(tmp_path / "app-next"))
    stack.raise_event(old, "approve", {"by": "ops"})
    done = stack.wait_for_run(old)

    assert done["runtimeStatus"] == "Completed", done.get("output")
    assert done["output"]["status"] == "succeeded" and done["output"]["version"] == "1.0.0"
    assert _order(stack, old) == ["lock", "preflight"]
    new = stack.start_orchestration("publish_image", ids.request(["westeurope"]))
    finished = stack.wait_for_run(new)
    assert finished["runtimeStatus"] == "Completed", finished.get("output")
    assert _order(stack, new) == ["preflight", "lock"]
    assert sorted(stack.versions(ids)) == ["1.0.0", "1.0.1"]


@pytest.mark.long
def test_a_mirrored_publish_started_on_1_0_keeps_its_order_after_the_1_1_deploy(
    stack_factory: Callable[..., Stack], tmp_path: Path
) -> None:
    """1.0 made the mirror copy after the primary's whole rollout, inline; 1.1 starts it in a
    `publish_mirrors` child during the rollout. A 1.0 run waiting at its wave 2 gate when 1.1
    is deployed replays its history and keeps 1.0's order; a new run takes 1.1's."""
    stack = stack_factory()
    stack.restart_host(kill=False, app_dir=copy_app(tmp_path / "app-1.0", "1.0"))
    primary, mirror = _seed_mirror(stack, "deploymirror")
    waves = {"mode": "waves", "waves": [["westeurope", "northeurope"], ["eastus"]]}
    request = primary.request(
        ["westeurope", "northeurope", "eastus"],
        rollout={**waves, "approval": True},
        mirrors=[_mirror(mirror, ["northeurope"])],
    )
    old = stack.api("POST", "publish", request).json()["id"]
    stack.wait_for_run(
        old,
        until=lambda s: bool(
            ((s.get("customStatus") or {}).get("waves") or {}).get("awaiting_approval")
        ),
    )
    assert stack.versions(mirror) == {}  # 1.0: nothing copied before the primary is done

    stack.restart_host(kill=False)  # the real app: 1.1
    stack.raise_event(old, "approve", {"by": "ops"})
    done = stack.wait_for_run(old)
    assert done["runtimeStatus"] == "Completed", done.get("output")
    assert done["output"]["status"] == "succeeded", done["output"]
    writes = _version_writes(stack, "deploymirror")
    assert writes.index(("PUT", "galMirror")) > max(
        i for i, w in enumerate(writes) if w == ("PATCH", "galDemo")
    )
    assert stack.instances(instanceIdPrefix=f"{old}-mirrors") == []  # inline, as on 1.0

    new = stack.api("POST", "publish", request).json()["id"]
    stack.wait_until(
        lambda: stack.api("GET", f"runs/{new}").json()["state"] == "awaiting_approval",
        what="the 1.1 run at its wave 2 gate",
    )
    stack.wait_until(lambda: "1.0.1" in stack.versions(mirror), what="the 1.1 run's copy")
    stack.raise_event(new, "approve", {"by": "ops"})
    assert stack.wait_for_run(new)["output"]["status"] == "succeeded"
    children = stack.instances(instanceIdPrefix=f"{new}-mirrors")
    assert [c["instanceId"] for c in children if c["name"] == "publish_mirrors"] == [
        f"{new}-mirrors"
    ]
