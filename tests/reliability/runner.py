"""Run fault-matrix cells on one sandbox stack and report them.

`make reliability` (= `python -m tests.reliability.runner`) runs every cell; its last line is
exactly `reliability: S scenarios, C consistent, F failed`. tests/reliability/test_matrix.py
runs a representative slice in `make test`.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from sandbox.process import StackError
from sandbox.stack import Stack, prune_old
from tests.reliability import invariants, scenarios
from tests.reliability.matrix import Cell, cells, kill_cells
from tests.reliability.worker import Worker

DAY = 86_400
MIRROR_SUB = "33333333-0000-4000-8000-00000000d0d0"
TRANSITIONS = ("starting", "stopping", "deallocating")
REGIONS = ["westeurope", "eastus"]
RETENTION = prune_old(30)


def _seed(stack: Stack, cell: Cell) -> tuple[Any, dict[str, str]]:
    """The cell's VM and definition with four older versions (in use, EOL-blocked, old,
    latest), replicated and 60 days old."""
    power = cell.options.get("power_state", "running")
    if cell.options.get("generalize"):  # a generalized capture needs a Generalized definition
        ids = stack.seed_demo(
            vm_name=f"vm-{cell.name}", definition=f"{cell.name}-s", power_state=power
        )
        ids = stack.add_definition(ids, cell.name, os_state="Generalized")
    else:
        ids = stack.seed_demo(vm_name=f"vm-{cell.name}", definition=cell.name, power_state=power)
    definition = stack.definition_id(ids)
    older_build = stack.add_vm(
        ids.subscription_id,
        f"old-{cell.name}",
        ids.location,
        hyper_v_generation="V2",
        power_state="deallocated",
        generalized=bool(cell.options.get("generalize")),
    )
    extra: dict[str, dict[str, Any]] = {
        "0.0.1": {},
        "0.0.2": {
            "profile": {"endOfLifeDate": "2099-01-01T00:00:00Z"},
            "safetyProfile": {"blockDeletionBeforeEndOfLife": True},
        },
        "0.0.3": {},
        "0.0.4": {"profile": {"excludeFromLatest": False}},
    }
    for name, props in extra.items():
        profile = {"excludeFromLatest": True, **props.pop("profile", {})}
        stack.put_version(ids, name, REGIONS, source_vm_id=older_build, profile=profile, **props)
    stack.add_vm(
        ids.subscription_id,
        f"app-{cell.name}",
        ids.location,
        power_state="running",
        image_reference_id=f"{definition}/versions/0.0.1",
    )
    if "patch" in cell.options:  # a pending security patch: installPatches is on the path
        patch = {"name": "openssl", "classifications": ["Security"]}
        stack.arm_control("POST", "vm-patches", {"vm_id": ids.vm_id, "patches": [patch]})
    return ids, {"0.0.1": "a VM uses it", "0.0.2": "it is blocked before its end of life"}


def run_cell(worker: Worker, cell: Cell) -> Outcome:
    """Run one cell on a fresh emulator: the invariants it broke (none: consistent), and
    whether its faults fired."""
    stack = worker.stack
    worker.fresh(denied=[cell.options["deny"]] if "deny" in cell.options else ())
    settings = dict(cell.options.get("settings", {}))
    if not settings:
        return _run(worker, cell)
    stack.settings.update(settings)  # app settings: the host reads them at start
    stack.restart_host(kill=False)
    try:
        return _run(worker, cell)
    finally:
        for name in settings:
            del stack.settings[name]
        stack.restart_host(kill=False)


def _run(worker: Worker, cell: Cell) -> Outcome:
    stack = worker.stack
    setup = prepare(stack, cell)
    kill_after = cell.options.get("kill_after")
    crashed = True
    if kill_after:
        worker.crash_after(int(kill_after))
    if "hook" in cell.options:
        runs, setup["problems"] = scenarios.deliver_hook(worker, cell, setup["request"])
    elif "race" in cell.options:
        runs, setup["problems"] = scenarios.race(worker, cell, setup)
    else:
        runs = start(stack, cell, setup["request"])
    if kill_after:
        crashed = _wait_for_crash(stack, runs)
        if crashed:
            stack.restart_host(kill=True)  # the same STATE, no kill point: the run resumes
        else:
            worker.crash_after(None)
    return finish(stack, cell, setup, runs, crashed)


def prepare(stack: Stack, cell: Cell) -> dict[str, Any]:
    ids, protected = _seed(stack, cell)
    # the seeded versions replicated, all 60 days old
    now = stack.advance_clock(60 * DAY)["now"]
    if "quota" in cell.options:
        stack.arm_control(
            "POST",
            "quotas",
            {
                "limits": {"image_versions": len(stack.versions(ids))},
                "subscription_id": ids.subscription_id,
                "region": ids.location,
            },
        )
    other = None
    if cell.options.get("race") == scenarios.SHARED_VM:  # a second definition, same VM
        other = stack.add_definition(ids, f"{cell.name}-o").definition
    before = stack.versions(ids)
    original = stack.vm_power_state(ids.vm_id)
    rules = []
    for fault in cell.faults:
        if "path" in fault:
            fault = {**fault, "path": fault["path"].format(name=cell.name)}
        rules.append(stack.add_fault(**fault)["id"])
    overrides: dict[str, Any] = {
        "retention": RETENTION,
        "cleanup_on_failure": True,
        "idempotency_key": f"key-{cell.name}",
    }
    for option in ("generalize", "patch", "customize"):
        if option in cell.options:
            overrides[option] = cell.options[option]
    mirror = None
    if cell.options.get("mirror"):  # a DR gallery in another subscription, home eastus
        mirror = stack.seed_gallery(
            subscription_id=MIRROR_SUB,
            location=REGIONS[-1],
            gallery="galMirror",
            definition=cell.name,
            os_state="Specialized",
        )
        overrides["mirrors"] = [
            {"gallery": dict(mirror.gallery), "target_regions": [{"name": REGIONS[-1]}]}
        ]
    request = ids.request(REGIONS, **overrides)
    return {
        "mirror": mirror,
        "ids": ids,
        "protected": protected,
        "before": before,
        "original": original,
        "rules": rules,
        "request": request,
        "other": other,
        "now": now,
    }


def start(stack: Stack, cell: Cell, request: dict[str, Any]) -> list[str]:
    count = int(cell.options.get("concurrent", 1))
    with ThreadPoolExecutor(count) as pool:
        return list(
            pool.map(
                lambda i: stack.start_orchestration(
                    "publish_image", request, f"{cell.name}-{i}" if count > 1 else None
                ),
                range(count),
            )
        )


def _wait_for_crash(stack: Stack, runs: list[str]) -> bool:
    """True once the host killed itself; False when the runs ended first (no such commit)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if not stack.host.alive():
            return True
        try:
            statuses = [stack.run_status(r) for r in runs]
        except (requests.RequestException, StackError):
            continue  # the host died while answering: alive() says so next time
        if all(s.get("runtimeStatus") in ("Completed", "Failed") for s in statuses):
            return not stack.host.alive()
        time.sleep(0.1)  # polling a condition, not a correctness sleep
    return False


