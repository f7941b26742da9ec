"""Soak (issue #15 item 9): many publishes over many definitions in simulated time, with
seeded random ARM faults and a version quota close to full, so auto-prune must keep making
room. Checks the fault matrix's invariants at the end (each source VM given back as it was,
nothing live before it replicated, no failed run's version live, a latest in every region,
one version per run) and prints runs/s and p50/p95 run duration.

Run: .venv/bin/python benchmarks/soak.py [--publishes 500] [--definitions 20]
     [--fault-rate 0.01] [--quota 10000] [--headroom 50] [--seed 7]   (make soak)
The quota: the region's version limit is `--quota` and the subscription already holds
`quota - headroom` versions (9,950 by default) in galleries the soak never touches: the
emulator's quota `in_use` count, so usages and the quota check see them without 9,950
records to store. Without auto-prune the publishes would need far more slots than that.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.stack import DemoIds, Stack, prune_old, start_stack  # noqa: E402
from sandbox.stack_durable import TERMINAL_STATES  # noqa: E402
from tests.reliability.invariants import completed_regions, live_regions  # noqa: E402

REGIONS = ["westeurope", "eastus"]
RETENTION = prune_old(0)
FAULT_KINDS = ({"status": 429, "retry_after": 1}, {"status": 500}, {"status": 503})


def _seed(stack: Stack, definitions: int) -> list[DemoIds]:
    first = stack.seed_demo(vm_name="vm-soak-0", definition="soak-0", power_state="deallocated")
    seeded = [first]
    for index in range(1, definitions):
        vm = stack.arm_control(
            "POST",
            "vms",
            {
                "subscription_id": first.subscription_id,
                "resource_group": "rg-build",
                "name": f"vm-soak-{index}",
                "location": first.location,
                "os_type": "Linux",
                "hyper_v_generation": "V2",
                "power_state": "deallocated",
            },
        )
        ids = stack.add_definition(first, f"soak-{index}")
        seeded.append(replace(ids, vm_id=str(vm["id"])))
    return seeded


def _duration(status: dict[str, Any]) -> float:
    start = datetime.fromisoformat(str(status["createdTime"]).replace("Z", "+00:00"))
    end = datetime.fromisoformat(str(status["lastUpdatedTime"]).replace("Z", "+00:00"))
    return (end - start).total_seconds()


def _wait(stack: Stack, run: str, timeout: float = 900) -> dict[str, Any]:
    """The run's final status. Polls every half second: twenty threads polling at the
    stack's 0.1 s would cost the host more than the runs themselves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = stack.run_status(run)
        if status.get("runtimeStatus") in TERMINAL_STATES:
            return status
        time.sleep(0.5)  # a polling interval, not a correctness sleep
    raise TimeoutError(f"run {run} not done after {timeout} s")


def _publish_all(stack: Stack, ids: DemoIds, count: int) -> list[dict[str, Any]]:
    statuses = []
    for n in range(count):
        request = ids.request(REGIONS, retention=RETENTION, idempotency_key=f"{ids.definition}-{n}")
        run = stack.start_orchestration("publish_image", request)
        statuses.append(_wait(stack, run))
    return statuses


def _check(stack: Stack, seeded: list[DemoIds], statuses: list[dict[str, Any]]) -> list[str]:
    problems = []
    failed_runs = {s["instanceId"] for s in statuses if s["runtimeStatus"] != "Completed"}
    for ids in seeded:
        versions = stack.versions(ids)
        if not versions:
            problems.append(f"{ids.definition}: no version at all")
        power = stack.vm_power_state(ids.vm_id)
        if power != "deallocated":  # seeded deallocated: every run must give it back so
            problems.append(f"{ids.definition}: source VM is {power}, was deallocated")
        live = set().union(*(live_regions(v) for v in versions.values())) if versions else set()
        if versions and live != set(REGIONS):
            problems.append(f"{ids.definition}: no latest in {sorted(set(REGIONS) - live)}")
        keys = [(v.get("tags") or {}).get("galleryflow-idempotency") for v in versions.values()]
        if len([k for k in keys if k]) != len({k for k in keys if k}):
            problems.append(f"{ids.definition}: two versions of one run: {sorted(map(str, keys))}")
        for name, version in versions.items():
            early = live_regions(version) - completed_regions(version)
            if early:
                problems.append(f"{ids.definition}/{name} live in {sorted(early)} too early")
            run = (version.get("tags") or {}).get("galleryflow-idempotency")
            if run in failed_runs and live_regions(version):
                problems.append(f"{ids.definition}/{name} of failed run {run} is live")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishes", type=int, default=500)
    parser.add_argument("--definitions", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--quota", type=int, default=10_000)
    parser.add_argument("--headroom", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    per_definition = max(1, args.publishes // args.definitions)
    with tempfile.TemporaryDirectory(prefix="soak-") as state:
        stack = start_stack(Path(state), seed=args.seed)
        try:
            seeded = _seed(stack, args.definitions)
            stack.arm_control(
                "POST",
                "quotas",
                {
                    "limits": {"image_versions": args.quota},
                    "in_use": {"image_versions": args.quota - args.headroom},  # nothing else yet
                    "subscription_id": seeded[0].subscription_id,
                    "region": seeded[0].location,
                },
            )
            for kind in FAULT_KINDS:
                stack.add_fault(
                    kind="http",
                    path=r"/providers/Microsoft\.Compute/",
                    probability=args.fault_rate / len(FAULT_KINDS),
                    **kind,
                )
            started = time.monotonic()
            with ThreadPoolExecutor(len(seeded)) as pool:
                batches = list(pool.map(lambda i: _publish_all(stack, i, per_definition), seeded))
            wall = time.monotonic() - started
            statuses = [s for batch in batches for s in batch]
            stack.arm_control("DELETE", "faults")
            problems = _check(stack, seeded, statuses)
        finally:
            stack.stop()
    outcomes: dict[str, int] = {}
    for status in statuses:
        if status["runtimeStatus"] == "Completed":
            key = str((status.get("output") or {}).get("status"))
        else:  # "<step> failed on <resource>: <code>: <message>" -> "failed <step> <code>"
            text = str(status.get("output"))
            step, _, rest = text.partition(" failed on ")
            code = rest.split(": ")[1] if rest.count(": ") >= 1 else "?"
            key = f"failed {step} {code}"
        outcomes[key] = outcomes.get(key, 0) + 1
    durations = sorted(_duration(s) for s in statuses)
    p95 = durations[min(len(durations) - 1, int(0.95 * len(durations)))]
    print(f"soak: {len(statuses)} publishes over {len(seeded)} definitions in {wall:.0f} s wall")
    print(f"outcomes: {outcomes}")
    print(
        f"runs/s: {len(statuses) / wall:.2f}; run duration (simulated) p50 "
        f"{statistics.median(durations):.0f} s, p95 {p95:.0f} s"
    )
    for problem in problems:
        print(f"INVARIANT: {problem}")
    print(f"soak: {len(problems)} invariant violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
