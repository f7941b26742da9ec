"""A safe deploy (docs/deploy.md "Deploying new code while runs are in flight"): a publish
started on orchestration version 1.0 waits for approval; the host restarts on version 1.1
code that changes the order of the preflight steps (behind `at_least(context.version,
"1.1")`); the old run replays its 1.0 history and finishes, and a new run takes the new
order."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.process import REPO_ROOT
from sandbox.stack import Stack

APP_PARTS = (
    "function_app.py",
    "host.json",
    "galleryflow",
    "orchestrators",
    "activities",
    "triggers",
)

# The preflight as 1.0 has it: take the locks (one statement, whatever it names), then read.
OLD_ORDER = re.compile(
    r"(?P<lock>        yield from self\.locks\.acquire\(\n.*?\"preflight\",?\n        \)\n)"
    r"(?P<read>        plan = yield from self\.activity\("
    r"Activity\.PREFLIGHT, payload, \"preflight\"\)\n)",
    re.DOTALL,
)


def reorder(match: re.Match[str]) -> str:
    """From 1.1 on: read first, then lock; runs started on 1.0 keep the order they recorded."""
    lock = textwrap.indent(textwrap.dedent(match["lock"]), " " * 12)
    read = textwrap.indent(textwrap.dedent(match["read"]), " " * 12)
    return (
        '        if at_least(self.context.version, "1.1"):  # 1.1: read first, then lock\n'
        + read
        + lock
        + "        else:  # the order runs started on 1.0 recorded\n"
        + lock
        + read
    )


def deploy_1_1(target: Path) -> Path:
    """A copy of the app whose publish orchestrator reorders preflight from version 1.1 on,
    with host.json's defaultVersion 1.1 (what a release would ship)."""
    target.mkdir(parents=True)
    for part in APP_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
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
    host_json = json.loads((target / "host.json").read_text())
    assert host_json["extensions"]["durableTask"]["defaultVersion"] == "1.0"
    host_json["extensions"]["durableTask"]["defaultVersion"] = "1.1"
    (target / "host.json").write_text(json.dumps(host_json))
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

    stack.restart_host(kill=False, app_dir=deploy_1_1(tmp_path / "app-1.1"))
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