def finish(
    stack: Stack, cell: Cell, setup: dict[str, Any], runs: list[str], crashed: bool
) -> Outcome:
    statuses = []
    for run in runs:
        try:
            statuses.append(stack.wait_for_run(run, timeout=300))
        except Exception as stuck:  # a run that never ends is a finding, not a crash
            statuses.append({"instanceId": run, "runtimeStatus": f"stuck: {stuck}"[:200]})
    ids = setup["ids"]
    after = stack.versions(ids)
    final = stack.vm_power_state(ids.vm_id)
    if final in TRANSITIONS:  # an accepted start/deallocate: ARM finishes it in its own time
        stack.advance_clock(600)
        final = stack.vm_power_state(ids.vm_id)
    hits = {f["id"]: f["hits"] for f in stack.arm_control("GET", "faults")["faults"]}
    stack.arm_control("DELETE", "faults")  # "always" rules must not fire while we read
    publishes = [s for s in statuses if s.get("name", "publish_image") == "publish_image"]
    mine = [s for s in publishes if scenarios.definition_of(s.get("input")) != setup["other"]]
    problems = [*setup.get("problems", [])]
    problems += invariants.check(
        before=setup["before"],
        after=after,
        protected=setup["protected"],
        statuses=mine,
        power=(setup["original"], final, bool(cell.options.get("generalize"))),
    )
    problems += [
        f"{s.get('name')} run {s.get('instanceId')} did not end ({s.get('runtimeStatus')})"
        for s in statuses
        if s not in publishes and s.get("runtimeStatus") not in ("Completed", "Failed")
    ]
    if setup["mirror"] is not None:
        problems += invariants.check_mirror(
            primary=after, copies=stack.versions(setup["mirror"]), statuses=mine
        )
    if setup["other"]:  # the same VM's other definition, published by the racer
        problems += invariants.check(
            before={},
            after=stack.versions(replace(ids, definition=setup["other"])),
            protected={},
            statuses=[s for s in publishes if s not in mine],
            power=(setup["original"], final, False),
        )
    reached = crashed and all(hits.get(rule, 0) > 0 for rule in setup["rules"])
    if "deny" in cell.options:
        reached, unclear = scenarios.denied_clearly(stack, cell.options["deny"], statuses)
        problems += unclear
    return Outcome(problems, reached)


