"""Benchmark: galleryflow's rollout against the blocking poller, on the sandbox, simulated time.

Run: .venv/bin/python benchmarks/rollout.py   (part of `make bench`)

Each scenario publishes one image to 10 regions through the real stack (ARM emulator, host,
Azurite) in its own subscription, so every ARM call in the emulator's request log belongs to
exactly one run. The baseline is computed in the same run from the same emulator replication
records: one PUT at the moment galleryflow's PUT happened, an LRO status GET every 30 s of
simulated time until every region is done (the az CLI / Terraform / Packer defaults), then one
PATCH making the version live everywhere; every region goes live at that moment.

Per-region throughput spread (documented, `replication_mb_per_second_by_region`, +-20 %
seeded jitter): the version's home region westeurope copies locally at 80 MB/s; the other
regions copy across the WAN at 5-10 MB/s.

Measures, per scenario: ARM calls (galleryflow: every call of the run, preflight and capture
included; baseline; ratio); wave latency = time a region goes live minus the time it became
eligible (its wave's last region Completed, the previous wave live, the version idle again:
every region replicating alongside done, as ARM takes no update before); a region's wait from
its own completion to live (this one shows what waiting for later waves' regions costs); time
to the first live region (speedup vs baseline); time until every region is live (ratio vs
baseline); history events of the run. The last line is the issue's headline: 10 regions x
128 GB, default rollout, stall-then-fast progress.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.stack import Stack, start_stack  # noqa: E402
from sandbox.stack_durable import TERMINAL_STATES  # noqa: E402

HOME = "westeurope"
RATES = {
    "westeurope": 80, "northeurope": 10, "uksouth": 9, "francecentral": 8, "swedencentral": 8,
    "eastus": 7, "eastus2": 7, "centralus": 6, "westus2": 6, "westus3": 5,
}  # fmt: skip
REGIONS = list(RATES)
THREE_WAVES = [REGIONS[:1], REGIONS[1:4], REGIONS[4:]]
ROLLOUTS: dict[str, dict[str, Any] | None] = {
    "default": None,
    "all_at_once": {"mode": "all_at_once"},
    "waves_1_3_6": {"mode": "waves", "waves": THREE_WAVES},
}
SIZES = (30, 128, 512)
SHAPES = ("linear", "stall_then_fast")
POLL_SECONDS = 30


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _start(stack: Stack, index: int, size: int, rollout: dict[str, Any] | None) -> tuple:
    sub = f"00000000-0000-0000-0000-{index:012d}"
    ids = stack.seed_demo(
        subscription_id=sub, vm_name=f"vm-{index}", definition=f"img{index}", os_disk_size_gb=size
    )
    overrides: dict[str, Any] = {"version": {"strategy": "explicit", "value": "1.0.0"}}
    if rollout is not None:
        overrides["rollout"] = rollout
    run = stack.start_orchestration("publish_image", ids.request(REGIONS, **overrides))
    return sub, ids, run


def _measure(stack: Stack, sub: str, ids: Any, run: str, log: list, state: dict) -> dict:
    status = stack.run_status(run, history=True)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    calls = [r for r in log if f"/subscriptions/{sub}/" in r["path"]]
    version_path = f"/images/{ids.definition}/versions/1.0.0"
    put = next(r for r in calls if r["method"] == "PUT" and r["path"].endswith(version_path))
    t0 = _ts(put["time"])
    record = next(
        v for v in state["versions"].values() if v["id"].startswith(f"/subscriptions/{sub}/")
    )
    entries = record["replication"]
    done = {r: e["start"] + e["duration"] for r, e in entries.items()}
    started = {r: e["start"] for r, e in entries.items()}
    durations = {r: e["duration"] for r, e in entries.items()}
    # galleryflow: when each region went live (its wave's `promoted` event)
    live: dict[str, float] = {}
    waves: list[list[str]] = []
    for event in stack.events(run):
        if event["type"] == "galleryflow.promoted.v1":
            waves.append(event["data"]["regions"])
            for region in event["data"]["regions"]:
                live[region] = _ts(event["time"])
    latency, wait = [], []
    previous_live = t0
    for wave in waves:
        # the wave's regions done, the previous wave live, and the version idle again: every
        # region replicating alongside (added with or before it) done — ARM takes no update
        # before (docs/azure-facts.md Q1)
        added_by = max(started[r] for r in wave)
        idle = max(done[r] for r in done if started[r] <= added_by)
        eligible = max(max(done[r] for r in wave), previous_live, idle)
        for region in wave:
            latency.append(live[region] - eligible)
            wait.append(live[region] - done[region])
        previous_live = max(live[r] for r in wave)
    # baseline: PUT at t0, status every 30 s until all done, PATCH: all live then
    slowest = max(durations.values())
    polls = -(-slowest // POLL_SECONDS)
    base_live = polls * POLL_SECONDS
    return {
        "calls": len(calls),
        "base_calls": int(polls) + 2,
        "latency": latency,
        "wait": wait,
        "first": min(live.values()) - t0,
        "all": max(live.values()) - t0,
        "base_live": base_live,
        "history": len(status["historyEvents"]),
        "live_regions": len(live),
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _batch(root: Path, shape: str, results: dict) -> None:
    """One stack per progress shape (the shape is an emulator setting): its nine scenarios
    (rollouts x image sizes) run side by side, each in its own subscription. The host's clock
    is held while they start, so every run's PUT happens at the same simulated moment."""
    stack = start_stack(root / shape)
    try:
        stack.arm_control(
            "POST",
            "settings",
            {"replication_mb_per_second_by_region": RATES, "replication_progress_shape": shape},
        )
        stack.hold_clock(True)
        runs = []
        scenarios = [(size, rollout) for rollout in ROLLOUTS for size in SIZES]
        for index, (size, rollout) in enumerate(scenarios, start=1):
            runs.append(((size, rollout, shape), *_start(stack, index, size, ROLLOUTS[rollout])))
        stack.hold_clock(False)
        _wait_all(stack, [run for _, _, _, run in runs])
        log = stack.arm_control("GET", "requests")["requests"]
        state = stack.arm_control("GET", "state")
        for key, sub, ids, run in runs:
            results[key] = _measure(stack, sub, ids, run, log, state)
    finally:
        stack.stop()


