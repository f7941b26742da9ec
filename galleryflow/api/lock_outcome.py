"""What a just-started run's lock said (docs/pipeline.md "One run per image definition and
per source VM"). The Durable entity `resource_lock` is the authoritative check: the HTTP
layer's own look at the live runs is only a fast path (two requests can both pass it), so
`POST /api/publish` waits briefly for its run's lock outcome and answers a refusal as 409.

A publish run reports a step (custom status `step`) only once its locks are granted; a
refused run fails at once with "<step> failed on <resource>: RunInProgress: run <holder>
(<kind>) holds this image definition|source VM; ...". Pure: reads a run status dict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_REFUSAL = re.compile(r"RunInProgress: (run (?P<holder>[^\s]+) \((?P<kind>[^)]*)\) holds .*)")


@dataclass(frozen=True)
class LockOutcome:
    decided: bool  # granted or refused; False: not known yet
    holder: str | None = None  # the run holding the lock, when refused
    message: str = ""

    @property
    def refused(self) -> bool:
        return self.holder is not None


def lock_outcome(status: dict[str, Any]) -> LockOutcome:
    """From a run's Durable status (plain JSON): refused (naming the holder), granted (the
    run reports a step or ended otherwise), or not known yet."""
    runtime = status.get("runtimeStatus")
    if runtime == "Failed":
        found = _REFUSAL.search(str(status.get("output") or ""))
        if found:
            return LockOutcome(True, found.group("holder"), found.group(1).splitlines()[0])
        return LockOutcome(True)
    if runtime in ("Completed", "Terminated", "Canceled"):
        return LockOutcome(True)
    custom = status.get("customStatus")
    step = custom.get("step") if isinstance(custom, dict) else None
    return LockOutcome(bool(step))