def count_commits(worker: Worker, *, mirror: bool = False) -> int:
    """How many episodes a clean publish (with `mirror`, a mirrored one) commits: its kill
    points, measured once."""
    before = worker.commits()
    name = "m-reference" if mirror else "k-reference"
    options = {"mirror": True} if mirror else {}
    outcome = run_cell(worker, Cell(name, "a clean publish (counts kill points)", (), options))
    assert not outcome.problems, outcome.problems
    return worker.commits() - before


@dataclass(frozen=True)
class Outcome:
    problems: list[str]
    reached: bool  # every injected fault fired at least once


def _work(worker: Worker, todo: queue.SimpleQueue[Cell], report: Callable[..., None]) -> None:
    while True:
        try:
            cell = todo.get_nowait()
        except queue.Empty:
            return
        began = time.monotonic()
        try:
            outcome = run_cell(worker, cell)
        except Exception as exc:  # a harness error is a failed cell, not a stopped run
            outcome = Outcome([f"the cell could not run: {type(exc).__name__}: {exc}"[:500]], False)
        report(cell, outcome, time.monotonic() - began)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the fault matrix (make reliability).")
    parser.add_argument("names", nargs="*", help="run only cells whose name contains one")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("RELIABILITY_WORKERS", "3")),
        help="sandbox stacks running cells side by side (default 3, RELIABILITY_WORKERS)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    results: list[tuple[Cell, Outcome]] = []
    lock = threading.Lock()

    def report(cell: Cell, outcome: Outcome, seconds: float) -> None:
        with lock:
            results.append((cell, outcome))
            mark = "ok  " if not outcome.problems else "FAIL"
            note = "" if outcome.reached else "  (fault never fired on this path)"
            print(f"{mark} {cell.name:<22} {seconds:5.1f} s  {cell.title}{note}", flush=True)
            for problem in outcome.problems:
                print(f"       {problem}", flush=True)

    with tempfile.TemporaryDirectory(prefix="reliability-") as state:
        with ThreadPoolExecutor(max(1, args.workers)) as pool:
            workers = list(
                pool.map(lambda i: Worker(Path(state) / f"w{i}"), range(max(1, args.workers)))
            )
        try:
            kills = [
                *kill_cells(count_commits(workers[0])),
                *kill_cells(count_commits(workers[0], mirror=True), mirror=True),
            ]
            every = [*cells(), *scenarios.scenario_cells(), *kills]
            print(f"{len(every) - len(kills)} fault cells, {len(kills)} kill points", flush=True)
            selected = [c for c in every if not args.names or any(a in c.name for a in args.names)]
            todo: queue.SimpleQueue[Cell] = queue.SimpleQueue()
            for cell in selected:
                todo.put(cell)
            with ThreadPoolExecutor(len(workers)) as pool:
                for done in [pool.submit(_work, w, todo, report) for w in workers]:
                    done.result()
        finally:
            for worker in workers:
                worker.stop()
    failed = sum(1 for _, o in results if o.problems)
    unreached = sum(1 for _, o in results if not o.reached)
    total = len(selected)
    minutes = (time.monotonic() - started) / 60
    print(
        f"({minutes:.1f} min, {len(workers)} workers; {unreached} cell(s) whose fault never fired)"
    )
    print(f"reliability: {total} scenarios, {total - failed} consistent, {failed} failed")
    return 1 if failed or len(results) != total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