def _wait_all(stack: Stack, runs: list[str], timeout: float = 900) -> None:
    """Wait until every run ended, reading one run's status every half second (each read
    holds the host's clock still while it is answered: fewer reads, less in the way)."""
    deadline = time.monotonic() + timeout
    pending = list(runs)
    while pending:
        if stack.run_status(pending[0])["runtimeStatus"] in TERMINAL_STATES:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not done after {timeout} s: {pending}")
        time.sleep(0.5)  # polling interval of a condition, not a correctness sleep


def main() -> int:
    started = time.monotonic()
    results: dict[tuple[int, str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="gf-bench-") as tmp:
        # The host jumps simulated time as soon as nothing runs: one stack per shape, the two
        # side by side, keep both cores busy without paying for more stack start-ups.
        threads = [
            threading.Thread(target=_batch, args=(Path(tmp), shape, results)) for shape in SHAPES
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if len(results) != len(SIZES) * len(ROLLOUTS) * len(SHAPES):
        print("rollout benchmark: some scenarios did not finish (see above)", file=sys.stderr)
        return 1
    _print(results, time.monotonic() - started)
    return 0


def _print(results: dict[tuple[int, str, str], dict], elapsed: float) -> None:
    print(
        f"rollout benchmark {datetime.now(UTC):%Y-%m-%d}, {platform.machine()} "
        f"{platform.processor() or platform.platform()}, {_cores()} cores, {elapsed:.0f} s wall"
    )
    header = (
        "| GB | rollout | progress | calls gf/base (ratio) | wave latency med/p95 s "
        "| wait own->live med/max s | first live gf/base h (speedup) | all live ratio | history |"
    )
    print(header)
    print("|---" * 9 + "|")
    for (size, name, shape), r in sorted(results.items(), key=lambda kv: (kv[0][2], kv[0][0])):
        print(
            f"| {size} | {name} | {shape} | {r['calls']}/{r['base_calls']} "
            f"({r['calls'] / r['base_calls']:.3f}) "
            f"| {statistics.median(r['latency']):.0f}/{_p95(r['latency']):.0f} "
            f"| {statistics.median(r['wait']):.0f}/{max(r['wait']):.0f} "
            f"| {r['first'] / 3600:.2f}/{r['base_live'] / 3600:.2f} "
            f"({r['base_live'] / r['first']:.3f}x) "
            f"| {r['all'] / r['base_live']:.3f} | {r['history']} |"
        )
    slowest = min(results.items(), key=lambda kv: kv[1]["base_live"] / kv[1]["first"])
    (size, name, shape), r = slowest
    print(
        f"lowest first_live_speedup: {r['base_live'] / r['first']:.4f} "
        f"({size} GB, {name}, {shape}; galleryflow {r['first']:.0f} s, baseline "
        f"{r['base_live']:.0f} s after the PUT)"
    )
    h = results[(128, "default", "stall_then_fast")]
    print(
        f"rollout: calls_ratio={h['calls'] / h['base_calls']:.3f} "
        f"wave_latency_median_s={statistics.median(h['latency']):.0f} "
        f"wave_latency_p95_s={_p95(h['latency']):.0f} "
        f"first_live_speedup={h['base_live'] / h['first']:.2f} "
        f"all_live_ratio={h['all'] / h['base_live']:.3f}"
    )


def _cores() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
