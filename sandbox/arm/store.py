"""The emulator's whole state: plain JSON dicts, one lock, saved to the state dir after changes.

Every time-dependent fact (power transitions, replication, operations) is stored as a start time
and a duration in simulated time, so a restart simply continues from the saved clock.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.arm.clock import SimClock, parse_iso, to_iso

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_CLOCK_SCALE = 1.0

DEFAULT_SETTINGS: dict[str, Any] = {
    # simulated seconds a VM power transition takes
    "power_transition_seconds": 30,
    # a short operation (VM action, create/delete of a gallery or definition) also completes
    # after this many status polls, so a client waiting on a frozen clock is never stuck
    "lro_polls_to_complete": 2,
    # simulated seconds a gallery or image definition create/update takes (it is
    # "Creating"/"Updating" meanwhile); its operation also ends after lro_polls_to_complete polls
    "resource_operation_seconds": 10,
    # replication speed in MB/s of simulated time, with seeded +/- jitter per region attempt:
    # a region's entry in the per-region table, else this default (empty table: one speed)
    "replication_mb_per_second": 8.0,
    "replication_mb_per_second_by_region": {},
    "replication_jitter": 0.2,
    "replication_min_seconds": 60,
    # fraction of a failing replication attempt after which it is reported Failed
    "replication_failure_point": 0.5,
    # how reported progress rises over an attempt (sandbox/arm/progress.py): linear, stepped,
    # stall_then_fast or stuck; per region a shape or a list of shapes by attempt
    "replication_progress_shape": "linear",
    "replication_progress_shape_by_region": {},
    # Retry-After (integer seconds) on operation status answers; 0 suits a simulated clock
    "retry_after_seconds": 0,
    # items per page of a list answer (ARM pages with nextLink)
    "page_size": 100,
}

DEFAULT_LIMITS: dict[str, int] = {
    "galleries": 100,
    "image_definitions": 1000,
    "image_versions": 10000,
    "replicas_per_version": 0,  # sum over all target regions; 0 = not enforced (azure-facts.md#q4)
    "replicas_per_region": 50,
}

_COLLECTIONS = (
    "resource_groups",
    "vms",
    "scale_sets",
    "galleries",
    "images",
    "versions",
    "operations",
    "managed_images",
    "snapshots",
)


def _fresh_state(seed: int) -> dict[str, Any]:
    state: dict[str, Any] = {name: {} for name in _COLLECTIONS}
    state.update(
        {
            "seed": seed,
            "settings": copy.deepcopy(DEFAULT_SETTINGS),
            "limits": {"default": dict(DEFAULT_LIMITS), "overrides": {}},
            "faults": [],
            "next_fault_id": 1,
            "principals": {
                DEFAULT_TOKEN: {
                    "name": "sandbox",
                    "object_id": "00000000-0000-0000-0000-000000000001",
                    "actions": ["*"],
                    "not_actions": [],
                }
            },
        }
    )
    return state


class Store:
    """State + clock + request log. Callers hold `lock` while reading or changing `data`."""

    def __init__(self, state_dir: Path, seed: int = 0, clock_scale: float | None = None) -> None:
        self.state_dir = state_dir
        self.lock = threading.RLock()
        self._file = state_dir / "state.json"
        self._log_file = state_dir / "requests.jsonl"
        if self._file.exists():
            saved = json.loads(self._file.read_text())
            self.data: dict[str, Any] = saved["state"]
            # settings added by a newer emulator get their defaults
            self.data["settings"] = {**copy.deepcopy(DEFAULT_SETTINGS), **self.data["settings"]}
            for name in _COLLECTIONS:  # collections added by a newer emulator
                self.data.setdefault(name, {})
            clock = saved["clock"]
            start, scale = parse_iso(clock["now"]).timestamp(), float(clock["scale"])
        else:
            self.data = _fresh_state(seed)
            # like ARM, time flows: a fresh emulator runs at wall-clock speed unless told
            start, scale = float(int(time.time())), DEFAULT_CLOCK_SCALE
        if clock_scale is not None:
            scale = clock_scale
        self.clock = SimClock(start, scale)
        self.requests: list[dict[str, Any]] = self._load_log()
        self.throttle_windows: dict[str, list[float]] = {}

    def _load_log(self) -> list[dict[str, Any]]:
        if not self._log_file.exists():
            return []
        return [json.loads(line) for line in self._log_file.read_text().splitlines() if line]

    # -- persistence -------------------------------------------------------------------------
    def save(self) -> None:
        payload = {"clock": self.clock.to_json(), "state": self.data}
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, separators=(",", ":")))
        os.replace(tmp, self._file)

    def reset(self, *, clock_to_wall: bool = False) -> None:
        """Forget every resource, fault and setting. The clock is kept unless `clock_to_wall`:
        then it restarts frozen at the wall time, as tests start an emulator."""
        self.data = _fresh_state(self.data["seed"])
        if clock_to_wall:
            self.clock = SimClock(float(int(time.time())), 0.0)
        self.requests = []
        self.throttle_windows = {}
        self._log_file.write_text("")
        self.save()

    def log_request(self, entry: dict[str, Any]) -> None:
        self.requests.append(entry)
        with self._log_file.open("a") as handle:
            handle.write(json.dumps(entry) + "\n")

    # -- helpers -----------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def now_iso(self) -> str:
        return to_iso(self.clock.now())

    @property
    def settings(self) -> dict[str, Any]:
        return self.data["settings"]

    def collection(self, name: str) -> dict[str, Any]:
        return self.data[name]
