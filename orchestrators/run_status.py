"""The custom status of a publish run (docs/CONTRACTS.md): built here, pure and deterministic.

The HTTP API turns it into the run summary, so it holds only what a person needs: step,
version, per-region progress, wave position, the last log lines, the error and who started
and decided (audit). No secrets.
"""

from __future__ import annotations

import json
from typing import Any

MAX_LOG_LINES = 8
MAX_AUDIT_ENTRIES = 20
# Durable refuses a custom status whose compact JSON is over 16 KB in UTF-16 (2 bytes a
# character): measured the same way here, with a margin.
MAX_BYTES = 15_000


def _size(status: dict[str, Any]) -> int:
    return len(json.dumps(status, separators=(",", ":")).encode("utf-16-le"))


STEPS = (
    "preflight",
    "patch",
    "capture",
    "replicate",
    "promote",
    "prune",
    "mirror",
    "notify",
    "done",
    "failed",
)


class RunStatus:
    """Mutable view of a run's progress; `to_dict()` is what `set_custom_status` receives."""

    def __init__(self, definition: str = "", version: str | None = None) -> None:
        self.step = "preflight"
        self.version = version
        self.definition = definition
        self.regions: dict[str, dict[str, Any]] = {}
        self.waves: dict[str, Any] = {"current": 0, "total": 0, "awaiting_approval": False}
        self.log: list[str] = []
        self.error: str | None = None
        # Who started, approved, rejected, cancelled (galleryflow/identity/audit.py entries).
        self.audit: list[dict[str, Any]] = []
        # One entry per mirror gallery: definition, state, step, regions, waves, log, error.
        self.mirrors: list[dict[str, Any]] = []
        # The `publish_mirrors` child while it runs: the API reads its progress from there.
        self.mirrors_run: str | None = None

    def at(self, step: str, line: str | None = None) -> RunStatus:
        assert step in STEPS, step
        self.step = step
        if line:
            self.say(line)
        return self

    def say(self, line: str) -> None:
        self.log = [*self.log, line[:300]][-MAX_LOG_LINES:]

    def set_region(self, name: str, **fields: Any) -> None:
        self.regions[name] = {**self.regions.get(name, {}), **fields}

    def to_dict(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "step": self.step,
            "version": self.version,
            "definition": self.definition,
            "regions": self.regions,
            "waves": dict(self.waves),
            "log": list(self.log),
            "error": self.error,
            "audit": self.audit[-MAX_AUDIT_ENTRIES:],
        }
        if self.mirrors:
            status["mirrors"] = [dict(m) for m in self.mirrors]
        if self.mirrors_run:
            status["mirrors_run"] = self.mirrors_run
        # Shrink the log first, then region details, so the status always fits.
        log: list[str] = status["log"]
        while _size(status) > MAX_BYTES and log:
            log = log[1:]
            status["log"] = log
        if _size(status) > MAX_BYTES:
            status["regions"] = {
                r: {"state": v.get("state"), "progress": v.get("progress")}
                for r, v in self.regions.items()
            }
        if _size(status) > MAX_BYTES and self.mirrors:
            status["mirrors"] = [
                {k: m.get(k) for k in ("definition", "state", "error")} for m in self.mirrors
            ]
        return status
