"""Benchmark: when a mirror gallery serves the new version, 1.1 (mirrors started as soon as the
primary is Completed in the mirror's home region) against 1.0 (mirrors after the primary's
whole rollout and prune), on the sandbox, simulated time, in the same run.

Run: .venv/bin/python benchmarks/mirror_start.py   (part of `make bench`)

One stack. The baseline runs on a copy of the app whose host.json says defaultVersion 1.0
(sandbox/app_copy.py): the same code takes 1.0's path for runs stamped 1.0, as a run started
before the 1.1 deploy would. Then the host restarts on the app itself (1.1) and the same
publish runs again, in another subscription (primary and mirror), so every ARM call in the
emulator's request log belongs to exactly one run.

Scenario: a 128 GB image to the 10 regions of benchmarks/rollout.py (same documented
per-region rates; home westeurope), default rollout (canary), one mirror gallery in another
subscription whose home is northeurope, with northeurope, swedencentral and uksouth.
Measures (seconds of simulated time from the primary's capture PUT): when the mirror is live
in all its regions, when the primary is; the ARM calls of each run; 1.1 / 1.0 ratios.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.rollout import RATES, REGIONS  # noqa: E402
from sandbox.app_copy import copy_app  # noqa: E402
from sandbox.stack import Stack, start_stack  # noqa: E402

SIZE_GB = 128
MIRROR_REGIONS = ["northeurope", "swedencentral", "uksouth"]


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _publish(stack: Stack, index: int) -> dict[str, Any]:
    """One mirrored publish in its own subscriptions; its timings and ARM calls."""
    sub, mirror_sub = (
        f"00000000-0000-0000-0000-{index:012d}",
        f"11111111-0000-0000-0000-{index:012d}",
    )
    primary = stack.seed_demo(
        subscription_id=sub, vm_name=f"vm-{index}", definition="img", os_disk_size_gb=SIZE_GB
    )
    mirror = stack.seed_gallery(
        subscription_id=mirror_sub,
        location="northeurope",
        gallery="galDr",
        definition="img",
        os_state="Specialized",
    )
    request = primary.request(
        REGIONS,
        version={"strategy": "explicit", "value": "1.0.0"},
        mirrors=[
            {
                "gallery": dict(mirror.gallery),
                "target_regions": [{"name": r, "replica_count": 1} for r in MIRROR_REGIONS],
            }
        ],
    )
    run = stack.api("POST", "publish", request).json()["id"]
    status = stack.wait_for_run(run, timeout=900)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["status"] == "succeeded", status["output"]
    summary = stack.api("GET", f"runs/{run}").json()
    (mirror_progress,) = summary["galleries"]["mirrors"]
    log = stack.arm_control("GET", "requests")["requests"]
    put = min(
        _ts(r["time"])
        for r in log
        if r["method"] == "PUT"
        and f"/subscriptions/{sub}/" in r["path"]
        and "/versions/" in r["path"]
    )
    return {
        "mirror_live": max(_ts(r["went_live"]) for r in mirror_progress["regions"].values()) - put,
        "primary_live": max(_ts(r["went_live"]) for r in summary["regions"].values()) - put,
        "calls": sum(
            1 for r in log if sub in r["path"] or mirror_sub in r["path"]
        ),  # both runs' own
    }


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gf-bench-mirror-") as tmp:
        stack = start_stack(Path(tmp) / "stack")
        try:
            stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": RATES})
            stack.restart_host(kill=False, app_dir=copy_app(Path(tmp) / "app-1.0", "1.0"))
            old = _publish(stack, 1)
            stack.restart_host(kill=False)  # the app itself: 1.1
            new = _publish(stack, 2)
        finally:
            stack.stop()
    print(
        f"mirror start benchmark {datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, "
        f"{time.monotonic() - started:.0f} s wall; {SIZE_GB} GB, primary {len(REGIONS)} regions "
        f"(canary), mirror {len(MIRROR_REGIONS)} regions from northeurope"
    )
    print(f"{'':14}{'1.0 (after)':>14}{'1.1 (early)':>14}{'ratio':>8}")
    for key, label in (("mirror_live", "mirror live s"), ("primary_live", "primary live s")):
        print(f"{label:14}{old[key]:>14.0f}{new[key]:>14.0f}{new[key] / old[key]:>8.3f}")
    calls = new["calls"] / old["calls"]
    print(f"{'ARM calls':14}{old['calls']:>14}{new['calls']:>14}{calls:>8.3f}")
    print(
        f"mirror_start: mirror_live_ratio={new['mirror_live'] / old['mirror_live']:.3f} "
        f"primary_live_ratio={new['primary_live'] / old['primary_live']:.3f} "
        f"calls_ratio={calls:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
