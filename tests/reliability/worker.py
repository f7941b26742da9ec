"""One sandbox stack that runs fault-matrix cells one after another.

Processes start once per worker, not per cell: between cells the emulator is reset to an
empty state (`POST /_sandbox/reset`, the clock kept), so each cell seeds from nothing and the
emulator's state and request log never grow over a run. The host keeps running; a kill
point arms the host's crash point at run time (`POST /admin/crash-point`, sandbox/host/
crash_point.py), so a kill cell costs one host start, after the SIGKILL.

galleryflow calls ARM with its own token (`HOST_TOKEN`), so a cell can take one RBAC action
away from galleryflow while the runner keeps reading everything with the default token.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sandbox.process import StackError
from sandbox.stack import Stack, start_stack
from tests.reliability.matrix import READ_TIMEOUT_SECONDS

HOST_TOKEN = "galleryflow-matrix-token"
HOOK_SECRET = "matrix-hook-secret"
# Replication at 1 GB/s of simulated time: a region replicates in the emulator's minimum
# (60 simulated seconds), a few reads per wave instead of ~17 for a 30 GB disk at 8 MB/s
# (each read is a host round trip in wall time); reads, promotion and their kill points stay.
EMULATOR_SETTINGS = {"replication_mb_per_second": 1024.0}


class Worker:
    """A stack for cells: `fresh()` before each, `stop()` at the end."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.pipelines_file = state_dir / "pipelines.json"
        self.pipelines_file.write_text(json.dumps({"schema_version": 1, "pipelines": []}))
        self.stack: Stack = start_stack(
            state_dir,
            settings={
                "GALLERYFLOW_ARM_READ_TIMEOUT": str(READ_TIMEOUT_SECONDS),
                "GALLERYFLOW_ARM_STATIC_TOKEN": HOST_TOKEN,
                "GALLERYFLOW_PIPELINES_FILE": str(self.pipelines_file),
                "GALLERYFLOW_DEVOPS_HOOK_SECRET": HOOK_SECRET,
            },
        )
        try:
            self.fresh()
        except BaseException:
            self.stack.stop()
            raise

    def fresh(self, *, denied: Iterable[str] = ()) -> None:
        """An empty emulator (clock kept), the matrix's settings, and galleryflow's principal
        allowed every action but `denied`."""
        stack = self.stack
        stack.arm_control("POST", "reset")
        stack.arm_control("POST", "settings", EMULATOR_SETTINGS)
        self.deny(denied)

    def deny(self, denied: Iterable[str]) -> None:
        self.stack.arm_control(
            "POST",
            "principals",
            {
                "token": HOST_TOKEN,
                "name": "galleryflow",
                "actions": ["*"],
                "not_actions": sorted(denied),
            },
        )

    def pipelines(self, pipelines: list[dict[str, Any]]) -> None:
        """GALLERYFLOW_PIPELINES_FILE's pipelines (the app reads the file on each hook)."""
        self.pipelines_file.write_text(json.dumps({"schema_version": 1, "pipelines": pipelines}))

    # ---- the host's kill point -----------------------------------------------------------

    def commits(self) -> int:
        """Orchestration episodes the host committed since it started."""
        return int(self._crash_point("GET")["commits"])

    def crash_after(self, commits: int | None) -> None:
        """SIGKILL the host right after `commits` more commits (None: disarm)."""
        self._crash_point("POST", {"after_commits": commits})

    def _crash_point(self, method: str, body: Any = None) -> dict[str, Any]:
        stack = self.stack
        response = stack.session.request(
            method,
            f"{stack.host.url}/admin/crash-point",
            json=body,
            headers={"x-functions-key": stack.keys["masterKey"]},
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"crash point: {response.status_code} {response.text}")
        return dict(response.json())

    def stop(self) -> None:
        self.stack.stop()
