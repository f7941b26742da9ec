"""`python -m sandbox demo-nightly` (`make demo-nightly`): a patched nightly rebuild, end to end.

Starts the ARM emulator, Azurite and the host running galleryflow with a pipelines file of
one nightly entry (no `patch` given: it gets `patch: {}` and `skip_when_current: true` when
the file is loaded); seeds a deallocated build VM with 3 pending security updates; then

1. night 1: fires the nightly timer function (`POST /admin/functions/nightly_rebuild`, the
   sandbox's stand-in for the 02:00 schedule) -> start, assessPatches, installPatches,
   deallocate, capture, replicate, promote; shows the patch result, the version's tags and
   the VM's calls in the emulator's log;
2. night 2: nothing pending, the entry unchanged -> the run skips (no capture, no version),
   says why in its log and result, and sends a `skipped` event; the VM is deallocated again.

Each firing names its night through the timer's schedule status (`Next`, as Azure hands
it: `galleryflow/pipelines.py` `firing_day`), so both nights run on one wall-clock day.

Extras (`DemoExtra`) hook in without touching the steps: each may seed more resources,
change the pipeline entry and report after night 1 (e.g. a mirror gallery).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from galleryflow.pipelines import nightly_idempotency_key
from sandbox.stack import DemoIds, Stack, StackError, start_stack

PIPELINE = "ubuntu-nightly"
DEFINITION = "ubuntu-nightly"
VM_NAME = "vm-nightly"
REGIONS = ["westeurope", "northeurope", "eastus"]
PENDING: list[dict[str, Any]] = [
    {"name": "openssl", "classifications": ["Security"]},
    {"name": "libc6", "classifications": ["Security"], "reboot_behavior": "CanRequestReboot"},
    {"name": "openssh-server", "classifications": ["Security"]},
]
DEADLINE_SECONDS = 90.0


class DemoExtra:
    """A step added to the nightly demo (override what it needs; all are no-ops here)."""

    name = "extra"

    def seed(self, stack: Stack, ids: DemoIds) -> None:
        """Create what the extra needs before the pipelines file is written."""

    def entry(self, request: dict[str, Any]) -> dict[str, Any]:
        """Change the pipeline entry's request (e.g. add `mirrors`)."""
        return request

    def report(self, stack: Stack, ids: DemoIds, result: dict[str, Any], console: Console) -> bool:
        """Show and check the extra's outcome after night 1; False fails the demo."""
        return True


@dataclass
class Night:
    day: date
    run_id: str
    status: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)


def pipeline_request(ids: DemoIds) -> dict[str, Any]:
    """The nightly entry's request: no `patch` (the loader gives it `patch: {}`)."""
    return {
        "schema_version": 1,
        "source_vm_id": ids.vm_id,
        "gallery": {"resource_group": "rg-images", "name": "galDemo"},
        "image_definition": DEFINITION,
        "target_regions": [{"name": r, "replica_count": 1} for r in REGIONS],
        "production": False,
        "tags": {"team": "platform"},
    }


def write_pipelines(path: Path, request: dict[str, Any], name: str = PIPELINE) -> None:
    path.write_text(
        json.dumps({"schema_version": 1, "pipelines": [{"name": name, "request": request}]})
    )


def fire_nightly(stack: Stack, night: date | None = None) -> None:
    """Fire the timer function as the schedule would on `night` (02:00 UTC; its schedule
    status says which night, as Azure's does), or with no status (a manual run: today)."""
    status = None
    if night is not None:
        occurrence = datetime.combine(night, day_time(2, 0), tzinfo=UTC)
        status = {
            "Last": (occurrence - timedelta(days=1)).isoformat(),
            "Next": occurrence.isoformat(),
            "LastUpdated": (occurrence - timedelta(days=1)).isoformat(),
        }
    response = stack.session.post(
        f"{stack.host.url}/admin/functions/nightly_rebuild",
        json={"input": status},
        headers={"x-functions-key": stack.keys["masterKey"]},
        timeout=30,
    )
    if response.status_code != 202:
        raise StackError(f"firing the nightly timer: {response.status_code} {response.text}")


def nightly_run(stack: Stack, pipeline: str, night: date) -> str:
    """The instance id of `pipeline`'s run for `night`, once the timer started it."""
    key = nightly_idempotency_key(pipeline, night)

    def started() -> str | None:
        for run in stack.instances(showInput="true"):
            request = run.get("input")
            if isinstance(request, str):
                request = json.loads(request)
            if run.get("name") == "publish_image" and (request or {}).get("idempotency_key") == key:
                return str(run["instanceId"])
        return None

    found: str | None = stack.wait_until(started, what=f"the nightly run {key}")
    assert found is not None
    return found


def run_night(stack: Stack, night: date, pipeline: str = PIPELINE) -> Night:
    fire_nightly(stack, night)
    run_id = nightly_run(stack, pipeline, night)
    status = stack.wait_for_run(run_id, timeout=DEADLINE_SECONDS)
    summary = stack.api("GET", f"runs/{run_id}").json()
    return Night(night, run_id, status, summary)


