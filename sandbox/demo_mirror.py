"""The nightly demo's mirror gallery (#14): a disaster-recovery gallery in another
subscription and region gets a copy of night 1's version (`make demo-nightly`).

Seeds the mirror gallery and definition, adds `mirrors` to the pipeline entry, and after
night 1 shows the copy: where it replicated and went live, and that its
`storageProfile.source.id` is the primary version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from sandbox.demo_nightly import DemoExtra
from sandbox.stack import DemoIds, Stack

MIRROR_SUBSCRIPTION = "00000000-0000-0000-0000-0000000000d7"
MIRROR_LOCATION = "northeurope"  # the mirror's home region: the primary replicates there
MIRROR_REGIONS = ["northeurope", "swedencentral"]
RATES = {"westeurope": 80, "northeurope": 10, "swedencentral": 8, "eastus": 5}  # MB/s


class MirrorExtra(DemoExtra):
    name = "mirror"

    def __init__(self) -> None:
        self.mirror: DemoIds | None = None

    def seed(self, stack: Stack, ids: DemoIds) -> None:
        # documented WAN rates (benchmarks/rollout.py): eastus, the primary's slowest region,
        # finishes well after northeurope, where the copy starts
        stack.arm_control("POST", "settings", {"replication_mb_per_second_by_region": RATES})
        self.mirror = stack.seed_gallery(
            subscription_id=MIRROR_SUBSCRIPTION,
            location=MIRROR_LOCATION,
            gallery="galDr",
            definition=ids.definition,
            resource_group="rg-images-dr",
        )

    def entry(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.mirror is not None
        mirror = {
            "gallery": dict(self.mirror.gallery),
            "target_regions": [{"name": r, "replica_count": 1} for r in MIRROR_REGIONS],
        }
        return {**request, "mirrors": [mirror]}

    def report(self, stack: Stack, ids: DemoIds, result: dict[str, Any], console: Console) -> bool:
        assert self.mirror is not None
        version = str(result.get("version"))
        copies = stack.versions(self.mirror)
        copy = copies.get(version)
        (gallery,) = (result.get("galleries") or {}).get("mirrors") or [{}]
        table = Table(title=f"mirror gallery galDr (subscription {MIRROR_SUBSCRIPTION[-4:]})")
        for column in ("version", "region", "replication", "live"):
            table.add_column(column)
        live: dict[str, bool] = {}
        if copy is not None:
            props = copy["properties"]
            states = {
                s["region"].replace(" ", "").lower(): s["state"]
                for s in props["replicationStatus"]["summary"]
            }
            globally = bool(props["publishingProfile"]["excludeFromLatest"])
            for target in props["publishingProfile"]["targetRegions"]:
                region = target["name"].replace(" ", "").lower()
                live[region] = not globally and not target.get("excludeFromLatest", False)
                table.add_row(version, region, states.get(region), "yes" if live[region] else "no")
        console.print(table)
        source = (copy or {}).get("properties", {}).get("storageProfile", {}).get("source", {})
        primary = f"{stack.definition_id(ids)}/versions/{version}"
        console.print(f"mirror: {gallery.get('status')}; the copy's source: {source.get('id')}")
        console.print(_timeline(stack, ids.definition, version))
        return (
            gallery.get("status") == "succeeded"
            and str(source.get("id", "")).lower() == primary.lower()
            and live == dict.fromkeys(MIRROR_REGIONS, True)
        )


def _timeline(stack: Stack, definition: str, version: str) -> str:
    """When the copy started against the primary's own writes (emulator request log, in
    simulated time): the copy starts as soon as the primary is Completed in northeurope,
    while its slower eastus still replicates."""
    log = stack.arm_control("GET", "requests")["requests"]
    path = f"/images/{definition}/versions/{version}"
    writes = [
        (datetime.fromisoformat(r["time"].replace("Z", "+00:00")), r["method"], r["path"])
        for r in log
        if r["method"] in ("PUT", "PATCH") and r["path"].endswith(path)
    ]
    primary = [(t, m) for t, m, p in writes if "/galleries/galDemo/" in p]
    copy = next((t for t, m, p in writes if m == "PUT" and "/galleries/galDr/" in p), None)
    if not primary or copy is None:
        return "mirror timeline: not found in the emulator's log"
    start = primary[0][0]
    last = primary[-1][0]
    return (
        f"mirror timeline (simulated): primary created at +0 min, copy started at "
        f"+{(copy - start).total_seconds() / 60:.0f} min, the primary's last update at "
        f"+{(last - start).total_seconds() / 60:.0f} min"
    )
