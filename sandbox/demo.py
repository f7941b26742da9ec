"""`python -m sandbox demo`: one full publish on the sandbox, with live per-region progress.

Starts the ARM emulator, Azurite and the host running galleryflow; seeds a demo
subscription (a running Linux Gen2 VM, a gallery, an image definition with three old
versions); injects one transient replication failure; publishes through the HTTP API
(`POST /api/publish` with the function key) to four regions in two waves with a soak in
between and auto-prune; shows progress live; prints the final versions and `latest` per
region; stops everything it started. Exit status 0 when the run succeeded.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table

from sandbox.stack import DemoIds, Stack, StackError, start_stack

REGIONS = ["westeurope", "westus3", "eastus", "northeurope"]
WAVES = [["westeurope", "westus3"], ["eastus", "northeurope"]]
FLAKY_REGION = "eastus"
OLD_VERSIONS = ["0.9.0", "0.9.1", "0.9.2"]
DAY = 86_400
DEADLINE_SECONDS = 90


def demo_request(ids: DemoIds) -> dict[str, Any]:
    return ids.request(
        REGIONS,
        version={"strategy": "next_minor"},
        rollout={"mode": "waves", "waves": WAVES, "soak_minutes": 30, "approval": False},
        retention={
            "keep_last": 2,
            "keep_newer_than_days": 30,
            "min_good_versions": 2,
            "auto_prune": True,
            "dry_run": False,
        },
        replication={"max_region_retries": 2, "on_region_failure": "fail"},
        tags={"team": "platform", "source": "sandbox-demo"},
    )


def seed(stack: Stack) -> DemoIds:
    """The demo subscription: VM, gallery, definition, three old versions 60 days old."""
    ids = stack.seed_demo(power_state="running")
    # Old versions are made from a second, deallocated VM (a capture needs a stopped source).
    old_vm = stack.seed_demo(vm_name="vm-build-old", power_state="deallocated").vm_id
    for name in OLD_VERSIONS:
        stack.arm_put(
            f"{stack.definition_id(ids)}/versions/{name}",
            {
                "location": ids.location,
                "properties": {
                    "publishingProfile": {
                        "targetRegions": [
                            {"name": r, "regionalReplicaCount": 1} for r in REGIONS[:2]
                        ],
                    },
                    "storageProfile": {"source": {"virtualMachineId": old_vm}},
                },
            },
        )
        stack.advance_clock(DAY)  # one replication per source (docs/azure-facts.md#q2)
    stack.advance_clock(60 * DAY)
    stack.add_fault(
        kind="replication_failure",
        region=FLAKY_REGION,
        times=1,
        details="Injected: transient storage error in East US",
    )
    return ids


def progress_view(summary: dict[str, Any]) -> Panel:
    table = Table(expand=True, show_edge=False)
    table.add_column("region")
    table.add_column("state")
    table.add_column("attempt", justify="right")
    table.add_column("progress", ratio=2)
    for name, region in (summary.get("regions") or {}).items():
        progress = float(region.get("progress") or 0)
        state = str(region.get("state") or "")
        colour = {"Promoted": "green", "Completed": "cyan", "Failed": "red"}.get(state, "yellow")
        table.add_row(
            name,
            f"[{colour}]{state}[/]",
            str(region.get("attempt") or ""),
            ProgressBar(total=100, completed=progress),
        )
    waves = summary.get("waves") or {}
    title = (
        f"run {summary.get('id', '')[:12]}  step [bold]{summary.get('step')}[/]  "
        f"version {summary.get('version') or '?'}  wave {waves.get('current', 0)}"
        f"/{waves.get('total', 0)}"
    )
    log = "\n".join(summary.get("log") or [])
    return Panel(Group(table, log), title=title)


def versions_view(stack: Stack, ids: DemoIds, result: dict[str, Any]) -> Table:
    table = Table(title="image versions of ubuntu-golden (final)")
    table.add_column("version")
    table.add_column("global excludeFromLatest")
    table.add_column("regions (excluded? / replication)")
    for name, version in sorted(stack.versions(ids).items()):
        profile = version["properties"]["publishingProfile"]
        states = {
            s["region"].replace(" ", "").lower(): s["state"]
            for s in version["properties"].get("replicationStatus", {}).get("summary", [])
        }
        regions = ", ".join(
            f"{t['name']} ({'excluded' if t.get('excludeFromLatest') else 'live'}"
            f"/{states.get(t['name'].replace(' ', '').lower(), '?')})"
            for t in profile["targetRegions"]
        )
        table.add_row(name, str(profile.get("excludeFromLatest")), regions)
    latest = Table(title="latest per region")
    latest.add_column("region")
    latest.add_column("latest")
    for region, name in sorted((result.get("latest") or {}).items()):
        latest.add_row(region, str(name))
    outer = Table.grid(padding=1)
    outer.add_row(table)
    outer.add_row(latest)
    return outer


def run_demo(state_dir: Path | None = None, console: Console | None = None) -> int:
    console = console or Console()
    started = time.monotonic()
    state = state_dir or Path(tempfile.mkdtemp(prefix="galleryflow-demo-"))
    code = 1
    console.print(f"[bold]galleryflow sandbox demo[/] (state in {state})")
    console.print("starting the ARM emulator, Azurite and the Functions host ...")
    stack = start_stack(state, clock="sim")
    try:
        ids = seed(stack)
        console.print(
            f"seeded: VM {ids.vm_id.rsplit('/', 1)[-1]} (running), gallery galDemo, definition "
            f"ubuntu-golden with {len(OLD_VERSIONS)} old versions; one transient replication "
            f"failure injected in {FLAKY_REGION}"
        )
        response = stack.api("POST", "publish", demo_request(ids))
        if response.status_code not in (200, 202):
            console.print(f"[red]publish refused: {response.status_code} {response.text}")
            return 1
        run_id = str(response.json()["id"])
        summary = follow(stack, run_id, console)
        result = summary.get("result") or {}
        console.print(versions_view(stack, ids, result))
        if summary.get("state") != "succeeded":
            console.print(f"[red]run ended {summary.get('state')}: {summary.get('error')}")
            return 1
        console.print(
            f"[green]published {result.get('version')}[/]; pruned {result.get('pruned')}; "
            f"events sent: {len(stack.events(run_id))}; VM is "
            f"{stack.vm_power_state(ids.vm_id)}; {time.monotonic() - started:.1f}s"
        )
        code = 0
        return code
    finally:
        stack.stop()
        console.print("stopped the emulator, Azurite and the host")
        if state_dir is None and code == 0:
            shutil.rmtree(state, ignore_errors=True)  # keep the logs only when it failed
        elif code:
            console.print(f"logs: {state}/host.log, {state}/arm.log")


def follow(stack: Stack, run_id: str, console: Console) -> dict[str, Any]:
    """Show the run's summary (GET /api/runs/{id}) live until it finishes.

    Live only on a terminal: elsewhere (a pipe, CI, `make demo | tee`) rich's Live leaves
    the cursor at the end of the panel's bottom border when it stops, and the next table's
    title was printed on that border; there the final panel is printed once instead."""
    summary: dict[str, Any] = {"id": run_id}
    if not console.is_terminal:
        summary = list(_summaries(stack, run_id))[-1]
        console.print(progress_view(summary))
        return summary
    with Live(progress_view(summary), console=console, refresh_per_second=10) as live:
        for summary in _summaries(stack, run_id):
            live.update(progress_view(summary))
    return summary


def _summaries(stack: Stack, run_id: str) -> Iterator[dict[str, Any]]:
    """The run's summary at every poll, the last one finished; StackError at the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        response = stack.api("GET", f"runs/{run_id}")
        if response.status_code == 200:
            summary: dict[str, Any] = response.json()
            yield summary
            if summary.get("finished"):
                return
        time.sleep(0.1)  # refresh rate of the live view
    raise StackError(f"the demo run did not finish within {DEADLINE_SECONDS}s")


def serve(state_dir: Path, console: Console | None = None) -> None:
    """Start and seed the stack, print where it listens, run until Ctrl-C."""
    console = console or Console()
    stack = start_stack(state_dir, clock="sim")
    try:
        ids = stack.seed_demo()
        console.print(f"ARM emulator   {stack.arm.url}  (CA: {stack.ca_file})")
        console.print(f"Functions host {stack.host.url}  (keys: {state_dir}/host/host_keys.json)")
        console.print(f"Azurite queue  127.0.0.1:{stack.azurite.queue_port}")
        console.print(f"seeded VM      {ids.vm_id}")
        console.print("Ctrl-C stops everything.")
        while stack.host.alive() and stack.arm.alive():
            time.sleep(0.5)  # idle until interrupted
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