def vm_calls(stack: Stack, vm_name: str, since: int = 0) -> list[str]:
    """The VM's POST actions in the emulator's request log (from entry `since` on)."""
    log = stack.arm_control("GET", "requests")["requests"][since:]
    return [
        r["path"].rsplit("/", 1)[-1]
        for r in log
        if r["method"] == "POST" and f"/virtualMachines/{vm_name}/" in r["path"]
    ]


def run_demo_nightly(
    state_dir: Path | None = None,
    console: Console | None = None,
    extras: Sequence[DemoExtra] = (),
) -> int:
    console = console or Console()
    started = time.monotonic()
    state = state_dir or Path(tempfile.mkdtemp(prefix="galleryflow-demo-nightly-"))
    state.mkdir(parents=True, exist_ok=True)
    pipelines = state / "pipelines.json"
    pipelines.write_text('{"schema_version": 1, "pipelines": []}')
    console.print(f"[bold]galleryflow nightly demo[/] (state in {state})")
    stack = start_stack(
        state / "stack", clock="sim", settings={"GALLERYFLOW_PIPELINES_FILE": str(pipelines)}
    )
    code = 1
    try:
        code = _demo(stack, pipelines, console, extras)
        console.print(
            f"{'[green]done' if code == 0 else '[red]FAILED'}[/] in "
            f"{time.monotonic() - started:.1f}s"
        )
        return code
    finally:
        stack.stop()
        console.print("stopped the emulator, Azurite and the host")
        if state_dir is None and code == 0:
            shutil.rmtree(state, ignore_errors=True)
        elif code:
            console.print(f"logs: {state}/stack/host.log, {state}/stack/arm.log")


def _demo(stack: Stack, pipelines: Path, console: Console, extras: Sequence[DemoExtra]) -> int:
    ids = stack.seed_demo(vm_name=VM_NAME, definition=DEFINITION, power_state="deallocated")
    stack.arm_control("POST", "vm-patches", {"vm_id": ids.vm_id, "patches": PENDING})
    request = pipeline_request(ids)
    for extra in extras:
        extra.seed(stack, ids)
        request = extra.entry(request)
    write_pipelines(pipelines, request)
    console.print(
        f"seeded: {VM_NAME} (deallocated) with {len(PENDING)} pending security updates "
        f"({', '.join(str(p['name']) for p in PENDING)}); pipeline {PIPELINE} -> {DEFINITION} "
        f"in {', '.join(REGIONS)}; the entry gives no `patch`: nightly defaults apply"
    )
    today = datetime.now(UTC).date()
    ok = True

    console.rule(f"night 1 ({today - timedelta(days=1)}): patch, capture, publish")
    mark = len(stack.arm_control("GET", "requests")["requests"])
    first = run_night(stack, today - timedelta(days=1))
    result = first.summary.get("result") or {}
    _show_run(console, first)
    calls = vm_calls(stack, VM_NAME, mark)
    console.print(f"VM calls in the emulator's log: {' -> '.join(calls)}")
    patch = result.get("patch") or {}
    console.print(
        f"patch result: {patch.get('installed')} installed "
        f"({', '.join(patch.get('installed_ids', []))}), "
        f"{patch.get('failed')} failed, {patch.get('pending')} pending, reboot "
        f"{patch.get('reboot_status')}"
    )
    versions = stack.versions(ids)
    console.print(_tags_view(versions))
    ok &= first.summary.get("state") == "succeeded" and patch.get("installed") == len(PENDING)
    ok &= calls[:4] == ["start", "assessPatches", "installPatches", "deallocate"]
    for extra in extras:
        ok &= extra.report(stack, ids, result, console)

    console.rule(f"night 2 ({today}): nothing pending, entry unchanged")
    mark = len(stack.arm_control("GET", "requests")["requests"])
    second = run_night(stack, today)
    _show_run(console, second)
    skipped = (second.summary.get("result") or {}).get("skipped") or {}
    events = [e["type"] for e in stack.events(second.run_id)]
    console.print(f"VM calls in the emulator's log: {' -> '.join(vm_calls(stack, VM_NAME, mark))}")
    console.print(f"events of the run: {', '.join(events)}")
    console.print(
        f"versions: {', '.join(sorted(stack.versions(ids)))} (none added); VM is "
        f"{stack.vm_power_state(ids.vm_id)}"
    )
    ok &= second.summary.get("state") == "succeeded" and bool(skipped.get("reason"))
    ok &= "galleryflow.skipped.v1" in events and len(stack.versions(ids)) == len(versions)
    ok &= stack.vm_power_state(ids.vm_id) == "deallocated"
    return 0 if ok else 1


def _show_run(console: Console, night: Night) -> None:
    summary = night.summary
    result = summary.get("result") or {}
    console.print(
        f"run {night.run_id[:16]}: [bold]{summary.get('state')}[/] "
        f"version {result.get('version')}"
        + (f" — {result['skipped']['reason']}" if result.get("skipped") else "")
    )
    for line in summary.get("log") or []:
        console.print(f"  | {line}")
    if summary.get("error"):
        console.print(f"[red]  error: {summary['error']}")


def _tags_view(versions: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="version tags")
    table.add_column("version")
    table.add_column("tag")
    table.add_column("value", overflow="fold")
    for name, version in sorted(versions.items()):
        for tag, value in sorted((version.get("tags") or {}).items()):
            table.add_row(name, tag, value)
    return table
